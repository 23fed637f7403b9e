// Case 2: the embedded API — one warm Node process starting /bin/true containers through
// @nsinit/runtime's run(): N one after another, then N with 4 in flight. Per-container latency is
// from the run() call until wait() settles (exec, exit, reap, teardown). While they run, the
// event loop's delay (perf_hooks.monitorEventLoopDelay) and the main thread's CPU time per
// container are recorded: what a server embedding nsinit feels. Beside it, the same process
// driving `runc run` and `crun run` through child_process with 4 in flight (what embedding an
// OCI CLI costs), and the kernel's floor. Then N joins of /bin/true into a live container through
// exec() (what runc exec does, without a CLI start).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { summarize } from '../lib/stats.mjs';
import { importWorkspace } from '../lib/workspace.mjs';
import { runWorker, workerMain } from './worker.mjs';

export async function embeddedCase(ctx) {
  const oci = (rt, prefix) => ({
    name: rt.name,
    // `run` with a placeholder id, replaced per container in the worker.
    argv: [...prefix, ...rt.run(ctx.oci.trueBundle, '@ID@')],
  });
  return runWorker(new URL(import.meta.url), {
    rootfs: ctx.bundle.dir,
    config: ctx.bundle.config,
    tmp: ctx.tmp,
    count: ctx.counts.embedded,
    parallel: 4,
    floor: ctx.floorHelper ?? null,
    oci: [oci(ctx.runc, []), oci(ctx.crun, ctx.crunPrefix)],
  });
}

/** The loop delay histogram Node keeps records the interval between its 1 ms samples, so an idle
 *  loop reads ~1 ms: the delay is what lies beyond that resolution. */
const RESOLUTION_MS = 1;

function loopMonitor() {
  const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  h.enable();
  return () => {
    h.disable();
    const ms = (ns) => ns / 1e6;
    return {
      resolutionMs: RESOLUTION_MS,
      p50Ms: Math.max(0, ms(h.percentile(50)) - RESOLUTION_MS),
      p99Ms: Math.max(0, ms(h.percentile(99)) - RESOLUTION_MS),
      maxMs: Math.max(0, ms(h.max) - RESOLUTION_MS),
      rawP99Ms: ms(h.percentile(99)),
    };
  };
}

/** CPU time (user + system, ms) of this process's main thread: its task's tid is the pid. */
function mainThreadCpuMs() {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ = 100 on Linux
}

/** `count` runs of `one(slot)` with `parallel` slots in flight: latency samples, rate, loop delay. */
async function measure(count, parallel, one) {
  const latencies = [];
  let next = 0;
  const stop = loopMonitor();
  const cpu0 = mainThreadCpuMs();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async (_, slot) => {
      while (next < count) {
        next++;
        const t = performance.now();
        await one(slot);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const totalMs = performance.now() - t0;
  return {
    latencyMs: summarize(latencies),
    totalMs,
    perSecond: (count / totalMs) * 1000,
    loopDelay: stop(),
    mainThreadCpuMsPerContainer: (mainThreadCpuMs() - cpu0) / count,
  };
}

function execFileP(argv) {
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { encoding: 'utf8' }, (err, stdout) =>
      err ? reject(new Error(`${argv.join(' ')}: ${err.message.split('\n')[0]}`)) : resolve(stdout),
    );
  });
}

async function worker({ rootfs, config, tmp, count, parallel, floor, oci }) {
  const { exec, run } = await importWorkspace('@nsinit/runtime');
  const dirs = Array.from({ length: parallel }, () => mkdtempSync(join(tmp, 'embedded-')));
  const one = async (root) => {
    const p = await run(rootfs, ['/bin/true'], { root, config, stdio: 'ignore' });
    const r = await p.wait();
    if (r.exitCode !== 0) throw new Error(`container exited with ${r.exitCode ?? r.signal}`);
  };
  try {
    for (let i = 0; i < 3; i++) await one(dirs[0]); // warm-up: JIT, addon load, page cache
    const sequential = await measure(count, 1, () => one(dirs[0]));
    const concurrent = await measure(count, parallel, (slot) => one(dirs[slot]));

    // The same embedding with an OCI CLI per container (fewer: each costs a process start).
    const others = {};
    const ociCount = Math.max(2, Math.min(count, 40));
    for (const rt of oci) {
      let serial = 0;
      const once = () =>
        execFileP(rt.argv.map((a) => (a === '@ID@' ? `bench-emb-${process.pid}-${serial++}` : a)));
      try {
        await once();
        others[rt.name] = { count: ociCount, ...(await measure(ociCount, parallel, once)) };
      } catch (err) {
        others[rt.name] = { error: String(err.message ?? err).slice(0, 300) };
      }
    }

    // The kernel's floor: clone3 with the same five namespaces and execve(/bin/true) from a small
    // C process, nothing else (no rootfs, no mounts, no state).
    const floors = {};
    if (floor) {
      for (const p of [1, parallel]) {
        const out = JSON.parse(await execFileP([floor, String(Math.max(count, 50)), String(p)]));
        floors[p] = out;
      }
    }

    const target = await run(rootfs, ['/bin/sleep', '1000000'], { root: dirs[0], config, stdio: 'ignore' });
    let join = null;
    try {
      const joinOnce = async () => {
        const p = await exec(rootfs, ['/bin/true'], { root: dirs[0], config, stdio: 'ignore' });
        if (!p.joined) throw new Error('exec() started a container instead of joining the live one');
        const r = await p.wait();
        if (r.exitCode !== 0) throw new Error(`joined process exited with ${r.exitCode ?? r.signal}`);
      };
      for (let i = 0; i < 3; i++) await joinOnce();
      join = await measure(count, 1, joinOnce);
    } finally {
      target.kill('SIGKILL');
      await target.wait();
    }
    return { count, parallel, sequential, concurrent, join, others, floors };
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--worker') await workerMain(worker);
