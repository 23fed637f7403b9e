// Case 2: the embedded API — one warm Node process starting /bin/true containers through
// @nsinit/runtime's run(): N one after another, then N with 4 in flight. Per-container latency is
// from the run() call until wait() settles (exec, exit, reap, teardown). Then N joins of /bin/true
// into a live container through exec() (what runc exec does, without a CLI start).
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { summarize } from '../lib/stats.mjs';
import { importWorkspace } from '../lib/workspace.mjs';
import { runWorker, workerMain } from './worker.mjs';

export async function embeddedCase(ctx) {
  return runWorker(new URL(import.meta.url), {
    rootfs: ctx.bundle.dir,
    config: ctx.bundle.config,
    tmp: ctx.tmp,
    count: ctx.counts.embedded,
    parallel: 4,
  });
}

async function worker({ rootfs, config, tmp, count, parallel }) {
  const { exec, run } = await importWorkspace('@nsinit/runtime');
  const dirs = Array.from({ length: parallel }, () => mkdtempSync(join(tmp, 'embedded-')));
  const one = async (root) => {
    const t0 = performance.now();
    const p = await run(rootfs, ['/bin/true'], { root, config, stdio: 'ignore' });
    const r = await p.wait();
    if (r.exitCode !== 0) throw new Error(`container exited with ${r.exitCode ?? r.signal}`);
    return performance.now() - t0;
  };
  try {
    for (let i = 0; i < 3; i++) await one(dirs[0]); // warm-up: JIT, addon load, page cache
    const seq = [];
    const t0 = performance.now();
    for (let i = 0; i < count; i++) seq.push(await one(dirs[0]));
    const seqTotal = performance.now() - t0;

    const conc = [];
    let next = 0;
    const t1 = performance.now();
    await Promise.all(
      dirs.map(async (dir) => {
        while (next < count) {
          next++;
          conc.push(await one(dir));
        }
      }),
    );
    const concTotal = performance.now() - t1;

    const target = await run(rootfs, ['/bin/sleep', '1000000'], { root: dirs[0], config, stdio: 'ignore' });
    const joins = [];
    let joinTotal = 0;
    try {
      const join = async () => {
        const t = performance.now();
        const p = await exec(rootfs, ['/bin/true'], { root: dirs[0], config, stdio: 'ignore' });
        if (!p.joined) throw new Error('exec() started a container instead of joining the live one');
        const r = await p.wait();
        if (r.exitCode !== 0) throw new Error(`joined process exited with ${r.exitCode ?? r.signal}`);
        return performance.now() - t;
      };
      for (let i = 0; i < 3; i++) await join();
      const t2 = performance.now();
      for (let i = 0; i < count; i++) joins.push(await join());
      joinTotal = performance.now() - t2;
    } finally {
      target.kill('SIGKILL');
      await target.wait();
    }
    return {
      count,
      parallel,
      sequential: { latencyMs: summarize(seq), totalMs: seqTotal, perSecond: (count / seqTotal) * 1000 },
      concurrent: { latencyMs: summarize(conc), totalMs: concTotal, perSecond: (count / concTotal) * 1000 },
      join: { latencyMs: summarize(joins), totalMs: joinTotal, perSecond: (count / joinTotal) * 1000 },
    };
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--worker') await workerMain(worker);
