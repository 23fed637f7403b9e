// flock(2) locks on files of the trusted state: LOCK_EX polled with backoff (flock has no timeout,
// and a blocking flock would stall the event loop). The lock belongs to the open file
// description, so closing our fd releases it, also when the process dies: that is what makes a
// held lock proof that its holder is alive.
import { closeSync, constants, fstatSync, openSync, statSync } from 'node:fs';
import type { NativeBindings } from '@nsinit/native';
import { ErrorCodes, nsinitError } from './errors.js';
import * as afs from './state/fs-async.js';

export interface FileLock {
  readonly fd: number;
  release(): void;
  /** release() with the close on the thread pool: closing the last fd of a lock file that was
   *  just unlinked frees its inode, a journal update the event loop should not wait for. The
   *  lock is dropped when the promise settles. */
  releaseAsync(): Promise<void>;
}

function openLockFile(path: string): number | Promise<number> {
  // Node always opens with O_CLOEXEC: a container never inherits a lock past execve.
  // O_NOFOLLOW: never a planted link. An existing file is opened here; creating one is a
  // journal update, left to the thread pool.
  try {
    return openSync(path, constants.O_RDWR | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return afs.open(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
}

/** After locking, the name must still lead to the locked inode: whoever removes a lock file does
 *  so while holding it, so a waiter that locked the removed inode retries on the new one. */
function stillLinked(fd: number, path: string): boolean {
  try {
    const a = fstatSync(fd);
    const b = statSync(path);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

function handle(fd: number): FileLock {
  let released = false;
  return {
    fd,
    release() {
      if (released) return;
      released = true;
      if (fd >= 0) closeSync(fd);
    },
    async releaseAsync() {
      if (released) return;
      released = true;
      if (fd >= 0) await afs.close(fd);
    },
  };
}

/** Take the lock on `path` (created 0600 if missing), waiting up to `timeoutMs`. */
export async function lockFile(
  native: Pick<NativeBindings, 'tryLock'>,
  path: string,
  timeoutMs = 30_000,
): Promise<FileLock> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    const fd = await openLockFile(path);
    let locked = false;
    try {
      locked = native.tryLock(fd);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    if (locked && stillLinked(fd, path)) return handle(fd);
    closeSync(fd);
    if (locked) continue; // removed under us: lock the new file
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
}

/** Take the lock only if nobody holds it; null when held. A missing file counts as free. */
export function tryLockFile(native: Pick<NativeBindings, 'tryLock'>, path: string): FileLock | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return handle(-1);
    throw err;
  }
  if (native.tryLock(fd)) return handle(fd);
  closeSync(fd);
  return null;
}
