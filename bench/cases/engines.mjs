// Case 6: what a container costs through an engine — `podman run --rm <busybox> /bin/true` (conmon
// drives the runtime: create, start, state, delete) and `ctr run --rm` (containerd's runc shim v2
// with --runc-binary) — with nsinit-oci, runc and crun as the runtime, interleaved round by round.
// Each runtime gets its own private podman storage and containerd instance (testkit's harnesses);
// crun runs with its engine inside the mount namespace that hides the hybrid cgroup2 controllers.
import { existsSync } from 'node:fs';
import { interleave } from '../lib/harness.mjs';
import { repoRoot } from '../lib/workspace.mjs';
import { toSummary } from './cold.mjs';

const NSINIT_OCI = `${repoRoot}packages/cli/bin/nsinit-oci`;

export async function enginesCase(ctx) {
  const { startPodman, startContainerd, PODMAN_IMAGE } = ctx.testkit;
  const runtimes = [
    { name: 'runc', path: '/usr/sbin/runc', prefix: [] },
    { name: 'crun', path: '/usr/bin/crun', prefix: ctx.crunPrefix },
  ];
  const notes = [];
  if (existsSync(NSINIT_OCI)) runtimes.unshift({ name: 'nsinit-oci', path: NSINIT_OCI, prefix: [] });
  else notes.push(`nsinit-oci not measured: ${NSINIT_OCI} does not exist (build the workspace)`);
  const engines = [];
  const runners = [];
  try {
    for (const rt of runtimes) {
      const podman = await startPodman(rt.path, { prefix: rt.prefix });
      engines.push(podman);
      runners.push({
        name: `podman run --rm (${rt.name})`,
        argv: () => [...podman.argv, 'run', '--rm', '--network', 'none', PODMAN_IMAGE, '/bin/true'],
        env: podman.env,
      });
      const ctd = await startContainerd(rt.path, { prefix: rt.prefix });
      engines.push(ctd);
      runners.push({
        name: `ctr run --rm (${rt.name})`,
        argv: (i) => [
          ...rt.prefix,
          'ctr',
          '--address',
          ctd.address,
          '--namespace',
          ctd.namespace,
          'run',
          '--rm',
          ...ctd.runFlags(),
          `bench-${rt.name}-${i}`,
          '/bin/true',
        ],
      });
    }
    const results = await interleave(ctx.helper, runners, ctx.rounds, { onRound: ctx.progress('engines') });
    return {
      rounds: ctx.rounds,
      runners: runners.map((r) => toSummary(r.name, results.get(r.name))),
      notes,
    };
  } finally {
    for (const e of engines.reverse())
      await e.cleanup().catch((err) => notes.push(`engine cleanup: ${err.message}`));
  }
}
