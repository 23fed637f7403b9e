// Lifecycle ordering and error paths against the recording native fake (no root needed).
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import type { ChildFailure, Plan, Step } from '@nsinit/native';
import { createNativeFake, type NativeFake } from '@nsinit/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { open } from './container.js';
import { TrustedState } from './state/trusted.js';

const config = {
  hostname: 'unit',
  namespaces: { NEWNS: true, NEWUTS: true, NEWPID: true },
  capabilities: ['CHOWN'],
  environment: ['PATH=/bin'],
} as ContainerConfig;

let dir: string;
let stateRoot: string;
let warnings: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nsinit-unit-'));
  stateRoot = mkdtempSync(join(tmpdir(), 'nsinit-unit-state-'));
  warnings = [];
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(stateRoot, { recursive: true, force: true });
});

const names = (fake: NativeFake) => fake.calls.map((c) => c.name);
const openWith = (fake: NativeFake, extra: Partial<ContainerConfig> = {}) =>
  open(dir, {
    native: fake,
    config: { ...config, ...extra },
    stateRoot,
    onWarning: (m) => warnings.push(m),
  });

/** A trusted record of a container with PID 1 = 123 (the fake's start time for it is 1123), and
 *  its supervisor's lifetime lock held by "another process" unless `supervisorAlive` is false. */
async function liveInstance(
  fake: NativeFake,
  opts: { start?: string; supervisorAlive?: boolean; config?: ContainerConfig } = {},
) {
  const state = TrustedState.of(dir, stateRoot);
  mkdirSync(state.dir, { recursive: true });
  await state.writeInstance({
    id: 'feedc0ffee00',
    pid: 123,
    start: opts.start ?? '1123',
    supervisor: { pid: 1 },
    rootfs: dir,
    dataDir: dir,
    config: opts.config ?? config,
    cgroup: null,
    hostInterfaces: [],
  });
  writeFileSync(state.supervisorPath('feedc0ffee00'), '');
  writeFileSync(join(dir, 'pid'), '123');
  writeFileSync(join(dir, 'start'), opts.start ?? '1123');
  if (opts.supervisorAlive !== false) {
    const tryLock = fake.tryLock.bind(fake);
    fake.tryLock = (fd) => !readlinkSync(`/proc/self/fd/${fd}`).endsWith('.supervisor') && tryLock(fd);
  }
}

