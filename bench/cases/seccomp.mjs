// Case 8: what the default seccomp profile (`nsinit spec`'s, Docker's semantics) costs at start-up.
// In process: compiling it with libseccomp through the addon, per call (cold, then warm). From the
// command line: a container running /bin/true with and without the profile, for nsinit exec,
// nsinit-oci run, runc run and crun run on the same rootfs and the same profile. Interleaved.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { interleave } from '../lib/harness.mjs';
import { deleteAll, writeOciBundle } from '../lib/oci.mjs';
import { summarize } from '../lib/stats.mjs';
import { importWorkspace, repoRoot } from '../lib/workspace.mjs';
import { toSummary } from './cold.mjs';
import { runWorker, workerMain } from './worker.mjs';

const NSINIT_OCI = `${repoRoot}packages/cli/bin/nsinit-oci`;

/** The bundle's config.json with the default profile as linux.seccomp. */
function withProfile(dir, profile) {
  const file = join(dir, 'config.json');
  const spec = JSON.parse(readFileSync(file, 'utf8'));
  spec.linux.seccomp = profile;
  writeFileSync(file, JSON.stringify(spec, null, 2));
  return dir;
}

export async function seccompCase(ctx) {
  const { bundle, oci, runc, crun, crunPrefix, nsinit, tmp } = ctx;
  const compile = await runWorker(new URL(import.meta.url), { calls: ctx.counts.validate >= 1000 ? 200 : 5 });
  const { defaultSeccompProfile } = await importWorkspace('@nsinit/config');
  const profile = defaultSeccompProfile();
  const filtered = await ctx.testkit.createBundle({
    config: (c) => {
      c.namespaces = { NEWNS: true, NEWUTS: true, NEWIPC: true, NEWPID: true, NEWNET: true };
      c.hostname = 'bench';
      delete c.cgroups;
      delete c.networks;
      delete c.routes;
      c.seccomp = profile;
    },
  });
  const ociFiltered = withProfile(
    writeOciBundle(join(tmp, 'oci-true-seccomp'), bundle.dir, ['/bin/true']),
    profile,
  );
  const runners = [];
  if (nsinit.ok) {
    runners.push({
      name: 'nsinit exec, no profile',
      argv: () => [nsinit.bin, 'exec', '/bin/true'],
      cwd: bundle.dir,
    });
    runners.push({
      name: 'nsinit exec, default profile',
      argv: () => [nsinit.bin, 'exec', '/bin/true'],
      cwd: filtered.dir,
    });
  }
  const ociRoot = join(tmp, 'nsinit-oci-seccomp-state');
  const ociRun = (b, id) => [NSINIT_OCI, '--root', ociRoot, 'run', '--bundle', b, id];
  const id = (kind, i) => `bench-seccomp-${kind}-${process.pid}-${i}`;
  runners.push({ name: 'nsinit-oci run, no profile', argv: (i) => ociRun(oci.trueBundle, id('oci', i)) });
  runners.push({ name: 'nsinit-oci run, default profile', argv: (i) => ociRun(ociFiltered, id('ocis', i)) });
  runners.push({ name: 'runc run, no profile', argv: (i) => runc.run(oci.trueBundle, id('runc', i)) });
  runners.push({ name: 'runc run, default profile', argv: (i) => runc.run(ociFiltered, id('runcs', i)) });
  runners.push({
    name: 'crun run, no profile',
    argv: (i) => [...crunPrefix, ...crun.run(oci.trueBundle, id('crun', i))],
  });
  runners.push({
    name: 'crun run, default profile',
    argv: (i) => [...crunPrefix, ...crun.run(ociFiltered, id('cruns', i))],
  });
  try {
    const results = await interleave(ctx.helper, runners, ctx.rounds, { onRound: ctx.progress('seccomp') });
    return {
      rounds: ctx.rounds,
      compile,
      runners: runners.map((r) => toSummary(r.name, results.get(r.name))),
    };
  } finally {
    for (const rt of [runc, crun]) deleteAll(rt);
    await filtered.cleanup?.();
  }
}

async function worker({ calls }) {
  const { defaultSeccompProfile } = await importWorkspace('@nsinit/config');
  const { compileSeccompFilter, native } = await importWorkspace('@nsinit/runtime');
  const profile = defaultSeccompProfile();
  const t0 = performance.now();
  const first = compileSeccompFilter(profile, native.compileSeccomp);
  const coldMs = performance.now() - t0;
  const batches = [];
  const per = Math.max(1, Math.floor(calls / 5));
  for (let b = 0; b < 5; b++) {
    const t = performance.now();
    for (let i = 0; i < per; i++) compileSeccompFilter(profile, native.compileSeccomp, { cache: false });
    batches.push((performance.now() - t) / per);
  }
  const t1 = performance.now();
  compileSeccompFilter(profile, native.compileSeccomp);
  const cachedMs = performance.now() - t1;
  return {
    calls: per * 5,
    instructions: first.program.length / 8,
    coldMs,
    perCallMs: summarize(batches),
    cachedMs,
  };
}

if (process.argv[2] === '--worker') await workerMain(worker);
