// Case 5: validateConfig on the 2014-like default config (what `nsinit spec` prints), per call:
// the first (cold) call in a fresh process, then warm batches.
import { summarize } from '../lib/stats.mjs';
import { importWorkspace } from '../lib/workspace.mjs';
import { runWorker, workerMain } from './worker.mjs';

export async function validateCase(ctx) {
  return runWorker(new URL(import.meta.url), { calls: ctx.counts.validate });
}

async function worker({ calls }) {
  const { defaultConfig, validateConfig } = await importWorkspace('@nsinit/config');
  const input = JSON.parse(JSON.stringify(defaultConfig()));
  const t0 = performance.now();
  const first = validateConfig(input);
  const coldUs = (performance.now() - t0) * 1000;
  if (!first.ok) throw new Error(`the default config does not validate: ${JSON.stringify(first.errors)}`);
  const batches = [];
  const per = Math.max(1, Math.floor(calls / 5));
  for (let b = 0; b < 5; b++) {
    const t = performance.now();
    for (let i = 0; i < per; i++) validateConfig(input);
    batches.push(((performance.now() - t) * 1000) / per);
  }
  return { calls: per * 5, coldUs, perCallUs: summarize(batches) };
}

if (process.argv[2] === '--worker') await workerMain(worker);
