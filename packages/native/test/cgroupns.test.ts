// The unshare step: a cgroup namespace created after GO, once the parent has moved the child into
// its cgroup, is rooted at that cgroup: /proc/self/cgroup shows "/" inside, and a cgroup
// filesystem mounted there shows the container's cgroup as its root, not the host's hierarchy.
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { run, standardPlan } from './helpers/plan.js';
import { useRootfs } from './helpers/use-rootfs.js';

const PIDS = '/sys/fs/cgroup/pids';

describe('cgroup namespace by unshare after placement', () => {
  const rootfs = useRootfs();

  it('roots the namespace at the cgroup the parent placed the child in', async (ctx) => {
    if (!existsSync(`${PIDS}/cgroup.procs`)) ctx.skip(`no cgroup v1 pids hierarchy at ${PIDS}`);
    const dir = `${PIDS}/nsinit-cgroupns-${process.pid}`;
    mkdirSync(dir);
    onTestFinished(() => rmdirSync(dir));
    const plan = standardPlan(rootfs().path, [
      'sh',
      '-c',
      'grep :pids: /proc/self/cgroup; mkdir -p /tmp/cg && mount -t cgroup -o pids cgroup /tmp/cg && ' +
        'cat /tmp/cg/cgroup.procs | wc -l; ls /tmp/cg | grep -c nsinit-cgroupns || true',
    ]);
    plan.steps.unshift({ op: 'unshare', flags: 0x02000000 });
    const res = await run(plan, { beforeGo: (s) => writeFileSync(`${dir}/cgroup.procs`, String(s.pid)) });
    expect(res.failure).toBeNull();
    const [line, procs, siblings] = res.output.trim().split('\n');
    expect(line).toMatch(/^\d+:pids:\/$/);
    // Only the container's own processes (sh, and the pipeline's children) are in its root.
    expect(Number(procs)).toBeGreaterThan(0);
    expect(Number(procs)).toBeLessThan(10);
    // The host's other cgroups (our own test cgroup's siblings) are not visible.
    expect(siblings).toBe('0');
  });
});
