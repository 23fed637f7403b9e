// Case 1: a cold CLI start of a container running /bin/true — `nsinit exec` vs `runc run` vs
// `crun run` (nsinit also without its validated-config cache), with floors: a bare exec of /bin/true, unshare(1)+chroot(8) into the same rootfs
// with the same five namespaces, `node -e 0` (what any Node CLI pays first), and the nsenter(1)
// wrapper crun may need here. Interleaved: every round runs each once. Where NODE_EXTRA_CA_CERTS
// is set (this machine sets it globally), Node parses that CA bundle before any JavaScript; bin/nsinit
// drops the variable, so two more rows show what it costs: `node -e 0` without it, and nsinit's
// bundle started as `node bin/nsinit` (past the sh line), which pays it.
import { interleave } from '../lib/harness.mjs';
import { summarize } from '../lib/stats.mjs';

export function toSummary(name, res, extra = {}) {
  const s = res.samples;
  return {
    name,
    ...extra,
    wallMs: summarize(s.map((m) => m.wallMs)),
    cpuMs: summarize(s.map((m) => m.cpuMs)),
    rssMiB: summarize(s.map((m) => m.maxRssKiB / 1024)),
    errors: res.errors,
  };
}

export async function coldCase(ctx) {
  const { bundle, oci, runc, crun, crunPrefix, nsinit } = ctx;
  const runners = [];
  if (nsinit.ok) {
    runners.push({ name: 'nsinit', argv: () => [nsinit.bin, 'exec', '/bin/true'], cwd: bundle.dir });
    // The first start with a new or edited container.json: the CLI validates it (loading the
    // typebox validator) instead of answering from its validated-config cache.
    runners.push({
      name: 'nsinit, config not cached',
      argv: () => [nsinit.bin, 'exec', '/bin/true'],
      cwd: bundle.dir,
      env: { ...process.env, NSINIT_CONFIG_CACHE: 'off' },
    });
  }
  runners.push({ name: 'runc', argv: (i) => runc.run(oci.trueBundle, `bench-cold-${process.pid}-${i}`) });
  runners.push({
    name: 'crun',
    argv: (i) => [...crunPrefix, ...crun.run(oci.trueBundle, `bench-cold-${process.pid}-${i}`)],
  });
  runners.push({ name: 'floor: exec /bin/true', argv: () => ['/bin/true'] });
  runners.push({
    name: 'floor: unshare+chroot',
    argv: () => [
      'unshare',
      '--mount',
      '--uts',
      '--ipc',
      '--net',
      '--pid',
      '--fork',
      'chroot',
      bundle.dir,
      '/bin/true',
    ],
  });
  runners.push({ name: 'floor: node -e 0', argv: () => [process.execPath, '-e', '0'] });
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const { NODE_EXTRA_CA_CERTS: _ca, ...withoutCa } = process.env;
    runners.push({
      name: 'floor: node -e 0 without NODE_EXTRA_CA_CERTS',
      argv: () => [process.execPath, '-e', '0'],
      env: withoutCa,
    });
    if (nsinit.ok)
      runners.push({
        name: 'nsinit as `node bin/nsinit` (parses the CA bundle)',
        argv: () => [process.execPath, nsinit.bin, 'exec', '/bin/true'],
        cwd: bundle.dir,
      });
  }
  if (crunPrefix.length > 0)
    runners.push({ name: 'floor: nsenter --mount', argv: () => [...crunPrefix, '/bin/true'] });
  const results = await interleave(ctx.helper, runners, ctx.rounds, { onRound: ctx.progress('cold') });
  return {
    rounds: ctx.rounds,
    runners: runners.map((r) => toSummary(r.name, results.get(r.name))),
    nsinitError: nsinit.ok ? null : nsinit.error,
  };
}
