import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockFile, tryLockFile } from './lock.js';

describe('lockFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nsinit-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('polls until the holder lets go', async () => {
    let attempts = 0;
    const native = { tryLock: () => ++attempts >= 4 };
    const lock = await lockFile(native, join(dir, 'lock'));
    expect(attempts).toBe(4);
    lock.release();
    lock.release(); // idempotent
  });

  it('gives up with ERR_NSINIT_LOCK_TIMEOUT naming the lock file', async () => {
    const native = { tryLock: () => false };
    await expect(lockFile(native, join(dir, 'lock'), 30)).rejects.toMatchObject({
      code: 'ERR_NSINIT_LOCK_TIMEOUT',
      path: join(dir, 'lock'),
    });
  });

  it('retries when the file it locked was unlinked by the previous holder', async () => {
    let calls = 0;
    const path = join(dir, 'lock');
    // The first lock "succeeds" on a file its holder then removes: the waiter must lock anew.
    const native = {
      tryLock: () => {
        calls++;
        if (calls === 1) unlinkSync(path);
        return true;
      },
    };
    const lock = await lockFile(native, path);
    expect(calls).toBe(2);
    expect(existsSync(path)).toBe(true);
    lock.release();
  });

  it('tryLockFile: a missing file is free, a held one is not', () => {
    expect(tryLockFile({ tryLock: () => false }, join(dir, 'missing'))).not.toBeNull();
    const path = join(dir, 'held');
    rmSync(path, { force: true });
    writeFileSync(path, '');
    expect(tryLockFile({ tryLock: () => false }, path)).toBeNull();
  });
});
