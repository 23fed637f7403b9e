// The trusted state of a data directory: a root-only (0700) directory outside every rootfs, keyed
// by the data directory's device and inode (a path string can be renamed or re-pointed by a
// symlink; the inode cannot). It holds what the runtime relies on — the live instance's record
// and lock files — so nothing a container can write decides what the host does.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import type { NativeBindings } from '@nsinit/native';
import { crypto } from '../builtins.js';
import { ErrorCodes, nsinitError } from '../errors.js';
import { type FileLock, lockFile, tryLockFile } from '../lock.js';
import { defaultStateRoot, ROOT_STATE_ROOT } from '../rootless.js';
import { CONFIG_LIMIT, readOptional, writeAtomicAsync } from './files.js';
import * as afs from './fs-async.js';

/** Where root's trusted state lives unless OpenOptions.stateRoot says otherwise (tests only); a
 *  rootless caller's is under $XDG_RUNTIME_DIR (rootless.ts defaultStateRoot). */
export const DEFAULT_STATE_ROOT = ROOT_STATE_ROOT;

/** Everything a started container owns, written before it runs user code. */
export interface InstanceRecord {
  /** Names the instance's cgroup leaf and its files here. */
  id: string;
  /** PID 1 on the host and its start time (field 22 of /proc/<pid>/stat, see proc(5)). */
  pid: number;
  start: string;
  /** The process whose lifetime lock (`<id>.supervisor`) proves the instance is not stale. */
  supervisor: { pid: number };
  rootfs: string;
  dataDir: string;
  /** The validated config the container was started with: joins use this, never container.json. */
  config: ContainerConfig;
  cgroup: { version: 1 | 2; paths: Record<string, string>; parents: string[] } | null;
  hostInterfaces: string[];
}

const INSTANCE_FILE = 'instance.json';
const LOCK_FILE = 'lock';

/** Trusted directories whose instance this process supervises (recorded until its teardown is
 *  done): an orphan sweep skips them without touching their files, so a start does not pay for
 *  every container this process already runs. */
export const supervisedHere = new Set<string>();

/** 12 random hex digits. Read from /dev/urandom: node:crypto would load ~20 modules and OpenSSL's
 *  bindings into every start for 6 bytes; it is the fallback where /dev/urandom cannot be opened. */
