// The container's user: resolve a `user` spec (name, uid, name:group, uid:gid) against the
// CONTAINER's /etc/passwd and /etc/group (passwd(5), group(5)), read from the host side before
// clone. Paths are resolved component by component inside the rootfs, so a symlinked etc/passwd
// can never make us parse a host file; a numeric spec is always a number (CVE-2016-3697). Two small
// files: read with synchronous calls, cheaper than a dozen thread-pool round trips per start.
import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { configError, ErrorCodes, nsinitError } from './errors.js';
import { readFdBounded } from './state/files.js';

export interface Identity {
  uid: number;
  gid: number;
  /** Supplementary groups (setgroups(2)); empty drops the supervisor's own. */
  groups: number[];
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 0xfffffffe; // (uid_t)-1 means "unchanged" to the set*id syscalls
const MAX_FILE = 4 * 1024 * 1024;
const MAX_SYMLINKS = 40; // the kernel's MAXSYMLINKS

function parseId(text: string): number | null {
  if (!/^[0-9]{1,10}$/.test(text)) return null;
  const n = Number(text);
  return n <= MAX_ID ? n : null;
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4) continue;
    const uid = parseId(f[2]!);
    const gid = parseId(f[3]!);
    if (uid === null || gid === null || f[0] === '') continue;
    out.push({ name: f[0]!, uid, gid, home: f[5] ?? '' });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3) continue;
    const gid = parseId(f[2]!);
    if (gid === null || f[0] === '') continue;
    out.push({ name: f[0]!, gid, members: (f[3] ?? '').split(',').filter((m) => m !== '') });
  }
  return out;
}

/** Resolve `relative` inside `root` as the container would see it after pivot_root: absolute
 *  symlinks restart at the rootfs, and a `..` that would climb above it is refused rather than
 *  silently clamped. Returns the host path of the final component (not itself followed if it
 *  is the last one and a regular file). */
export async function resolveInRoot(root: string, relative: string): Promise<string> {
  return resolveInRootSync(root, relative);
}

export function resolveInRootSync(root: string, relative: string): string {
  const pending = relative.split('/').filter((p) => p !== '' && p !== '.');
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      if (resolved.length === 0) {
        throw nsinitError(ErrorCodes.UNSAFE_PATH, `path '${relative}' leaves the rootfs '${root}'`, {
          path: posix.join(root, relative),
        });
      }
      resolved.pop();
      continue;
    }
    const host = posix.join(root, ...resolved, part);
    let st: Stats;
    try {
      st = lstatSync(host);
    } catch (err) {
      if (
        (err as NodeJS.ErrnoException).code === 'ENOENT' ||
        (err as NodeJS.ErrnoException).code === 'ENOTDIR'
      ) {
        // The rest does not exist: report the path as it would be, the caller handles ENOENT.
        return posix.join(root, ...resolved, part, ...pending);
      }
      throw err;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) {
        throw nsinitError(
          ErrorCodes.UNSAFE_PATH,
          `too many symbolic links resolving '${relative}' in '${root}'`,
          {
            path: host,
          },
        );
      }
      const target = readlinkSync(host);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
      continue;
    }
    resolved.push(part);
  }
  return posix.join(root, ...resolved);
}

/** Read a small regular file inside the rootfs (null when it does not exist). O_NOFOLLOW on the
 *  last component closes the window between resolving and opening. */
export async function readInRoot(root: string, relative: string): Promise<string | null> {
  return readInRootSync(root, relative);
}

function readInRootSync(root: string, relative: string): string | null {
  const path = resolveInRootSync(root, relative);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'ELOOP') {
      throw nsinitError(ErrorCodes.UNSAFE_PATH, `'${relative}' in the rootfs changed into a symlink`, {
        path,
      });
    }
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw nsinitError(ErrorCodes.UNSAFE_PATH, `'${relative}' in the rootfs is not a regular file`, {
        path,
      });
    if (st.size > MAX_FILE)
      throw nsinitError(ErrorCodes.UNSAFE_PATH, `'${relative}' in the rootfs is too large`, { path });
    // Bounded even past fstat: a live container (a join reads these) may grow the file meanwhile.
    return readFdBounded(fd, path, MAX_FILE);
  } finally {
    closeSync(fd);
  }
}

/** Resolve a user spec against parsed passwd/group tables. Pure, so it is table-tested. */
export function resolveUser(
  spec: string,
  passwd: readonly PasswdEntry[],
  group: readonly GroupEntry[],
): Identity {
  const [userPart, groupPart, ...rest] = spec.split(':');
  if (rest.length > 0 || userPart === undefined)
    throw configError('/user', `'${spec}' is not a user spec (user[:group])`);
  let uid = 0;
  let gid = 0;
  let name: string | undefined;
  if (userPart === '') {
    if (groupPart !== undefined) throw configError('/user', `'${spec}' has a group but no user`);
    const entry = passwd.find((p) => p.uid === 0);
    if (entry) ({ gid, name } = entry);
  } else {
    const numeric = parseId(userPart);
    if (numeric !== null) {
      // A number is always a uid, even when a user is literally named "1000" (CVE-2016-3697).
      uid = numeric;
      const entry = passwd.find((p) => p.uid === numeric);
      if (entry) ({ gid, name } = entry);
    } else if (/^[0-9]+$/.test(userPart)) {
      throw configError('/user', `uid '${userPart}' is out of range (0-${MAX_ID})`);
    } else {
      const entry = passwd.find((p) => p.name === userPart);
      if (!entry) {
        throw nsinitError(
          ErrorCodes.UNKNOWN_USER,
          `user: no user '${userPart}' in the container's /etc/passwd`,
          {
            field: '/user',
          },
        );
      }
      ({ uid, gid, name } = entry);
    }
  }
  if (groupPart !== undefined) {
    if (groupPart === '') throw configError('/user', `'${spec}' has an empty group`);
    const numeric = parseId(groupPart);
    if (numeric !== null) gid = numeric;
    else if (/^[0-9]+$/.test(groupPart))
      throw configError('/user', `gid '${groupPart}' is out of range (0-${MAX_ID})`);
    else {
      const entry = group.find((g) => g.name === groupPart);
      if (!entry) {
        throw nsinitError(
          ErrorCodes.UNKNOWN_USER,
          `user: no group '${groupPart}' in the container's /etc/group`,
          {
            field: '/user',
          },
        );
      }
      gid = entry.gid;
    }
  }
  const groups: number[] = [];
  if (name !== undefined) {
    for (const g of group) if (g.members.includes(name) && !groups.includes(g.gid)) groups.push(g.gid);
  }
  return { uid, gid, groups };
}

/** Read the container's tables and resolve `spec` ('' = root, as 2014 did). */
export async function lookupUser(rootfs: string, spec: string): Promise<Identity> {
  // Read even for numeric specs: the passwd entry of a uid supplies its default gid and name,
  // and the name selects the supplementary groups.
  const passwdText = readInRootSync(rootfs, 'etc/passwd');
  const groupText = readInRootSync(rootfs, 'etc/group');
  return resolveUser(spec, passwdText ? parsePasswd(passwdText) : [], groupText ? parseGroup(groupText) : []);
}
