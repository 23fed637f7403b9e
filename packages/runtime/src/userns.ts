// User namespaces (user_namespaces(7)): the uid/gid maps of a new one, checked as the kernel
// checks them, and written by the PARENT into /proc/<pid>/{uid_map,setgroups,gid_map} while the
// child waits for GO. Root writes them itself; an unprivileged caller writes a map of its own id
// itself (gid_map then needs setgroups "deny"), anything more through the setuid newuidmap and
// newgidmap helpers (Debian's uidmap package), which check /etc/subuid and /etc/subgid.
import { closeSync, constants as fsc, openSync, readFileSync, writeFileSync } from 'node:fs';
import type { NativeBindings } from '@nsinit/native';
import { childProcess } from './builtins.js';
import { configError, ErrorCodes, nsinitError } from './errors.js';
import type { IdMapping, RuntimeSpec } from './spec/model.js';

/** The kernel accepts at most 340 lines per map (Linux 4.15+). */
export const MAX_MAP_LINES = 340;
const ID_LIMIT = 2 ** 32;

/** Who starts the container: its effective ids in our own user namespace. */
export interface Caller {
  uid: number;
  gid: number;
}

export function currentCaller(): Caller {
  return { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 };
}

/** How one map gets written: by us, or by the setuid helper. */
export type MapWriter = 'direct' | 'helper';

export interface UsernsSetup {
  uid: { lines: readonly IdMapping[]; writer: MapWriter };
  gid: { lines: readonly IdMapping[]; writer: MapWriter };
  /** /proc/<pid>/setgroups gets "deny" before gid_map: an unprivileged caller may write a gid map
   *  itself only so, or it could drop a group that denies it access (CVE-2014-8989). */
  denySetgroups: boolean;
}

/** The spec's new user namespace (no path), or undefined. */
export function newUserNamespace(spec: RuntimeSpec): boolean {
  return spec.namespaces.some((n) => n.type === 'user' && n.path === undefined);
}

/** Maps as the kernel's map_write() accepts them: sizes >= 1, no range past 2^32 on either side,
 *  no two lines overlapping on either side, at most 340 lines. */
function checkMap(lines: readonly IdMapping[], field: string): void {
  if (lines.length === 0) throw configError(field, 'a new user namespace needs at least one mapping');
  if (lines.length > MAX_MAP_LINES)
    throw configError(field, `has ${lines.length} mappings; the kernel accepts at most ${MAX_MAP_LINES}`);
  lines.forEach((m, i) => {
    for (const key of ['containerId', 'hostId', 'size'] as const) {
      const v = m[key];
      if (!Number.isInteger(v) || v < 0 || v >= ID_LIMIT)
        throw configError(`${field}/${i}`, `${key} ${String(v)} is not an id from 0 to 4294967295`);
    }
    if (m.size < 1) throw configError(`${field}/${i}`, 'size must be at least 1');
    if (m.containerId + m.size > ID_LIMIT || m.hostId + m.size > ID_LIMIT)
      throw configError(`${field}/${i}`, 'the range runs past id 4294967295');
    for (let j = 0; j < i; j++) {
      const o = lines[j]!;
      const overlaps = (a: number, b: number) => a < b + o.size && b < a + m.size;
      if (overlaps(m.containerId, o.containerId))
        throw configError(`${field}/${i}`, `its container ids overlap those of mapping ${j}`);
      if (overlaps(m.hostId, o.hostId))
        throw configError(`${field}/${i}`, `its host ids overlap those of mapping ${j}`);
    }
  });
}

/** Does the map send container id `id` somewhere? (an unmapped id is refused by the kernel in
 *  mount options such as devpts gid=5). */
export function maps(lines: readonly IdMapping[], id: number): boolean {
  return lines.some((m) => id >= m.containerId && id < m.containerId + m.size);
}

/** The one mapping an unprivileged process may write itself: its own id, once. */
function ownIdOnly(lines: readonly IdMapping[], own: number): boolean {
  return lines.length === 1 && lines[0]!.hostId === own && lines[0]!.size === 1;
}