export function newInstanceId(): string {
  const bytes = Buffer.alloc(6);
  let fd = -1;
  try {
    fd = openSync('/dev/urandom', constants.O_RDONLY);
    if (readSync(fd, bytes) === bytes.length) return bytes.toString('hex');
  } catch {
    // no /dev/urandom
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return crypto().randomBytes(6).toString('hex');
}

export class TrustedState {
  private constructor(
    /** This data directory's trusted directory. */
    readonly dir: string,
    readonly dataDir: string,
  ) {}

  /** `<st_dev>-<st_ino>` of a directory, or null when it is gone. */
  keyOf(dataDir: string): string | null {
    try {
      const st = statSync(dataDir, { bigint: true });
      return st.isDirectory() ? `${st.dev}-${st.ino}` : null;
    } catch {
      return null;
    }
  }

  /**
   * Run `fn` on the data directory this state is keyed by, through `/proc/self/fd/<fd>` of a
   * directory fd whose device and inode were checked after opening: a container that can write a
   * parent of its data directory (one inside the rootfs, below "/") may rename it and plant a
   * symlink at any moment, and the host must never write or unlink through that. Returns false
   * (without calling `fn`) when the path no longer leads there.
   */
  async inDataDir(fn: (dir: string) => void | Promise<void>): Promise<boolean> {
    if (this.dataDir === '') return false;
    let fd: number;
    try {
      fd = openSync(this.dataDir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    } catch {
      return false;
    }
    try {
      const st = fstatSync(fd, { bigint: true });
      if (`${st.dev}-${st.ino}` !== basename(this.dir)) return false;
      await fn(`/proc/self/fd/${fd}`);
      return true;
    } finally {
      closeSync(fd);
    }
  }

  /** An existing trusted directory found by listing the root (sweepOrphans). */
  static at(dir: string): TrustedState {
    return new TrustedState(dir, '');
  }

  /** The trusted directory of `dataDir` under `root` (created 0700 on demand by lock()). */
  static of(dataDir: string, root?: string): TrustedState {
    let key: string;
    try {
      const st = statSync(dataDir, { bigint: true });
      if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      key = `${st.dev}-${st.ino}`;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw nsinitError(ErrorCodes.INVALID_ARG, `the data directory '${dataDir}': ${e.message}`, {
        path: dataDir,
        cause: err,
      });
    }
    return new TrustedState(join(root ?? defaultStateRoot(), key), dataDir);
  }

  /** The data-directory lock: starts, teardowns and stale cleanups of this directory serialise. */
  async lock(native: Pick<NativeBindings, 'tryLock'>, timeoutMs: number): Promise<FileLock> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await lockFile(native, join(this.dir, LOCK_FILE), timeoutMs);
      } catch (err) {
        // No directory yet, or a teardown or an orphan sweep (another process's, or another
        // start of ours: they interleave on the event loop) removed the idle one: make it again.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw err;
      }
      try {
        // 0700 at every level we create: a container that somehow sees /run still cannot enter.
        await afs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      } catch (err) {
        // mkdir found the directory and a sweep removed it before mkdir could check it: again.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }

  readInstance(): InstanceRecord | null {
    let text: string | null;
    try {
      text = readOptional(join(this.dir, INSTANCE_FILE), CONFIG_LIMIT * 2);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw err;
    }
    if (text === null) return null;
    try {
      return JSON.parse(text) as InstanceRecord;
    } catch (err) {
      // Only root writes here, by rename: a torn file means someone else wrote it.
      throw nsinitError(ErrorCodes.START_FAILED, `corrupt trusted state ${join(this.dir, INSTANCE_FILE)}`, {
        path: join(this.dir, INSTANCE_FILE),
        cause: err,
      });
    }
  }

  async writeInstance(record: InstanceRecord): Promise<void> {
    await writeAtomicAsync(join(this.dir, INSTANCE_FILE), JSON.stringify(record));
  }

  /** Remove the record if it is still `id`'s (a teardown never touches another instance's);
   *  `checked`: the caller has just read it under the lock. */
  async removeInstance(id: string, checked = false): Promise<void> {
    if (checked || this.readInstance()?.id === id) await afs.unlinkQuiet(join(this.dir, INSTANCE_FILE));
  }

  /** Whether a record exists (not parsed: a teardown or an idle check only needs to know). */
  hasInstance(): boolean {
    try {
      lstatSync(join(this.dir, INSTANCE_FILE));
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      throw err;
    }
  }

  supervisorPath(id: string): string {
    return join(this.dir, `${id}.supervisor`);
  }

  /** Held by the supervising process from before clone until its teardown is done. */
  async holdSupervisor(native: Pick<NativeBindings, 'tryLock'>, id: string): Promise<FileLock> {
    return lockFile(native, this.supervisorPath(id), 1000);
  }

  /** Whether `id`'s supervisor still lives: its lifetime lock is held (the kernel drops a flock
   *  when the last fd of its open file description closes, so also when the holder dies). */
  supervisorAlive(native: Pick<NativeBindings, 'tryLock'>, id: string): boolean {
    const probe = tryLockFile(native, this.supervisorPath(id));
    if (probe === null) return true;
    probe.release();
    return false;
  }

  /** Drop `id`'s lifetime lock file (called by its holder, or by a stale cleanup). */
  async removeSupervisor(id: string): Promise<void> {
    await afs.unlinkQuiet(this.supervisorPath(id));
  }

  /** With no instance left, remove the lock file and the directory. Must be called holding the
   *  lock: a waiter that then locks the unlinked file sees it unlinked and retries (lock.ts). */
  async removeIfIdle(): Promise<void> {
    if (this.hasInstance()) return;
    await afs.unlinkQuiet(join(this.dir, LOCK_FILE));
    try {
      await afs.rmdir(this.dir);
    } catch {
      // another instance's files (a supervisor file being removed) or a racer's mkdir: it stays
    }
  }
}
