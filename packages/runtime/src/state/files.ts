// The file primitives every piece of runtime state uses (the trusted state here, the OCI front
// end's under --root): bounded reads of anything a container or user can plant (re-exported from
// @nsinit/config/read-file) and atomic replacement by rename(2).
import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { FileReadError, readBounded } from '@nsinit/config/read-file';
import * as afs from './fs-async.js';

export { CONFIG_LIMIT, FileReadError, readBounded, readFdBounded } from '@nsinit/config/read-file';

/** pid and start are a few digits: anything longer was planted. */
export const TINY_LIMIT = 32;

let tmpSerial = 0;

/**
 * Replace `path` with `data` atomically: a reader sees the old file or the whole new one. The
 * temporary sits beside it (rename(2) needs one filesystem), named uniquely per process and call;
 * O_EXCL refuses a leftover of that name and O_NOFOLLOW a planted symlink.
 */
export function writeAtomic(path: string, data: string, mode = 0o600): void {
  const tmp = `${path}.${process.pid}.${++tmpSerial}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    const fd = openSync(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      mode,
    );
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw err;
  }
}

/** writeAtomic on the thread pool (the start path: the event loop never waits for the journal). */
export async function writeAtomicAsync(path: string, data: string, mode = 0o600): Promise<void> {
  const tmp = `${path}.${process.pid}.${++tmpSerial}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    const fd = await afs.open(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      mode,
    );
    try {
      await afs.write(fd, data);
    } finally {
      closeSync(fd); // never unlinked: closing frees nothing
    }
    await afs.rename(tmp, path);
  } catch (err) {
    await afs.unlinkQuiet(tmp).catch(() => {}); // never created, or already renamed
    throw err;
  }
}

/**
 * Overwrite the existing regular file `path` in place (same inode). Used for the 2014 `pid` and
 * `start` files, which a container sees masked at their inode: replacing them by rename would
 * detach the mask in the container's mount namespace (a rename over another namespace's mount
 * point unmounts it there). Never follows a final symlink, never blocks on a FIFO.
 */
export function writeInPlace(path: string, data: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) {
      throw new FileReadError(`${path}: not a regular file`, { code: 'ERR_NSINIT_UNSAFE_PATH', path });
    }
    // 2014 wrote these with ioutil.WriteFile (truncate, then write): readers already cope.
    ftruncateSync(fd, 0);
    writeSync(fd, data, 0);
  } finally {
    closeSync(fd);
  }
}

/** writeInPlace with its journal updates on the thread pool. */
export async function writeInPlaceAsync(path: string, data: string): Promise<void> {
  // Opening an existing file and closing it change nothing on disk; the truncate and the write
  // do (the inode's size and times: a journal update), so only they go to the thread pool.
  const fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) {
      throw new FileReadError(`${path}: not a regular file`, { code: 'ERR_NSINIT_UNSAFE_PATH', path });
    }
    await afs.ftruncate(fd, 0);
    await afs.write(fd, data, 0);
  } finally {
    closeSync(fd);
  }
}

/** A small file of the trusted state, or null when absent (bounded like any other read). */
export function readOptional(path: string, limit: number): string | null {
  return readBounded(path, limit, { optional: true });
}

/** unlink(2) that treats "already gone" as done. */
export function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
