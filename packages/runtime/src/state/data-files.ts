// The 2014 files in the data directory: `pid` (decimal host pid of PID 1, no newline) and `start`
// (field 22 of /proc/<pid>/stat). Written exactly as 2014 did, for the tools that read them; never
// read back as truth (the trusted state is). A start replaces whatever is there with empty
// regular files before clone, so the plan can mask them, then fills them in place after exec.
import { closeSync, constants, lstatSync, realpathSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { ErrorCodes, nsinitError } from '../errors.js';
import { readBounded, TINY_LIMIT, writeInPlaceAsync } from './files.js';
import * as afs from './fs-async.js';

export const PID_FILE = 'pid';
export const START_FILE = 'start';
export const CONFIG_FILE = 'container.json';

export interface ContainerState {
  pid: number;
  /** Start time in clock ticks since boot, as written in the `start` file. */
  start: string;
}

/** `via` is the `/proc/self/fd/<fd>` the operation went through (see TrustedState.inDataDir);
 *  messages name the data directory as the user knows it. */
function fileError(name: string, path: string, err: unknown, via?: [string, string]) {
  const e = err as NodeJS.ErrnoException;
  const message = via ? e.message.replaceAll(via[0], via[1]) : e.message;
  return nsinitError(ErrorCodes.START_FAILED, `cannot write the ${name} file '${path}': ${message}`, {
    path,
    ...(e.errno === undefined ? {} : { errno: e.errno }),
    ...(e.syscall === undefined ? {} : { syscall: e.syscall }),
    cause: err,
  });
}

/** Whether anything (a symlink too) is at `path`. */
function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Replace `pid` and `start` (whatever a container planted: a symlink, a FIFO) with empty regular
 *  files. unlink(2) removes a symlink itself, never its target. On the thread pool, like the rest
 *  of a start's file work. */
export async function prepareDataFiles(dataDir: string, via = dataDir): Promise<void> {
  // Both at once (two thread-pool jobs in flight, not one after the other): they are independent.
  const results = await Promise.allSettled(
    [PID_FILE, START_FILE].map(async (name) => {
      const path = join(via, name);
      // Usually absent (a teardown removed it): looked up here, unlinked only when present.
      if (present(path)) await afs.unlinkQuiet(path);
      closeSync(
        await afs.open(
          path,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o644,
        ),
      );
      return path;
    }),
  );
  const failed = results.findIndex((r) => r.status === 'rejected');
  if (failed < 0) return;
  for (const r of results) {
    if (r.status === 'fulfilled') await afs.unlinkQuiet(r.value).catch(() => {}); // the error below is what matters
  }
  const name = failed === 0 ? PID_FILE : START_FILE;
  throw fileError(name, join(dataDir, name), (results[failed] as PromiseRejectedResult).reason, [
    via,
    dataDir,
  ]);
}

/** `start` first, then `pid`: whoever sees a pid also finds its start. */
export async function writeDataFiles(dataDir: string, state: ContainerState, via = dataDir): Promise<void> {
  for (const [name, data] of [
    [START_FILE, state.start],
    [PID_FILE, String(state.pid)],
  ] as const) {
    try {
      await writeInPlaceAsync(join(via, name), data);
    } catch (err) {
      throw fileError(name, join(dataDir, name), err, [via, dataDir]);
    }
  }
}

/** Remove the pair, `pid` first (the mirror of writeDataFiles). Both are attempted: a pid file
 *  that cannot be removed must not keep a start file behind. */
export async function removeDataFiles(dataDir: string): Promise<void> {
  let first: unknown = null;
  for (const name of [PID_FILE, START_FILE]) {
    try {
      await afs.unlinkQuiet(join(dataDir, name));
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== null) throw first;
}

/**
 * What is wrong with the data directory's `pid`/`start` compared with the trusted `expected`
 * (null: no container is live), one warning per file; empty when they agree. Read bounded: a
 * planted FIFO, symlink or huge file is named, never followed or echoed.
 */
export function dataFileProblems(dataDir: string, expected: ContainerState | null): string[] {
  const problems: string[] = [];
  for (const [name, want] of [
    [PID_FILE, expected ? String(expected.pid) : null],
    [START_FILE, expected?.start ?? null],
  ] as const) {
    const path = join(dataDir, name);
    let text: string | null;
    try {
      text = readBounded(path, TINY_LIMIT, { optional: true });
    } catch (err) {
      problems.push(`${(err as Error).message}; ignoring it`);
      continue;
    }
    if (text === null || text === '') continue; // absent, or a start not yet filled in
    if (want === null) {
      problems.push(`${path} names no container started here; ignoring it`);
    } else if (text.trim() !== want) {
      problems.push(`${path} was changed (the container's is ${want}); ignoring it`);
    }
  }
  return problems;
}

/** Container paths of the data files when the data directory is inside the rootfs (2014's
 *  default layout: it IS the rootfs), else none. */
export function hiddenDataFiles(rootfs: string, dataDir: string): string[] {
  let real: string;
  try {
    real = realpathSync.native(dataDir);
  } catch {
    return [];
  }
  const rel = relative(rootfs, real);
  if (rel === '..' || rel.startsWith(`..${sep}`) || resolve(rel) === rel) return [];
  return [CONFIG_FILE, PID_FILE, START_FILE].map((name) => `/${join(rel, name)}`);
}
