// The trusted state of OCI containers: one root-only directory per container under --root
// (default /run/nsinit-oci), holding state.json (written atomically: temp file + rename), the
// start gate socket while the container is `created`, and the lock. Nothing here is ever read
// from the bundle or the rootfs after create; a process is identified by pid + start time.
import {
  closeSync,
  constants as fsc,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, nsinitError } from '../errors.js';
import type { OciHooks } from './spec.js';

export const DEFAULT_ROOT = '/run/nsinit-oci';
export const STATE_FILE = 'state.json';
export const GATE_FILE = 'start.sock';

/** What create records and every later command trusts. */
export interface OciRecord {
  ociVersion: string;
  id: string;
  pid: number;
  /** Start time of the init (/proc/<pid>/stat field 22): with pid, its identity. */
  start: string;
  bundle: string;
  rootfs: string;
  created: string;
  annotations: Record<string, string>;
  /** The container's leaf cgroup directories per controller (parents are left, as runc does). */
  cgroup: { name: string; parent: string; paths: Record<string, string> } | null;
  hooks: OciHooks;
  /** config.json had no `process`: create succeeded, start must refuse. */
  noProcess?: boolean;
}

/** runc's rule: letters, digits and `_+-.`, and not `.` or `..`, so an id is always one path
 *  component below --root. */
export function checkId(id: string | undefined): string {
  if (id === undefined || id === '')
    throw nsinitError(ErrorCodes.OCI_INVALID_ID, 'a container id is required');
  if (!/^[\w+\-.]+$/.test(id) || id === '.' || id === '..' || id.length > 1024)
    throw nsinitError(ErrorCodes.OCI_INVALID_ID, `invalid container id '${id}'`);
  return id;
}

export function containerDir(root: string, id: string): string {
  return join(root, checkId(id));
}

/** mkdir --root (0700) and the container's directory; EEXIST means the id is taken. */
export function makeContainerDir(root: string, id: string): string {
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const dir = containerDir(root, id);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      throw nsinitError(ErrorCodes.OCI_EXISTS, `container with id '${id}' already exists`, { path: dir });
    throw err;
  }
  return dir;
}

/** Write `data` to `path` atomically (temp + fsync + rename), mode 0600 (0644 for pid files an
 *  engine reads as another user). */
export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | fsc.O_NOFOLLOW, mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

export function writeRecord(dir: string, record: OciRecord): void {
  writeFileAtomic(join(dir, STATE_FILE), `${JSON.stringify(record)}\n`);
}

/** The record of `id`, or ERR_NSINIT_OCI_NOT_FOUND. A directory without state.json is a create
 *  still in progress (or one that crashed): also "not found" until its state is written. */
export function readRecord(root: string, id: string): OciRecord {
  const dir = containerDir(root, id);
  let text: string;
  try {
    // Bounded: the file is ours, but a corrupt one must not exhaust memory.
    const fd = openSync(join(dir, STATE_FILE), fsc.O_RDONLY | fsc.O_NOFOLLOW);
    try {
      const buf = Buffer.alloc(1 << 20);
      const n = readSyncAll(fd, buf);
      text = buf.subarray(0, n).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw nsinitError(ErrorCodes.OCI_NOT_FOUND, `container '${id}' does not exist`, { path: dir });
    throw err;
  }
  try {
    return JSON.parse(text) as OciRecord;
  } catch {
    throw nsinitError(ErrorCodes.OCI_NOT_FOUND, `container '${id}' has a corrupt state file`, {
      path: join(dir, STATE_FILE),
    });
  }
}

function readSyncAll(fd: number, buf: Buffer): number {
  let off = 0;
  for (;;) {
    const n = readSync(fd, buf, off, buf.length - off, null);
    if (n === 0 || off + n >= buf.length) return off + n;
    off += n;
  }
}

/** Every container id under `root` that has a state file (a missing root lists nothing). */
export function listIds(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names.filter((n) => {
    try {
      readFileSync(join(root, n, STATE_FILE));
      return true;
    } catch {
      return false;
    }
  });
}
