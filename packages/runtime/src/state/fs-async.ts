// The filesystem calls of a start and a teardown as promises on libuv's thread pool, so the event
// loop never waits for the filesystem: on ext4 each create, unlink, rename, mkdir or rmdir is a
// journal update (0.05–0.5 ms here), and a start makes a dozen. node:fs's callback API, not
// node:fs/promises (a module the CLI would otherwise load at every start for these few calls).
import * as fs from 'node:fs';
import { promisify } from 'node:util';

export const open = promisify(fs.open);
export const close = promisify(fs.close);
export const ftruncate = promisify(fs.ftruncate);
export const mkdir = promisify(fs.mkdir);
export const rename = promisify(fs.rename);
export const rmdir = promisify(fs.rmdir);
export const unlink = promisify(fs.unlink);

/** write(2) of the whole string at `position` (the files written here are a few bytes). */
export function write(fd: number, data: string, position: number | null = null): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.write(fd, data, position, 'utf8', (err, n) => (err ? reject(err) : resolve(n))),
  );
}

/** unlink(2) that treats "already gone" as done. */
export async function unlinkQuiet(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