/** Checks the maps and decides who writes them; undefined without a new user namespace. */
export function usernsSetup(spec: RuntimeSpec, caller: Caller): UsernsSetup | undefined {
  const maps = spec.idMappings;
  if (!newUserNamespace(spec)) {
    if (maps && (maps.uid.length > 0 || maps.gid.length > 0)) {
      const joined = spec.namespaces.some((n) => n.type === 'user');
      throw configError(
        maps.uid.length > 0 ? spec.at.uidMappings : spec.at.gidMappings,
        joined
          ? 'cannot be set for a user namespace joined by path (its maps are already written)'
          : spec.format === '2014'
            ? 'needs namespaces.NEWUSER to be true'
            : "needs a new 'user' namespace (no path) in linux.namespaces",
      );
    }
    return undefined;
  }
  checkMap(maps?.uid ?? [], spec.at.uidMappings);
  checkMap(maps?.gid ?? [], spec.at.gidMappings);
  const uid = maps!.uid;
  const gid = maps!.gid;
  if (caller.uid === 0) {
    return {
      uid: { lines: uid, writer: 'direct' },
      gid: { lines: gid, writer: 'direct' },
      denySetgroups: false,
    };
  }
  const ownGid = ownIdOnly(gid, caller.gid);
  return {
    uid: { lines: uid, writer: ownIdOnly(uid, caller.uid) ? 'direct' : 'helper' },
    gid: { lines: gid, writer: ownGid ? 'direct' : 'helper' },
    denySetgroups: ownGid,
  };
}

/** The uid_map/gid_map text: one "inside outside count" line per mapping. */
export function mapText(lines: readonly IdMapping[]): string {
  return lines.map((m) => `${m.containerId} ${m.hostId} ${m.size}\n`).join('');
}

const HELPER = { uid: 'newuidmap', gid: 'newgidmap' } as const;

function runHelper(
  kind: 'uid' | 'gid',
  pid: number,
  lines: readonly IdMapping[],
  field: string,
): Promise<void> {
  const args = [
    String(pid),
    ...lines.flatMap((m) => [String(m.containerId), String(m.hostId), String(m.size)]),
  ];
  return new Promise((resolve, reject) => {
    childProcess().execFile(HELPER[kind], args, { timeout: 10_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      reject(
        configError(
          field,
          missing
            ? `maps more than your own ${kind}, which needs ${HELPER[kind]} (Debian package uidmap) on the PATH`
            : `${HELPER[kind]} refused the map (is the range in /etc/sub${kind}?): ${String(stderr).trim() || err.message}`,
        ),
      );
    });
  });
}

/** Write the maps of the waiting child `pid` (our child, so its pid cannot be recycled while it is
 *  unreaped). Our own writes go through a /proc/<pid> directory fd opened first and checked
 *  against the pidfd after: if the pidfd's process is still alive, the directory is its own. */
export async function writeIdMaps(
  native: Pick<NativeBindings, 'pidfdSignal'>,
  child: { pid: number; pidfd: number },
  setup: UsernsSetup,
  at: { uidMappings: string; gidMappings: string },
): Promise<void> {
  const dir = openSync(`/proc/${child.pid}`, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    if (!native.pidfdSignal(child.pidfd, 0))
      throw nsinitError(
        ErrorCodes.START_FAILED,
        `process ${child.pid} exited before its id maps were written`,
      );
    const write = (file: string, text: string, field: string) => {
      try {
        // One write(2): the kernel takes a map in a single write and refuses a second one.
        writeFileSync(`/proc/self/fd/${dir}/${file}`, text);
      } catch (err) {
        throw configError(
          field,
          `the kernel refused ${file} '${text.trim().replace(/\n/g, ', ')}': ${(err as Error).message}`,
        );
      }
    };
    if (setup.uid.writer === 'direct') write('uid_map', mapText(setup.uid.lines), at.uidMappings);
    else await runHelper('uid', child.pid, setup.uid.lines, at.uidMappings);
    // Before gid_map: once a gid map exists, setgroups can no longer be denied.
    if (setup.denySetgroups) write('setgroups', 'deny', at.gidMappings);
    if (setup.gid.writer === 'direct') write('gid_map', mapText(setup.gid.lines), at.gidMappings);
    else await runHelper('gid', child.pid, setup.gid.lines, at.gidMappings);
  } finally {
    closeSync(dir);
  }
}

/** Whether setgroups(2) is denied in the user namespace of the live process `dir` (a
 *  /proc/<pid> directory the caller verified): a join then keeps its groups, as the init did. */
export function setgroupsDenied(procDir: string): boolean {
  try {
    return readFileSync(`${procDir}/setgroups`, 'utf8').trim() === 'deny';
  } catch {
    return false;
  }
}