describe('starting a container', () => {
  it('spawns, sends GO, confirms exec, writes the pid files, and removes them after exit', async () => {
    const fake = createNativeFake();
    const c = await openWith(fake);
    const proc = await c.exec(['sh', '-c', 'true'], { stdio: 'ignore' });
    expect(proc.joined).toBe(false);
    // The pid files exist while the process is supervised (the fake's exit is already queued).
    const seq = names(fake);
    expect(seq).not.toContain('spawn'); // the clone never runs on the event loop
    expect(seq.indexOf('spawnAsync')).toBeLessThan(seq.indexOf('go'));
    expect(seq.indexOf('go')).toBeLessThan(seq.indexOf('awaitExec'));
    const plan = fake.calls.find((call) => call.name === 'spawnAsync')!.args[0] as Plan;
    expect(plan.stdio).toEqual([-1, -1, -1]);
    expect(plan.steps.at(-1)).toMatchObject({
      op: 'exec',
      candidates: ['/bin/sh'],
      argv: ['sh', '-c', 'true'],
    });
    const result = await proc.wait();
    expect(result).toMatchObject({ exitCode: 0, signal: null, joined: false, pid: proc.pid });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(existsSync(join(dir, 'pid'))).toBe(false);
    expect(existsSync(join(dir, 'start'))).toBe(false);
    expect(fake.openFds()).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('writes pid and start of the started process', async () => {
    const fake = createNativeFake();
    let seen = '';
    const waitExit = fake.waitExit.bind(fake);
    fake.waitExit = async (pidfd) => {
      seen = `${readFileSync(join(dir, 'pid'), 'utf8')}/${readFileSync(join(dir, 'start'), 'utf8')}`;
      return waitExit(pidfd);
    };
    const proc = await (await openWith(fake)).exec(['true'], { stdio: 'ignore' });
    await proc.wait();
    expect(seen).toBe(`${proc.pid}/${1000 + proc.pid}`);
  });

  it('kills and reaps the child and closes everything when the exec step fails', async () => {
    const fake = createNativeFake();
    fake.awaitExec = async (sync) => {
      fake.calls.push({ name: 'awaitExec', args: [sync] });
      fake.close(sync);
      return { step: 99, op: 'exec', syscall: 'execve', errno: 2, path: '/bin/nope' } satisfies ChildFailure;
    };
    const c = await openWith(fake);
    const err = await c.exec(['nope'], { stdio: 'ignore' }).catch((e) => e);
    expect(err).toMatchObject({
      code: 'ERR_NSINIT_EXEC_FAILED',
      errno: -2,
      syscall: 'execve',
      step: 'exec',
      exitCode: 127,
    });
    expect(err.message).toBe("cannot execute 'nope': not found in the container's PATH");
    const seq = names(fake);
    const kill = fake.calls.find((call) => call.name === 'pidfdSignal');
    expect(kill?.args[1]).toBe(9);
    expect(seq.indexOf('pidfdSignal')).toBeLessThan(seq.lastIndexOf('waitExit'));
    expect(fake.openFds()).toEqual([]);
    expect(existsSync(join(dir, 'pid'))).toBe(false);
  });

  it('closes the sync socket and kills the child when a step before GO fails', async () => {
    const fake = createNativeFake({ fail: { go: new Error('go failed') } });
    const c = await openWith(fake);
    await expect(c.exec(['true'], { stdio: 'ignore' })).rejects.toThrow('go failed');
    const seq = names(fake);
    expect(seq.slice(seq.indexOf('go'))).toEqual(['go', 'close', 'pidfdSignal', 'waitExit', 'close']);
    expect(fake.openFds()).toEqual([]);
  });

  it('does the trusted-state file work while the clone is pending, and sends GO only after it', async () => {
    const fake = createNativeFake();
    const spawnAsync = fake.spawnAsync.bind(fake);
    let clone!: () => void;
    const cloned = new Promise<void>((resolve) => (clone = resolve));
    let filesDuringClone = false;
    fake.spawnAsync = async (plan) => {
      const child = await spawnAsync(plan);
      await cloned; // the spawner thread is still cloning
      filesDuringClone = existsSync(join(dir, 'pid')) && existsSync(join(dir, 'start'));
      return child;
    };
    const c = await openWith(fake);
    const started = c.exec(['true'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 30));
    expect(names(fake)).toContain('spawnAsync');
    expect(names(fake)).not.toContain('go');
    clone();
    const proc = await started;
    await proc.wait();
    // The trusted-state file work ran beside the clone, not after it.
    expect(filesDuringClone).toBe(true);
    expect(fake.openFds()).toEqual([]);
  });

  it('closes the pipes it made when spawn itself fails', async () => {
    const fake = createNativeFake({ fail: { spawnAsync: new Error('clone3 failed') } });
    const c = await openWith(fake);
    await expect(c.exec(['true'], { stdio: ['ignore', 'ignore', 'ignore'] })).rejects.toThrow(
      'clone3 failed',
    );
    expect(fake.openFds()).toEqual([]);
  });
});

describe('joining', () => {
  it('joins a live container through a verified pidfd with only the finishing steps', async () => {
    const fake = createNativeFake();
    await liveInstance(fake);
    const c = await openWith(fake);
    const proc = await c.exec(['ps'], { stdio: 'ignore' });
    expect(proc.joined).toBe(true);
    const seq = names(fake);
    expect(seq.indexOf('pidfdOpen')).toBeLessThan(seq.lastIndexOf('startTime'));
    const join_ = fake.calls.find((call) => call.name === 'join')!;
    const [targetFd, nsFlags, plan] = join_.args as [number, number, Plan];
    expect(fake.calls.find((call) => call.name === 'pidfdOpen')!.args).toEqual([123]);
    expect(nsFlags).toBe(
      fake.constants.CLONE_NEWNS! | fake.constants.CLONE_NEWUTS! | fake.constants.CLONE_NEWPID!,
    );
    expect(plan.cloneFlags).toBe(0);
    expect(plan.steps.map((s: Step) => s.op)).not.toContain('mount');
    expect(fake.calls).toContainEqual({ name: 'close', args: [targetFd] });
    await expect(proc.wait()).resolves.toMatchObject({ joined: true, exitCode: 0 });
    // A join never touches the container's pid files.
    expect(readFileSync(join(dir, 'pid'), 'utf8')).toBe('123');
    expect(fake.openFds()).toEqual([]);
  });

  it('reports and removes a stale instance (its supervisor is gone), then starts a new container', async () => {
    const fake = createNativeFake();
    await liveInstance(fake, { start: '5', supervisorAlive: false }); // pid 123 started at 1123: reused
    const proc = await (await openWith(fake)).exec(['true'], { stdio: 'ignore' });
    expect(proc.joined).toBe(false);
    expect(warnings).toEqual([expect.stringMatching(/stale pid file .*process 123 is gone/)]);
    expect(names(fake)).not.toContain('join');
    await proc.wait();
  });

  it('never follows pid files that no trusted record backs', async () => {
    const fake = createNativeFake();
    writeFileSync(join(dir, 'pid'), '123');
    writeFileSync(join(dir, 'start'), '1123'); // pid 123 is alive with this start time
    const proc = await (await openWith(fake)).exec(['true'], { stdio: 'ignore' });
    expect(proc.joined).toBe(false);
    expect(names(fake)).not.toContain('join');
    expect(warnings).toEqual([expect.stringMatching(/stale pid file .*pid names no container started here/)]);
    await proc.wait();
  });

  it('joins the recorded PID 1, not a forged pid file, and says which file was changed', async () => {
    const fake = createNativeFake();
    await liveInstance(fake);
    writeFileSync(join(dir, 'pid'), '456');
    const proc = await (await openWith(fake)).exec(['ps'], { stdio: 'ignore' });
    expect(proc.joined).toBe(true);
    expect(fake.calls.find((call) => call.name === 'pidfdOpen')!.args).toEqual([123]);
    expect(warnings).toEqual([`${join(dir, 'pid')} was changed (the container's is 123); ignoring it`]);
    await proc.wait();
  });

  it('joins with the config the container was started with', async () => {
    const capsOfJoin = async (extra: Partial<ContainerConfig>) => {
      const fake = createNativeFake();
      await liveInstance(fake);
      const proc = await (await openWith(fake, extra)).exec(['ps'], { stdio: 'ignore' });
      await proc.wait();
      const plan = fake.calls.find((call) => call.name === 'join')!.args[2] as Plan;
      return plan.steps.find((s) => s.op === 'caps');
    };
    const started = await capsOfJoin({});
    expect(warnings).toEqual([]);
    // container.json now asks for SYS_ADMIN: the join still gets the started capabilities.
    expect(await capsOfJoin({ capabilities: ['SYS_ADMIN'] })).toEqual(started);
    expect(warnings).toEqual([
      expect.stringMatching(/container.json differs from the config the running container was started with/),
    ]);
  });

  it('closes the verified pidfd when the user cannot be resolved', async () => {
    const fake = createNativeFake();
    await liveInstance(fake, { config: { ...config, user: 'nobody-here' } });
    const c = await openWith(fake, { user: 'nobody-here' });
    await expect(c.exec(['ps'], { stdio: 'ignore' })).rejects.toMatchObject({
      code: 'ERR_NSINIT_UNKNOWN_USER',
    });
    expect(names(fake)).toContain('pidfdOpen');
    expect(fake.openFds()).toEqual([]);
  });

  it('run() refuses a live container and join() an absent one', async () => {
    const fake = createNativeFake();
    const c = await openWith(fake);
    await expect(c.join(['ps'], { stdio: 'ignore' })).rejects.toMatchObject({
      code: 'ERR_NSINIT_CONTAINER_NOT_RUNNING',
    });
    await liveInstance(fake);
    await expect(c.run(['sh'], { stdio: 'ignore' })).rejects.toMatchObject({
      code: 'ERR_NSINIT_CONTAINER_RUNNING',
    });
    expect(fake.openFds()).toEqual([]);
  });
});

describe('options', () => {
  it.each([
    [{ timeout: -1 }, /'timeout' option must be a non-negative number of milliseconds, received number -1/],
    [{ killSignal: 'SIGNOPE' }, /'killSignal' option .* received 'SIGNOPE'/],
    [{ signal: 'yes' }, /'signal' option must be an AbortSignal, received 'yes'/],
    [{ stdio: 'tty' }, /'stdio' option .* received 'tty'/],
  ])('validates %j eagerly', async (options, message) => {
    const fake = createNativeFake();
    const c = await openWith(fake);
    await expect(c.exec(['true'], options as never)).rejects.toThrow(message);
    expect(names(fake)).toEqual([]);
  });

  it('refuses an empty argv naming the option', async () => {
    const c = await openWith(createNativeFake());
    await expect(c.exec([])).rejects.toMatchObject({
      code: 'ERR_NSINIT_INVALID_ARG',
      message: /'argv' option/,
    });
  });

  it('does not start when the signal is already aborted', async () => {
    const fake = createNativeFake();
    const c = await openWith(fake);
    await expect(c.exec(['true'], { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(names(fake)).not.toContain('spawnAsync');
  });
});
