// The 2014 state files in the data directory: `pid` (decimal host pid of PID 1, no newline) and
// `start` (field 22 of /proc/<pid>/stat, see proc(5)). The pair identifies the process across pid
// reuse: a pid file is live only while that pid exists with the same start time. The files are a
// few bytes on a local filesystem: synchronous calls (~10 µs each) instead of thread-pool round
// trips, which cost milliseconds per container under load and are the start-up's critical path.
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeBindings } from '@nsinit/native';
import { ErrorCodes, nsinitError } from './errors.js';

export interface ContainerState {
  pid: number;
  /** Start time in clock ticks since boot, as written in the `start` file. */
  start: string;
}

export type StateCheck =
  | { kind: 'none' }
  | { kind: 'live'; state: ContainerState }
  | { kind: 'stale'; reason: string; state?: ContainerState };

export const PID_FILE = 'pid';
export const START_FILE = 'start';

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Read the pid/start pair and decide whether it names a live process. Anything unparsable or
 *  half-written counts as stale (a crash can leave any combination). */
export async function checkState(
  native: Pick<NativeBindings, 'startTime'>,
  dataDir: string,
): Promise<StateCheck> {
  const pidText = readOptional(join(dataDir, PID_FILE));
  if (pidText === null) {
    const startText = readOptional(join(dataDir, START_FILE));
    return startText === null ? { kind: 'none' } : { kind: 'stale', reason: 'start file without pid file' };
  }
  const trimmed = pidText.trim();
  const pid = /^[1-9][0-9]{0,9}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(pid))
    return { kind: 'stale', reason: `pid file holds '${trimmed.slice(0, 32)}'` };
  const startText = readOptional(join(dataDir, START_FILE));
  if (startText === null) return { kind: 'stale', reason: `pid ${pid} has no start file` };
  const state = { pid, start: startText.trim() };
  const now = native.startTime(pid);
  if (now === null || isZombie(pid)) return { kind: 'stale', reason: `process ${pid} is gone`, state };
  if (now !== state.start) {
    return {
      kind: 'stale',
      reason: `process ${pid} started at ${now}, not ${state.start} (pid reused)`,
      state,
    };
  }
  return { kind: 'live', state };
}

/** A zombie keeps its /proc entry and start time until reaped, but it is gone: its namespaces are
 *  released and it can never be joined. (If the supervisor was killed, the orphaned init may stay
 *  a zombie until the system's init reaps it.) */
function isZombie(pid: number): boolean {
  let stat: string | null;
  try {
    stat = readOptional(`/proc/${pid}/stat`);
  } catch {
    stat = null;
  }
  if (stat === null) return false; // unreadable here: startTime already said it exists
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

let tmpSerial = 0;

function writeAtomic(path: string, data: string): void {
  // rename(2) replaces the name atomically: a reader sees the old file or the whole new one. The
  // temporary name is unique per process and call; O_EXCL ('wx') refuses a leftover of that name.
  const tmp = `${path}.${process.pid}.${++tmpSerial}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: 0o644, flag: 'wx' });
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

/** `start` first, then `pid`: whoever sees a pid file also finds its start file. A failure (a full
 *  or read-only data directory) names the file; the caller stops the container. */
export async function writeState(dataDir: string, state: ContainerState): Promise<void> {
  for (const [name, data] of [
    [START_FILE, state.start],
    [PID_FILE, String(state.pid)],
  ] as const) {
    const path = join(dataDir, name);
    try {
      writeAtomic(path, data);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw nsinitError(ErrorCodes.START_FAILED, `cannot write the ${name} file '${path}': ${e.message}`, {
        path,
        ...(e.errno === undefined ? {} : { errno: e.errno }),
        ...(e.syscall === undefined ? {} : { syscall: e.syscall }),
        cause: err,
      });
    }
  }
}

/** Remove the pair, `pid` first (the mirror of writeState). With `onlyPid`, leave files that
 *  already name another process alone. */
export async function removeState(dataDir: string, onlyPid?: number): Promise<void> {
  if (onlyPid !== undefined) {
    let current: string | null = null;
    try {
      current = readOptional(join(dataDir, PID_FILE));
    } catch {
      // unreadable: treat as ours, as before
    }
    if (current !== null && current.trim() !== String(onlyPid)) return;
  }
  // Both are attempted: a pid file that cannot be removed must not keep a start file behind.
  let first: unknown = null;
  for (const name of [PID_FILE, START_FILE]) {
    try {
      unlinkSync(join(dataDir, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') first ??= err;
    }
  }
  if (first !== null) throw first;
}
