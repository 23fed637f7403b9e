// Containers are started from the main thread only: a container's supervision (exit watch,
// teardown) lives in the event loop of the thread that started it, and a worker_thread may end
// while the process lives on. The runtime refuses with ERR_NSINIT_WORKER_THREAD instead, before
// taking anything, and the same data directory then starts normally from the main thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ContainerConfig } from '@nsinit/config';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { open } from '../src/index.js';
import { plain } from './api-helpers.js';

useLeakCheck();

const fixture = fileURLToPath(new URL('./fixtures/start-in-worker.mjs', import.meta.url));

/** The worker's message, once the worker has fully exited (its event loop's fds closed, so the
 *  leak check never sees a worker still tearing down). */
function inWorker(dir: string): Promise<{ code?: string; message?: string; started?: number }> {
  const worker = new Worker(fixture, { workerData: { dir } });
  let message: { code?: string; message?: string; started?: number } | undefined;
  worker.once('message', (m) => {
    message = m;
  });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) =>
      message ? resolve(message) : reject(new Error(`worker exited (${code}) without a message`)),
    );
  });
}

describe('a worker_thread', () => {
  it('cannot start a container; the main thread then can', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const r = await inWorker(bundle.dir);
    expect(r).toEqual({
      code: 'ERR_NSINIT_WORKER_THREAD',
      message: expect.stringMatching(/^containers can only be started or joined from the main thread/),
    });
    expect(existsSync(bundle.path('pid'))).toBe(false);
    const proc = await (await open(bundle.dir)).run(['true'], { stdio: 'ignore' });
    expect(await proc.wait()).toMatchObject({ exitCode: 0 });
  });
});
