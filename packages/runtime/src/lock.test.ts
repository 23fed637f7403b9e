import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockDataDir } from './lock.js';

describe('lockDataDir', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nsinit-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('polls until the holder lets go', async () => {
    let attempts = 0;
    const native = { tryLock: () => ++attempts >= 4 };
    const lock = await lockDataDir(native, dir);
    expect(attempts).toBe(4);
    lock.release();
    lock.release(); // idempotent
  });

  it('gives up with ERR_NSINIT_LOCK_TIMEOUT naming the lock file', async () => {
    const native = { tryLock: () => false };
    await expect(lockDataDir(native, dir, 30)).rejects.toMatchObject({
      code: 'ERR_NSINIT_LOCK_TIMEOUT',
      path: join(dir, '.nsinit.lock'),
    });
  });
});
