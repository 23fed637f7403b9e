// The data-directory lock: flock(2) LOCK_EX on a lock file, polled with backoff (flock has no
// timeout, and a blocking flock would stall the event loop). The lock belongs to the open file
// description, so closing our fd releases it, also when the process dies.
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeBindings } from '@nsinit/native';
import { ErrorCodes, nsinitError } from './errors.js';

/** Left in place on purpose: unlinking a flock file lets a waiter lock a dead inode while a
 *  newcomer locks a fresh one, and both would think they own the directory. */
export const LOCK_FILE = '.nsinit.lock';

export interface DataDirLock {
  release(): void;
}

export async function lockDataDir(
  native: Pick<NativeBindings, 'tryLock'>,
  dataDir: string,
  timeoutMs = 30_000,
): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE);
  // Node opens with O_CLOEXEC, so a container never inherits the lock past execve.
  const fd = openSync(path, 'a', 0o600);
  let released = false;
  const lock: DataDirLock = {
    release() {
      if (released) return;
      released = true;
      closeSync(fd);
    },
  };
  try {
    const deadline = Date.now() + timeoutMs;
    let delay = 1;
    while (!native.tryLock(fd)) {
      if (Date.now() >= deadline) {
        throw nsinitError(
          ErrorCodes.LOCK_TIMEOUT,
          `timed out after ${timeoutMs}ms waiting for the lock '${path}'`,
          {
            path,
          },
        );
      }
      // Jitter keeps racers from waking in lock step.
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 25);
    }
  } catch (err) {
    lock.release();
    throw err;
  }
  return lock;
}
