// The exit watcher owns the fds it watches (watch.c dups them on registration): a caller that
// closes its pidfd, or reuses the number for another child's pidfd, can neither lose the exit it
// asked for nor make the watcher reap the other child. awaitExec takes the sync socket.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { native, type Plan, type Spawned } from '../lib/index.js';
import { C, execStep, isRoot } from './helpers/plan.js';

function sleeper(): Spawned {
  const plan: Plan = {
    cloneFlags: 0,
    stdio: [-1, -1, -1],
    consoleFd: -1,
    steps: [{ op: 'close-fds' }, execStep(['sleep', '1000'])],
  };
  const s = native.spawn(plan);
  native.go(s.sync);
  return s;
}

/** 'R', 'S', 'Z', ... or null once the pid is gone (reaped). */
function state(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0]!;
  } catch {
    return null;
  }
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms))]);

describe('exit watcher', () => {
  it('still reports the exit after the caller closed its pidfd', async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    const a = sleeper();
    expect(await native.awaitExec(a.sync)).toBeNull();
    const exited = native.waitExit(a.pidfd);
    native.close(a.pidfd);
    process.kill(a.pid, 'SIGKILL'); // still our un-reaped child: the pid cannot be recycled
    await expect(within(exited, 5000)).resolves.toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(state(a.pid)).toBeNull();
  });

  it('follows its own child when the fd number is reused for another child', async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    const a = sleeper();
    const b = sleeper();
    expect(await native.awaitExec(a.sync)).toBeNull();
    expect(await native.awaitExec(b.sync)).toBeNull();
    const exitedA = native.waitExit(a.pidfd);
    const number = a.pidfd;
    native.close(a.pidfd);
    // Take fds (more pidfds of B) until one lands on A's old number; lower holes fill first.
    const extra: number[] = [];
    let bFd = native.pidfdOpen(b.pid);
    while (bFd !== number && extra.length < 64) {
      extra.push(bFd);
      bFd = native.pidfdOpen(b.pid);
    }
    for (const fd of extra) native.close(fd);
    try {
      expect(bFd).toBe(number);
      process.kill(a.pid, 'SIGKILL');
      await expect(within(exitedA, 5000)).resolves.toEqual({ exitCode: null, signal: 'SIGKILL' });
      // B was neither reaped nor signalled by A's watch: still alive (sleeping, or just scheduled).
      expect(['S', 'R']).toContain(state(b.pid));
      native.pidfdSignal(bFd, C.SIGTERM);
      await expect(within(native.waitExit(bFd), 5000)).resolves.toEqual({
        exitCode: null,
        signal: 'SIGTERM',
      });
    } finally {
      native.close(bFd);
      native.pidfdSignal(b.pidfd, C.SIGKILL);
      native.close(b.pidfd);
    }
    expect(state(b.pid)).toBeNull();
  });

  it('awaitExec takes the sync socket: the caller has nothing left to close', async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    const a = sleeper();
    const pending = native.awaitExec(a.sync);
    expect(() => native.close(a.sync)).toThrow(expect.objectContaining({ code: 'EBADF' }));
    expect(await pending).toBeNull();
    native.pidfdSignal(a.pidfd, C.SIGKILL);
    await native.waitExit(a.pidfd);
    native.close(a.pidfd);
  });
});
