// The one cleanup path of start and join (launch.ts + unwind.ts) against the recording native
// fake: every acquired resource is released in reverse order on any failure, even when a release
// itself fails (a throwing pidfdSignal, a rejected waitExit, a half-written pid/start pair).
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import { createNativeFake, type NativeFake } from '@nsinit/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { open } from './container.js';
import { TrustedState } from './state/trusted.js';
import { Unwind } from './unwind.js';

const config = {
  hostname: 'unit',
  namespaces: { NEWNS: true, NEWUTS: true, NEWPID: true },
  environment: ['PATH=/bin'],
} as ContainerConfig;

let dir: string;
let stateRoot: string;
let warnings: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nsinit-unwind-'));
  stateRoot = mkdtempSync(join(tmpdir(), 'nsinit-unwind-state-'));
  warnings = [];
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(stateRoot, { recursive: true, force: true });
});

const names = (fake: NativeFake) => fake.calls.map((c) => c.name);
const openWith = (fake: NativeFake, extra: Partial<ContainerConfig> = {}) =>
  open(dir, { native: fake, config: { ...config, ...extra }, stateRoot, onWarning: (m) => warnings.push(m) });

/** A trusted record of a live container (PID 1 = 123, the fake's start time 1123) whose
 *  supervisor's lifetime lock another process holds. */
async function liveInstance(fake: NativeFake) {
  const state = TrustedState.of(dir, stateRoot);
  mkdirSync(state.dir, { recursive: true });
  await state.writeInstance({
    id: 'feedc0ffee00',
    pid: 123,
    start: '1123',
    supervisor: { pid: 1 },
    rootfs: dir,
    dataDir: dir,
    config: { ...config, tty: true },
    cgroup: null,
    hostInterfaces: [],
  });
  writeFileSync(state.supervisorPath('feedc0ffee00'), '');
  const tryLock = fake.tryLock.bind(fake);
  fake.tryLock = (fd) => !readlinkSync(`/proc/self/fd/${fd}`).endsWith('.supervisor') && tryLock(fd);
}

describe('Unwind', () => {
  it('releases in reverse order, runs every release even when one throws, and reports it', async () => {
    const order: string[] = [];
    const stack = new Unwind();
    stack.push('a', () => order.push('a'));
    stack.push('b', () => {
      throw new Error('b is stuck');
    });
    const c = stack.push('c', () => order.push('c'));
    stack.push('d', async () => {
      order.push('d');
    });
    await c.release();
    const seen: string[] = [];
    await stack.unwind((m) => seen.push(m));
    expect(order).toEqual(['c', 'd', 'a']);
    expect(seen).toEqual(['cleanup of b: b is stuck']);
    await stack.unwind(() => order.push('again'));
    expect(order).toEqual(['c', 'd', 'a']);
  });

  it('forgets dismissed and committed entries', async () => {
    const order: string[] = [];
    const stack = new Unwind();
    stack.push('a', () => order.push('a')).dismiss();
    stack.push('b', () => order.push('b'));
    stack.commit();
    await stack.unwind(() => {});
    expect(order).toEqual([]);
  });
});

describe('a failed start', () => {
  it('still reaps the child and releases everything when pidfdSignal throws', async () => {
    const fake = createNativeFake({
      fail: { go: new Error('go failed'), pidfdSignal: new Error('EPERM: operation not permitted') },
    });
    const c = await openWith(fake, { tty: true });
    await expect(c.exec(['true'], { stdio: 'ignore' })).rejects.toThrow('go failed');
    expect(names(fake).slice(names(fake).indexOf('go'))).toEqual([
      'go',
      'close', // sync socket: a child waiting for GO sees EOF and exits
      'pidfdSignal',
      'waitExit',
      'close', // pidfd
      'close', // pty master
    ]);
    expect(warnings).toEqual([expect.stringMatching(/^cannot kill process \d+: EPERM/)]);
    expect(fake.openFds()).toEqual([]);
  });

  it('releases everything when the exit watch cannot be registered', async () => {
    const fake = createNativeFake({ fail: { waitExit: new Error('epoll_ctl: ENOMEM') } });
    fake.go = (sync) => {
      fake.calls.push({ name: 'go', args: [sync] });
      throw new Error('go failed');
    };
    const c = await openWith(fake);
    await expect(c.exec(['true'], { stdio: 'ignore' })).rejects.toThrow('go failed');
    expect(warnings).toEqual([expect.stringMatching(/^cannot reap process \d+: epoll_ctl: ENOMEM/)]);
    expect(fake.openFds()).toEqual([]);
  });

  it('removes a half-written pid/start pair and stops the child', async () => {
    const fake = createNativeFake();
    // `start` is written first; a directory named `pid` (made once the empty placeholders
    // exist: the first start-time read comes after them) makes the second write fail.
    const startTime = fake.startTime.bind(fake);
    let first = true;
    fake.startTime = (pid) => {
      if (first) {
        first = false;
        rmSync(join(dir, 'pid'));
        mkdirSync(join(dir, 'pid', 'x'), { recursive: true });
      }
      return startTime(pid);
    };
    const c = await openWith(fake);
    const err = await c.exec(['true'], { stdio: 'ignore' }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_NSINIT_START_FAILED', path: join(dir, 'pid') });
    expect(existsSync(join(dir, 'start'))).toBe(false);
    expect(names(fake).slice(-3)).toEqual(['pidfdSignal', 'waitExit', 'close']);
    expect(fake.openFds()).toEqual([]);
  });
});

describe('the exit watch of the handle', () => {
  it('is registered before the start commits: a failed registration unwinds it', async () => {
    const fake = createNativeFake({ fail: { waitExit: new Error('fcntl: EMFILE') } });
    const c = await openWith(fake);
    await expect(c.exec(['true'], { stdio: 'ignore' })).rejects.toThrow('fcntl: EMFILE');
    const seq = names(fake);
    // The handle's watch failed, then the unwind killed the child (its own reap fails the same way).
    expect(seq.slice(seq.indexOf('waitExit'))).toEqual(['waitExit', 'pidfdSignal', 'waitExit', 'close']);
    expect(warnings).toEqual([expect.stringMatching(/^cannot reap process \d+: fcntl: EMFILE/)]);
    expect(existsSync(join(dir, 'pid'))).toBe(false);
    expect(fake.openFds()).toEqual([]);
  });
});

describe('a failed join', () => {
  it('releases the target pidfd, the pty and the child when pidfdSignal and waitExit both fail', async () => {
    const fake = createNativeFake({
      fail: { pidfdSignal: new Error('EPERM'), waitExit: new Error('ENOMEM') },
    });
    await liveInstance(fake);
    fake.awaitExec = async (sync) => {
      fake.calls.push({ name: 'awaitExec', args: [sync] });
      fake.close(sync);
      return { step: 3, op: 'exec', syscall: 'execve', errno: 2, path: '/bin/nope' };
    };
    const c = await openWith(fake, { tty: true });
    await expect(c.exec(['nope'])).rejects.toMatchObject({ code: 'ERR_NSINIT_EXEC_FAILED' });
    expect(warnings).toEqual([
      expect.stringMatching(/^cannot kill process \d+: EPERM/),
      expect.stringMatching(/^cannot reap process \d+: ENOMEM/),
    ]);
    expect(fake.openFds()).toEqual([]);
  });
});
