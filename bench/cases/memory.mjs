// Case 4: supervision cost — one Node process keeps N containers (`sleep` as PID 1) running
// through @nsinit/runtime; reports the supervisor's RSS and open fds before and after, per
// container. Containers are then killed (SIGKILL) and reaped.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { importWorkspace } from '../lib/workspace.mjs';
import { runWorker, workerMain } from './worker.mjs';

export async function memoryCase(ctx) {
  return runWorker(new URL(import.meta.url), {
    rootfs: ctx.bundle.dir,
    config: ctx.bundle.config,
    tmp: ctx.tmp,
    count: ctx.counts.memory,
  });
}

const fdCount = () => readdirSync('/proc/self/fd').length;

/** Soft RLIMIT_NOFILE of this process (Node has no getrlimit; /proc/self/limits has it). */
function openFilesLimit() {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

/** A supervised container holds three fds (pidfd, the exit watcher's copy, its lifetime lock):
 *  as many as fit below the limit with room for the runtime's own, and say so when capped. */
function fitting(count) {
  const room = Math.floor((openFilesLimit() - fdCount() - 64) / 3);
  return room < count ? { count: Math.max(1, room), cappedBy: openFilesLimit() } : { count };
}
function settle() {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage();
}

async function worker({ rootfs, config, tmp, count: asked }) {
  const { count, cappedBy } = fitting(asked);
  const { run } = await importWorkspace('@nsinit/runtime');
  const base = join(tmp, 'memory');
  mkdirSync(base, { recursive: true });
  const procs = [];
  try {
    // Warm-up container so the addon, the runtime's modules and their caches are loaded.
    const warmRoot = join(base, 'warm');
    mkdirSync(warmRoot);
    const warm = await run(rootfs, ['/bin/true'], { root: warmRoot, config, stdio: 'ignore' });
    await warm.wait();
    const before = settle();
    const fdsBefore = fdCount();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const root = join(base, `c${i}`);
      mkdirSync(root);
      procs.push(await run(rootfs, ['/bin/sleep', '1000000'], { root, config, stdio: 'ignore' }));
    }
    const startMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 200));
    const after = settle();
    const fdsAfter = fdCount();
    const mib = (b) => b / 1024 / 1024;
    return {
      count,
      ...(cappedBy !== undefined ? { asked, cappedBy } : {}),
      startMs,
      rssBeforeMiB: mib(before.rss),
      rssAfterMiB: mib(after.rss),
      rssPerContainerKiB: (after.rss - before.rss) / 1024 / count,
      heapPerContainerKiB: (after.heapUsed - before.heapUsed) / 1024 / count,
      fdsPerContainer: (fdsAfter - fdsBefore) / count,
    };
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await Promise.allSettled(procs.map((p) => p.wait()));
    rmSync(base, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--worker') await workerMain(worker);
