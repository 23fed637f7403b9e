// Case 7: the OCI command line itself, nsinit-oci beside runc and crun on the same bundle: `run`
// of /bin/true (create, start, wait, delete in one command) and the split lifecycle engines drive,
// create → state → start → state → delete (engines ask for the state between the steps), measured
// as one `sh -c` of the five commands (the same shell cost for every runtime). nsinit-oci runs
// through its launcher as engines run it: Node for create, the native verbs program for the rest.
// Each runtime has its own state root; ids are unique per round.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { interleave } from '../lib/harness.mjs';
import { deleteAll, ociRuntime } from '../lib/oci.mjs';
import { repoRoot } from '../lib/workspace.mjs';
import { toSummary } from './cold.mjs';

const NSINIT_OCI = `${repoRoot}packages/cli/bin/nsinit-oci`;

function shellQuote(argv) {
  return argv.map((a) => `'${String(a).replaceAll("'", "'\\''")}'`).join(' ');
}

export async function ociCase(ctx) {
  const { oci, crunPrefix, tmp } = ctx;
  const notes = [];
  const runtimes = [];
  if (existsSync(NSINIT_OCI)) {
    const root = join(tmp, 'nsinit-oci-state');
    mkdirSync(root, { recursive: true });
    const rt = ociRuntime('nsinit-oci', root);
    // ociRuntime uses the name as the command: point it at the workspace's executable.
    const local = Object.fromEntries(
      Object.entries(rt).map(([k, v]) => [
        k,
        typeof v === 'function' ? (...a) => [NSINIT_OCI, ...v(...a).slice(1)] : v,
      ]),
    );
    runtimes.push({ ...local, name: 'nsinit-oci', global: ['--root', root], cmd: [NSINIT_OCI], prefix: [] });
  } else {
    notes.push(`nsinit-oci not measured: ${NSINIT_OCI} does not exist (build the workspace)`);
  }
  runtimes.push({ ...ctx.runc, global: ['--root', join(tmp, 'runc-state')], cmd: ['runc'], prefix: [] });
  runtimes.push({
    ...ctx.crun,
    global: ['--root', join(tmp, 'crun-state'), '--cgroup-manager=disabled'],
    cmd: ['crun'],
    prefix: crunPrefix,
  });
  const runners = [];
  for (const rt of runtimes) {
    const id = (kind, i) => `bench-oci-${kind}-${process.pid}-${i}`;
    runners.push({
      name: `run /bin/true (${rt.name})`,
      argv: (i) => [...rt.prefix, ...rt.run(oci.trueBundle, id('run', i))],
    });
    runners.push({
      name: `create → state → start → state → delete (${rt.name})`,
      argv: (i) => {
        const base = [...rt.prefix, ...rt.cmd, ...rt.global];
        const cid = id('split', i);
        return [
          'sh',
          '-c',
          [
            shellQuote([...base, 'create', '--bundle', oci.trueBundle, cid]),
            `${shellQuote([...base, 'state', cid])} >/dev/null`,
            shellQuote([...base, 'start', cid]),
            `${shellQuote([...base, 'state', cid])} >/dev/null`,
            shellQuote([...base, 'delete', '--force', cid]),
          ].join(' && '),
        ];
      },
    });
  }
  try {
    const results = await interleave(ctx.helper, runners, ctx.rounds, { onRound: ctx.progress('oci') });
    return { rounds: ctx.rounds, runners: runners.map((r) => toSummary(r.name, results.get(r.name))), notes };
  } finally {
    for (const rt of runtimes) {
      const left = deleteAll(rt);
      if (left.length) notes.push(`deleted leftover ${rt.name} containers: ${left.join(', ')}`);
    }
  }
}
