// Why the runtime starts containers only from the main thread: a child's parent-death signal
// follows the THREAD that cloned it (prctl(2) PR_SET_PDEATHSIG), so a child spawned by a
// worker_thread is SIGKILLed when that worker ends although the process lives on.
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { native } from '../lib/index.js';
import { C, isRoot } from './helpers/plan.js';

const fixture = fileURLToPath(new URL('./fixtures/spawn-in-worker.mjs', import.meta.url));

describe('isMainThread', () => {
  it('is true here and false in a worker, whose exit kills the child it spawned', async (ctx) => {
    if (!isRoot) ctx.skip('needs root');
    expect(native.isMainThread()).toBe(true);
    const worker = new Worker(fixture);
    const ended = new Promise((r) => worker.once('exit', r));
    const msg = await new Promise<{ pid: number; pidfd: number; main: boolean }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await ended;
    try {
      expect(msg.main).toBe(false);
      const timeout = new Promise((r) => setTimeout(r, 5000, 'still running'));
      expect(await Promise.race([native.waitExit(msg.pidfd), timeout])).toEqual({
        exitCode: null,
        signal: 'SIGKILL',
      });
    } finally {
      native.pidfdSignal(msg.pidfd, C.SIGKILL);
      native.close(msg.pidfd);
    }
  });
});
