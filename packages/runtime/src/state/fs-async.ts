// The filesystem calls of a start and a teardown as promises on libuv's thread pool, so the event
// loop never waits for the filesystem: on ext4 each create, unlink, rename, mkdir or rmdir is a
// journal update (0.05–0.5 ms here, far more behind a journal commit), and a start makes a dozen.
// node:fs's callback API, not node:fs/promises or util.promisify: modules a CLI start would
// otherwise load for these few calls.
import * as fs from 'node:fs';

type Callback<T> = (err: NodeJS.ErrnoException | null, value?: T) => void;

function call<T>(fn: (cb: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

export const open = (path: string, flags: number, mode?: number): Promise<number> =>
  call((cb) => fs.open(path, flags, mode, cb));
export const close = (fd: number): Promise<void> => call((cb) => fs.close(fd, cb));
export const ftruncate = (fd: number, len: number): Promise<void> => call((cb) => fs.ftruncate(fd, len, cb));
export const mkdir = (path: string, options: fs.MakeDirectoryOptions): Promise<void> =>
  call((cb) => fs.mkdir(path, options, (err) => cb(err)));
export const rename = (from: string, to: string): Promise<void> => call((cb) => fs.rename(from, to, cb));
export const rmdir = (path: string): Promise<void> => call((cb) => fs.rmdir(path, cb));
export const unlink = (path: string): Promise<void> => call((cb) => fs.unlink(path, cb));

/** write(2) of the whole string at `position` (the files written here are a few bytes). */
export const write = (fd: number, data: string, position: number | null = null): Promise<number> =>
  call((cb) => fs.write(fd, data, position, 'utf8', cb));

/** unlink(2) that treats "already gone" as done. */
export async function unlinkQuiet(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
