#!/usr/bin/env node
// nsinit benchmarks against runc and crun (see README.md): builds one busybox bundle, the matching
// OCI bundles, and runs the five cases; prints a Markdown report and writes results/latest.{json,md}.
// Usage: node run.mjs [--smoke] [--rounds N] [--only cold,embedded,join,memory,validate,engines,oci,seccomp]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { coldCase } from './cases/cold.mjs';
import { embeddedCase } from './cases/embedded.mjs';
import { enginesCase } from './cases/engines.mjs';
import { joinCase } from './cases/join.mjs';
import { memoryCase } from './cases/memory.mjs';
import { ociCase } from './cases/oci.mjs';
import { seccompCase } from './cases/seccomp.mjs';
import { validateCase } from './cases/validate.mjs';
import { buildFloorHelper, buildHelper } from './lib/harness.mjs';
import {
  crunMountView,
  deleteAll,
  ensureInstalled,
  ociRuntime,
  version,
  writeOciBundle,
} from './lib/oci.mjs';
import { headline, renderMarkdown } from './lib/report.mjs';
import { importWorkspace } from './lib/workspace.mjs';

const { values: opts } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    only: { type: 'string' },
  },
});
const smoke = opts.smoke;
const CASES = ['cold', 'embedded', 'join', 'memory', 'validate', 'engines', 'oci', 'seccomp'];
const only = new Set(opts.only ? opts.only.split(',') : CASES);
const rounds = opts.rounds ? Number(opts.rounds) : smoke ? 1 : 40;
const counts = smoke
  ? { embedded: 2, memory: 3, validate: 100 }
  : { embedded: 100, memory: 500, validate: 20_000 };

const testkit = await importWorkspace('@nsinit/testkit');
const { createBundle, runCommand, nsinitBin, snapshotHost, settledDiff } = testkit;

const notes = [];
const t0 = Date.now();
const log = (s) => process.stderr.write(`${s}\n`);

ensureInstalled(['runc', 'crun', 'podman', 'containerd']);
const hostBefore = snapshotHost();
const tmp = mkdtempSync(join(tmpdir(), 'nsinit-bench-'));
const runc = ociRuntime('runc', join(tmp, 'runc-state'));
const crun = ociRuntime('crun', join(tmp, 'crun-state'));
const bundles = [];
let crunView = { prefix: [], close: async () => {}, note: null };
let exitCode = 0;
const results = {};

/** The nsinit container equivalent to the OCI one: five namespaces, no cgroups, no networks. */
const benchConfig = (c) => {
  c.namespaces = { NEWNS: true, NEWUTS: true, NEWIPC: true, NEWPID: true, NEWNET: true };
  c.hostname = 'bench';
  delete c.cgroups;
  delete c.networks;
  delete c.routes;
  // runc's spec has no syscall filter; the seccomp case measures the default profile on its own.
  delete c.seccomp;
};

try {
  const helper = buildHelper(tmp);
  const bundle = await createBundle({ config: benchConfig });
  const joinBundle = await createBundle({ config: benchConfig });
  bundles.push(bundle, joinBundle);
  const oci = {
    trueBundle: writeOciBundle(join(tmp, 'oci-true'), bundle.dir, ['/bin/true']),
    sleepBundle: writeOciBundle(join(tmp, 'oci-sleep'), bundle.dir, ['/bin/sleep', '1000000']),
  };
  crunView = await crunMountView(tmp);
  if (crunView.note) notes.push(crunView.note);
  notes.push(
    'runc always creates (and removes) a cgroup per container; crun runs with --cgroup-manager=disabled; nsinit has no cgroups in its config',
  );

  const probe = await runCommand(nsinitBin, ['exec', '/bin/true'], {
    cwd: bundle.dir,
    timeout: 30_000,
  }).catch((e) => ({
    exitCode: -1,
    stderr: e.message,
  }));
  const nsinit = {
    bin: nsinitBin,
    ok: probe.exitCode === 0,
    error:
      probe.exitCode === 0
        ? null
        : `nsinit exec /bin/true failed (exit ${probe.exitCode}): ${probe.stderr.trim().slice(0, 300)}`,
  };
  if (!nsinit.ok) {
    log(`bench: ${nsinit.error}`);
    exitCode = 1;
  }

  const ctx = {
    helper,
    floorHelper: buildFloorHelper(tmp),
    tmp,
    bundle,
    joinBundle,
    oci,
    runc,
    crun,
    crunPrefix: crunView.prefix,
    nsinit,
    testkit,
    rounds,
    counts,
    progress: (name) => (round) =>
      process.stderr.write(round === 0 ? `${name}: ` : round === rounds ? '.\n' : '.'),
  };
  const cases = {
    cold: coldCase,
    embedded: embeddedCase,
    join: joinCase,
    memory: memoryCase,
    validate: validateCase,
    engines: enginesCase,
    oci: ociCase,
    seccomp: seccompCase,
  };
  for (const name of CASES) {
    if (!only.has(name)) continue;
    const started = Date.now();
    try {
      results[name] = await cases[name](ctx);
    } catch (err) {
      results[name] = { error: String(err.message ?? err).slice(0, 2000) };
      exitCode = 1;
    }
    log(
      `bench: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s${results[name].error ? ` (error: ${results[name].error.split('\n')[0]})` : ''}`,
    );
    for (const r of results[name].runners ?? []) if (r.errors.length) exitCode = 1;
  }
} finally {
  for (const rt of [runc, crun]) {
    const left = deleteAll(rt);
    if (left.length) notes.push(`deleted leftover ${rt.name} containers: ${left.join(', ')}`);
  }
  await crunView.close();
  for (const b of bundles) await b.cleanup().catch((e) => notes.push(`bundle cleanup: ${e.message}`));
  rmSync(tmp, { recursive: true, force: true });
}

// Everything the run created must be gone: mounts, cgroup directories, links (the testkit's
// checker, with time for asynchronous teardown). The host is shared: a change that names none of
// the run's containers, bundles or temp dirs is someone else's and only noted.
const ours = [tmp, ...bundles.map((b) => b.dir), 'bench-'];
const changed = (await settledDiff(hostBefore, { settleMs: 3000 })).filter(
  (l) => !l.startsWith('fd left open'),
);
// Descendant processes are ours by definition.
const leftovers = changed.filter((l) => /^(child|zombie)/.test(l) || ours.some((o) => l.includes(o)));
if (leftovers.length) {
  notes.push(`LEFTOVERS after the run: ${leftovers.join('; ')}`);
  exitCode = 1;
}
const foreign = changed.filter((l) => !leftovers.includes(l));
if (foreign.length)
  notes.push(`host changes by other activity during the run (not ours): ${foreign.join('; ')}`);

results.meta = {
  mode: smoke ? 'smoke' : 'full',
  date: new Date().toISOString(),
  kernel: release(),
  cpus: cpus().length,
  node: process.version,
  runc: version('runc'),
  crun: version('crun'),
  rounds,
  counts,
  durationS: (Date.now() - t0) / 1000,
  notes,
};
results.headline = headline(results);
const md = renderMarkdown(results);
process.stdout.write(`${md}\n`);
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('latest.json', dir), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(new URL('latest.md', dir), `${md}\n`);
log(`bench: finished in ${results.meta.durationS.toFixed(1)} s; wrote bench/results/latest.{json,md}`);
process.exitCode = exitCode;
