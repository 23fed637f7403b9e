// A join's intermediate process is reaped on every path, by the watcher thread, never by a wait on
// the event loop: when join() settles the intermediate is already gone, after a success, a failed
// setns and an intermediate SIGKILLed mid-join. Our children are read from
// /proc/self/task/*/children, so an unreaped zombie (or a joiner nobody knows of) would show.
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { native, type Plan, type Spawned } from '../lib/index.js';
import { C, execStep, isRoot } from './helpers/plan.js';

const NS = C.CLONE_NEWUTS | C.CLONE_NEWIPC | C.CLONE_NEWPID;

function plan(argv: string[], cloneFlags = 0): Plan {
  return { cloneFlags, stdio: [-1, -1, -1], consoleFd: -1, steps: [{ op: 'close-fds' }, execStep(argv)] };
}

/** Our children and their states ('Z' = zombie), from every thread's children list. */
function children(): Map<number, string> {
  const out = new Map<number, string>();
  for (const tid of readdirSync('/proc/self/task')) {
    let list = '';
    try {
      list = readFileSync(`/proc/self/task/${tid}/children`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    for (const pid of list.trim().split(/\s+/).filter(Boolean).map(Number)) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        out.set(pid, stat.slice(stat.lastIndexOf(')') + 2)[0]!);
      } catch {
        // reaped meanwhile
      }
    }
  }
  return out;
}

/** Our children other than `keep` (vitest's own workers are not our children). */
const others = (keep: number[]) => [...children().entries()].filter(([pid]) => !keep.includes(pid));

/** SIGKILL through a pidfd, and only if that process is still our child (never a recycled pid). */
function killOurChild(pid: number) {
  let fd: number;
  try {
    fd = native.pidfdOpen(pid);
  } catch {
    return; // reaped meanwhile
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === process.pid) native.pidfdSignal(fd, C.SIGKILL);
  } catch {
    // gone
  } finally {
    native.close(fd);
  }
}

async function runJoined(s: Spawned) {
  native.go(s.sync);
  const failure = await native.awaitExec(s.sync);
  const exit = await native.waitExit(s.pidfd);
  native.close(s.pidfd);
  return { failure, exit };
}

describe('join reaps its intermediate', () => {
  let target: Spawned | undefined;

  beforeEach(async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    target = native.spawn(plan(['sleep', '1000'], NS));
    native.go(target.sync);
    expect(await native.awaitExec(target.sync)).toBeNull();
  });

  afterEach(async () => {
    if (!target) return;
    native.pidfdSignal(target.pidfd, C.SIGKILL);
    await native.waitExit(target.pidfd);
    native.close(target.pidfd);
    target = undefined;
  });

  it('on success: when join() resolves only the joiner is left, and nothing once it exits', async () => {
    const before = others([target!.pid]);
    const s = await native.join(target!.pidfd, NS, plan(['true']));
    const left = others([target!.pid, ...before.map(([p]) => p)]);
    // The joiner, alive: waiting for GO, or still on its way there (just scheduled).
    expect(left.map(([p]) => p)).toEqual([s.pid]);
    expect(['S', 'R']).toContain(left[0]![1]);
    expect(await runJoined(s)).toEqual({ failure: null, exit: { exitCode: 0, signal: null } });
    expect(others([target!.pid, ...before.map(([p]) => p)])).toEqual([]);
  });

  it('when the intermediate fails (setns EINVAL): rejected, nothing left', async () => {
    const before = others([target!.pid]).map(([p]) => p);
    await expect(native.join(target!.pidfd, C.CLONE_NEWUSER, plan(['true']))).rejects.toMatchObject({
      code: 'EINVAL',
      syscall: 'setns',
    });
    expect(others([target!.pid, ...before])).toEqual([]);
  });

  it('when the intermediate is SIGKILLed mid-join: settles either way, nothing left', async () => {
    const before = others([target!.pid]).map(([p]) => p);
    const outcomes = { joined: 0, refused: 0 };
    for (let i = 0; i < 20; i++) {
      const pending = native.join(target!.pidfd, NS, plan(['true']));
      // The event loop is free while the intermediate works: kill whatever new child exists now.
      for (const [pid] of others([target!.pid, ...before])) killOurChild(pid);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('join hung')), 5000);
      });
      const s = await Promise.race([pending, timeout]).catch((err) => err as Error);
      clearTimeout(timer);
      if (s instanceof Error) {
        outcomes.refused++;
        expect(s).toMatchObject({ code: 'ESRCH', syscall: 'join' });
      } else {
        // Killed after it cloned the joiner: the join stands (the joiner may have been killed too).
        outcomes.joined++;
        const { failure, exit } = await runJoined(s);
        expect(failure).toBeNull();
        expect(exit.exitCode === 0 || exit.signal === 'SIGKILL').toBe(true);
      }
      expect(others([target!.pid, ...before])).toEqual([]);
    }
    expect(outcomes.joined + outcomes.refused).toBe(20);
  });
});
