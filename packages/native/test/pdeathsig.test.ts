// Parent-death signal: the child is SIGKILLed when its supervisor dies, also after a uid switch
// (which clears the signal): the identity step re-arms it in the same step.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { native, type Plan, type Step } from '../lib/index.js';
import { C, isRoot } from './helpers/plan.js';

const fixture = fileURLToPath(new URL('./fixtures/orphan.mjs', import.meta.url));

function orphan(steps: Step[]): number {
  const plan: Plan = {
    cloneFlags: 0,
    stdio: [-1, -1, -1],
    consoleFd: -1,
    steps: [
      ...steps,
      { op: 'close-fds' },
      { op: 'exec', candidates: ['/bin/sleep'], argv: ['sleep', '1000'], envp: [] },
    ],
  };
  const out = JSON.parse(
    execFileSync(process.execPath, [fixture, JSON.stringify(plan)], { encoding: 'utf8' }),
  );
  expect(out.failure).toBeNull();
  return out.pid;
}

/** Gone or a zombie (PID 1 of this host may be slow to reap). */
function dead(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
  } catch {
    return true;
  }
}

async function diesWithin(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    if (dead(pid)) return true;
  }
  return false;
}

function kill(pid: number) {
  const fd = native.pidfdOpen(pid);
  try {
    native.pidfdSignal(fd, C.SIGKILL);
  } finally {
    native.close(fd);
  }
}

describe('parent-death signal', () => {
  it('a child dies when its supervisor exits', async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    const pid = orphan([]);
    expect(await diesWithin(pid, 5000)).toBe(true);
  });

  it('re-armed after the uid switch, it still fires', async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    const pid = orphan([
      { op: 'identity', uid: 1000, gid: 1000, groups: [] },
      { op: 'pdeathsig', signal: C.SIGKILL },
    ]);
    expect(await diesWithin(pid, 5000)).toBe(true);
  });

  it('the uid switch alone keeps it armed: the identity step re-arms it itself', async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    const pid = orphan([{ op: 'identity', uid: 1000, gid: 1000, groups: [] }]);
    try {
      expect(await diesWithin(pid, 5000)).toBe(true);
    } finally {
      if (!dead(pid)) kill(pid);
    }
  });
});
