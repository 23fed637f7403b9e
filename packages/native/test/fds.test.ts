// close-fds: only 0, 1 and 2 are open at exec, even when the parent holds inheritable fds; without
// the step such an fd leaks (the control that proves the test can fail).
import { closeSync, openSync, writeSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { native } from '../lib/index.js';
import { loadRaw } from '../lib/native.js';
import { isRoot, mountsUnder, run, standardPlan } from './helpers/plan.js';
import { makeRootfs, type TestRootfs } from './helpers/rootfs.js';

/** fd numbers listed by `ls -l /proc/self/fd` inside, minus the directory fd ls itself opens. */
function openFds(output: string): number[] {
  return output
    .trim()
    .split('\n')
    .filter((l) => l.includes(' -> '))
    .filter((l) => !/-> \/proc\/\d+\/fd$/.test(l))
    .map((l) => Number(l.split(' -> ')[0]!.trim().split(/\s+/).pop()))
    .sort((a, b) => a - b);
}

describe('fds at exec', () => {
  let fs: TestRootfs;
  let leak = -1;
  let file = -1;
  beforeEach((ctx) => {
    if (!isRoot) ctx.skip('needs root');
    fs = makeRootfs();
    file = openSync('/etc/hostname', 'r');
    leak = loadRaw().dupInheritable(file);
  });
  afterEach(() => {
    if (!isRoot) return;
    native.close(leak);
    closeSync(file);
    fs.remove();
    expect(mountsUnder(fs.dir)).toEqual([]);
  });

  it('only stdio is open after close-fds', async () => {
    const res = await run(standardPlan(fs.path, ['ls', '-l', '/proc/self/fd']));
    expect(res.failure).toBeNull();
    expect(openFds(res.output)).toEqual([0, 1, 2]);
  });

  it('without close-fds an inheritable parent fd leaks into the container (control)', async () => {
    const plan = standardPlan(fs.path, ['ls', '-l', '/proc/self/fd']);
    plan.steps = plan.steps.filter((s) => s.op !== 'close-fds');
    const res = await run(plan);
    expect(openFds(res.output)).toContain(leak);
  });

  it('stdio -1 is a null device (1:3) and the plan fds land on 0, 1, 2', async () => {
    const res = await run(
      standardPlan(fs.path, ['sh', '-c', 'stat -L -c %t:%T /proc/self/fd/0; cat; echo eof']),
    );
    expect(res.output.trim().split('\n')).toEqual(['1:3', 'eof']);
  });

  it('a pipe given as stdin reaches the container, one fd serves both stdout and stderr', async () => {
    const [r, w] = native.pipe();
    const pending = run(standardPlan(fs.path, ['sh', '-c', 'read x; echo got $x; echo err >&2']), {
      stdin: r,
    });
    native.close(r);
    writeSync(w, 'hello\n');
    native.close(w);
    const out = await pending;
    expect(out.output).toBe('got hello\nerr\n');
  });
});
