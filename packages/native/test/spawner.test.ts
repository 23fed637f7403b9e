// spawnAsync: the clone runs on the addon's one long-lived spawner thread, never on the calling
// (event-loop) thread. Checked through the kernel's own record of which THREAD is a child's parent
// (/proc/<pid>/task/<tid>/children, proc(5)), and through what that means for the parent-death
// signal (prctl(2): it fires when the cloning thread exits): a worker's exit does not kill a child
// it started this way, the process's exit does.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { native, type Spawned } from '../lib/index.js';
import { C, isRoot, run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** The thread of this process whose child `pid` is, with its name. */
function cloningThread(pid: number): { tid: number; name: string } | null {
  for (const tid of readdirSync('/proc/self/task')) {
    let children: string;
    try {
      children = readFileSync(`/proc/self/task/${tid}/children`, 'utf8');
    } catch {
      continue; // a thread that just ended
    }
    if (children.split(' ').includes(String(pid))) {
      return { tid: Number(tid), name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() };
    }
  }
  return null;
}

function dead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

async function kill(s: { pidfd: number }) {
  native.pidfdSignal(s.pidfd, C.SIGKILL);
  await native.waitExit(s.pidfd);
  native.close(s.pidfd);
}

const sleeper = {
  cloneFlags: 0,
  stdio: [-1, -1, -1] as [number, number, number],
  consoleFd: -1,
  steps: [
    { op: 'close-fds' as const },
    { op: 'exec' as const, candidates: ['/bin/sleep'], argv: ['sleep', '1000'], envp: [] },
  ],
};

describe('spawnAsync', () => {
  const rootfs = useRootfs();

  it('returns a pending promise; the child is cloned by the spawner thread, not this one', async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    const pending = native.spawnAsync(sleeper);
    expect(pending).toBeInstanceOf(Promise);
    const s = await pending;
    try {
      const by = cloningThread(s.pid);
      expect(by).not.toBeNull();
      expect(by!.tid).not.toBe(process.pid); // the main thread's tid is the pid
      expect(by!.name).toBe('nsinit-spawner');
      // One thread for every start: a second child has the same parent thread.
      const t = await native.spawnAsync(sleeper);
      try {
        expect(cloningThread(t.pid)?.tid).toBe(by!.tid);
      } finally {
        native.close(t.sync);
        await kill(t);
      }
    } finally {
      native.close(s.sync);
      await kill(s);
    }
  });

  it('runs a container like spawn does', async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    const res = await run(standardPlan(rootfs().path, ['hostname'], { hostname: 'spawner' }), {
      async: true,
    });
    expect(res.failure).toBeNull();
    expect(res.exit).toEqual({ exitCode: 0, signal: null });
    expect(res.output).toBe('spawner\n');
  });

  it('starts many at once, in order, each child its own', async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    const all: Spawned[] = await Promise.all(Array.from({ length: 8 }, () => native.spawnAsync(sleeper)));
    try {
      expect(new Set(all.map((s) => s.pid)).size).toBe(8);
      expect(new Set(all.map((s) => s.pidfd)).size).toBe(8);
    } finally {
      for (const s of all) {
        native.close(s.sync);
        await kill(s);
      }
    }
  });

  it('rejects a malformed plan without cloning', async () => {
    const plan = standardPlan('/nonexistent', ['true']);
    plan.steps.pop(); // no exec step
    await expect(native.spawnAsync(plan)).rejects.toMatchObject({ code: 'ERR_NSINIT_INVALID_PLAN' });
  });

  it('a child started from a worker outlives the worker (its parent thread is the spawner)', async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    const worker = new Worker(fixture('spawn-async-in-worker.mjs'));
    const ended = new Promise((r) => worker.once('exit', r));
    const msg = await new Promise<{ pid: number; pidfd: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await ended;
    try {
      // worker.test.ts shows spawn() from a worker: the child is SIGKILLed within moments.
      await new Promise((r) => setTimeout(r, 500));
      expect(dead(msg.pid)).toBe(false);
    } finally {
      await kill(msg);
    }
  });

  it('the child still dies when the supervising process exits', async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    const out = JSON.parse(
      execFileSync(process.execPath, [fixture('spawn-async.mjs'), 'orphan'], { encoding: 'utf8' }),
    );
    expect(out.failure).toBeNull();
    let gone = false;
    for (
      const end = Date.now() + 5000;
      Date.now() < end && !gone;
      await new Promise((r) => setTimeout(r, 20))
    ) {
      gone = dead(out.pid);
    }
    expect(gone).toBe(true);
  });

  it('an idle process exits by itself afterwards (the spawner thread does not hold the loop)', (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    const out = execFileSync(process.execPath, [fixture('spawn-async.mjs'), 'idle'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(JSON.parse(out)).toEqual({ failure: null, status: { exitCode: 0, signal: null } });
  });
});
