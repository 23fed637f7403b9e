// The filesystem calls of a start and a teardown as promises on libuv's thread pool, so the event
// loop never waits for the filesystem: on ext4 each create, unlink, rename, mkdir or rmdir is a
// journal update (0.05–0.5 ms here, far more behind a journal commit), and a start makes a dozen.
// node:fs's callback API, not node:fs/promises or util.promisify: modules a CLI start would
// otherwise load for these few calls.
import * as fs from 'node:fs';

type Callback<T> = (err: NodeJS.ErrnoException | null, value?: T) => void;

let blocking = false;

/**
 * For a process that starts one container and runs nothing else on its event loop (the nsinit
 * command): the start path's file work and clone made synchronously, as before. Each thread-pool
 * hop is a futex wake and two context switches, which such a process pays for nothing (~3 ms of
 * CPU per CLI start here). Never in a server: its event loop would wait for the journal.
 */
export function setBlockingIo(on: boolean): void {
  blocking = on;
}

export function isBlockingIo(): boolean {
  return blocking;
}

function call<T>(sync: () => T, fn: (cb: Callback<T>) => void): Promise<T> {
  if (blocking) {
    try {
      return Promise.resolve(sync());
    } catch (err) {
      return Promise.reject(err);
    }
  }
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

export const open = (path: string, flags: number, mode?: number): Promise<number> =>
  call(
    () => fs.openSync(path, flags, mode),
    (cb) => fs.open(path, flags, mode, cb),
  );
export const close = (fd: number): Promise<void> =>
  call(
    () => fs.closeSync(fd),
    (cb) => fs.close(fd, cb),
  );
export const ftruncate = (fd: number, len: number): Promise<void> =>
  call(
    () => fs.ftruncateSync(fd, len),
    (cb) => fs.ftruncate(fd, len, cb),
  );
export const mkdir = (path: string, options: fs.MakeDirectoryOptions): Promise<void> =>
  call(
    () => {
      fs.mkdirSync(path, options);
    },
    (cb) => fs.mkdir(path, options, (err) => cb(err)),
  );
export const rename = (from: string, to: string): Promise<void> =>
  call(
    () => fs.renameSync(from, to),
    (cb) => fs.rename(from, to, cb),
  );
export const rmdir = (path: string): Promise<void> =>
  call(
    () => fs.rmdirSync(path),
    (cb) => fs.rmdir(path, cb),
  );
export const unlink = (path: string): Promise<void> =>
  call(
    () => fs.unlinkSync(path),
    (cb) => fs.unlink(path, cb),
  );

/** write(2) of the whole string at `position` (the files written here are a few bytes). */
export const write = (fd: number, data: string, position: number | null = null): Promise<number> =>
  call(
    () => fs.writeSync(fd, data, position, 'utf8'),
    (cb) => fs.write(fd, data, position, 'utf8', cb),
  );

/** unlink(2) that treats "already gone" as done. */
export async function unlinkQuiet(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
