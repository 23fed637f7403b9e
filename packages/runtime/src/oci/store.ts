// The trusted state of OCI containers: one root-only directory per container under --root
// (default /run/nsinit-oci), holding state.json (written atomically: temp file + rename), the
// start gate socket while the container is `created`, and the lock. Nothing here is ever read
// from the bundle or the rootfs after create; a process is identified by pid + start time.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupRecord } from '../cgroups/index.js';
import { ErrorCodes, nsinitError } from '../errors.js';
import { readBounded, writeAtomic } from '../state/files.js';
import { type FastRecord, STATE_FORMAT } from './fast-record.js';
import type { HostRootfsMount } from './host-mounts.js';
import type { OciHooks } from './spec.js';

export const DEFAULT_ROOT = '/run/nsinit-oci';
export const STATE_FILE = 'state.json';
export const GATE_FILE = 'start.sock';
export const LOCK_FILE = 'lock';
/** The config as `create` was given it, for `exec` and `start` (the bundle's may change later). */
export const CONFIG_COPY = 'config.json';
const RECORD_LIMIT = 1 << 20;

/** What create records and every later command trusts (TypeScript and the native verbs program
 *  alike: one format, STATE_FORMAT). */
export interface OciRecord {
  /** STATE_FORMAT of the nsinit-oci that wrote it (absent: written before formats were numbered). */
  format?: number;
  ociVersion: string;
  id: string;
  pid: number;
  /** Start time of the init (/proc/<pid>/stat field 22): with pid, its identity. */
  start: string;
  bundle: string;
  rootfs: string;
  created: string;
  annotations: Record<string, string>;
  /** The container's cgroup directories per controller and the parents its create made
   *  (removed with it when empty; levels that existed before are left, as runc leaves them). */
  cgroup: CgroupRecord | null;
  hooks: OciHooks;
  /** The startContainer hook steps of the init's plan by step index, for `start` to word a
   *  failure record ("startContainer hook #0 '/x'"). */
  hookSteps?: Record<string, { label: string; timeoutMs: number }>;
  /** No mount namespace: the rootfs bind the init made in the runtime's own mount namespace,
   *  detached by delete (host-mounts.ts). */
  hostMount?: HostRootfsMount;
  /** config.json had no `process`: create succeeded, start must refuse. */
  noProcess?: boolean;
  /** What the native verbs program may do for this container (fast-record.ts). */
  fast?: FastRecord;
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

/** Written atomically (temp + rename, never through a planted link); 0644 for pid files an
 *  engine may read as another user. */
export function writeFileAtomic(path: string, data: string, mode = 0o600): void {
  writeAtomic(path, data, mode);
}

export function writeRecord(dir: string, record: OciRecord): void {
  writeFileAtomic(join(dir, STATE_FILE), `${JSON.stringify(record)}\n`);
}

/** The record of `id`, or ERR_NSINIT_OCI_NOT_FOUND. A directory without state.json is a create
 *  still in progress (or one that crashed): also "not found" until its state is written. */
export function readRecord(root: string, id: string): OciRecord {
  const dir = containerDir(root, id);
  const file = join(dir, STATE_FILE);
  // Bounded: the file is ours, but a corrupt one must not exhaust memory.
  const text = readBounded(file, RECORD_LIMIT, { optional: true });
  if (text === null)
    throw nsinitError(ErrorCodes.OCI_NOT_FOUND, `container '${id}' does not exist`, { path: dir });
  let record: OciRecord;
  try {
    record = JSON.parse(text) as OciRecord;
  } catch {
    throw nsinitError(ErrorCodes.OCI_NOT_FOUND, `container '${id}' has a corrupt state file`, { path: file });
  }
  if (record.format !== undefined && record.format !== STATE_FORMAT)
    throw nsinitError(
      ErrorCodes.OCI_BAD_STATE,
      `container '${id}' has state format ${record.format}, this nsinit-oci reads format ${STATE_FORMAT}`,
      { path: file },
    );
  return record;
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
      return statSync(join(root, n, STATE_FILE)).isFile();
    } catch {
      return false;
    }
  });
}
