// Cgroups for a rootless caller (cgroup-v2.rst "Delegation"): the container's cgroup goes below a
// cgroup v2 directory delegated to it (its own, with cgroup.procs, owned by it); without one the
// container runs in the caller's cgroup after ONE warning, and a limit is refused naming its field,
// never half applied. Device rules are dropped: a BPF device program needs host root (bpf(2)).
import { lstatSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { configError } from '../errors.js';
import { parseProcCgroup, underMount } from './cgroupfs.js';
import { type CgroupConfig, name2014, resourcesFrom2014 } from './limits.js';
import type { FieldNamer, Resources } from './resources.js';
import { findV2Root, type V2View } from './v2.js';

/** The caller's own cgroup v2 directory when it is delegated to it, as a V2View (mount + self). */
export interface Delegation {
  root: string;
  self: string;
  dir: string;
}

/** The caller's delegated cgroup v2 directory, or null. Delegated means the directory and its
 *  cgroup.procs belong to the caller's euid: moving a process needs write access to cgroup.procs
 *  of the common ancestor, and creating the container's cgroup needs the directory. */
export function delegatedV2(
  euid = process.geteuid?.() ?? 0,
  mountinfo = readFileSync('/proc/self/mountinfo', 'utf8'),
  procCgroup = readFileSync('/proc/self/cgroup', 'utf8'),
  owner: (path: string) => number | null = ownerOf,
): Delegation | null {
  const mount = findV2Root(mountinfo);
  if (!mount) return null;
  const own = parseProcCgroup(procCgroup).find((c) => c.id === 0)?.path;
  if (own === undefined) return null;
  const mine = (rel: string) => {
    const dir = join(mount.mountpoint, rel);
    return owner(dir) === euid && owner(join(dir, 'cgroup.procs')) === euid;
  };
  let self = underMount(mount.root, own);
  if (!mine(self)) return null;
  // Up to the top of the delegated subtree (systemd's user@<uid>.service, whose own processes sit
  // in leaves below it): cgroup v2 lets a controller be enabled only in a cgroup without processes
  // of its own, which the caller's leaf is not.
  while (self !== '/' && mine(posix.dirname(self))) self = posix.dirname(self);
  return { root: mount.mountpoint, self, dir: join(mount.mountpoint, self) };
}

function ownerOf(path: string): number | null {
  try {
    return lstatSync(path).uid;
  } catch {
    return null;
  }
}

/** The first limit `r` sets (anything but device rules), spelled as the user wrote it. */
export function firstLimit(r: Resources, name: FieldNamer): string | null {
  for (const [key, value] of Object.entries(r)) {
    if (key === 'devices' || key === 'devicesV1Only' || value === undefined) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) return name(`${key}[0]`);
      continue;
    }
    if (typeof value === 'object' && value !== null) {
      const set = Object.entries(value).find(
        ([k, v]) =>
          k !== 'swapIfAccounted' && v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0),
      );
      if (set) return name(key === 'unified' ? `unified["${set[0]}"]` : `${key}.${set[0]}`);
      continue;
    }
    return name(key);
  }
  return null;
}

/** Where a rootless container's cgroup goes: a V2View of the delegated subtree, or null (no
 *  cgroup; warned once). Refuses a limit that has nowhere to go. */
export function rootlessCgroupView(
  r: Resources,
  name: FieldNamer,
  onWarning: (message: string) => void,
  delegation: Delegation | null = delegatedV2(),
): V2View | null {
  const euid = process.geteuid?.() ?? 0;
  // Device rules are dropped without a word even here: the container can only open the nodes
  // bound from the host that its user may open, and every config has default rules.
  if (delegation) {
    return { root: delegation.root, self: delegation.self };
  }
  const limit = firstLimit(r, name);
  if (limit)
    throw configError(
      limit,
      `rootless: uid ${euid} has no delegated cgroup v2 subtree (its own cgroup directory, owned by it) to apply this limit in; remove the limit, or run with a delegated cgroup`,
    );
  onWarning(
    `rootless: uid ${euid} has no delegated cgroup v2 subtree; the container runs in the caller's cgroup with no limits, device rules, pause or stats of its own`,
  );
  return null;
}

/** The 2014 `cgroups` of a rootless start: the config to create (device rules dropped) and the
 *  delegated v2 view, or null for no cgroup. Called before anything exists, so a refused limit
 *  leaves nothing behind. */
export function rootless2014Cgroups<C extends { cgroups?: CgroupConfig | null }>(
  config: C,
  onWarning: (message: string) => void,
  delegation: Delegation | null = delegatedV2(),
): { config: C; view: V2View } | null {
  const c = config.cgroups;
  if (!c) return null;
  if (!delegation && c.freezer === 'FROZEN')
    throw configError('cgroups.freezer', 'rootless: starting frozen needs a delegated cgroup v2 subtree');
  const view = rootlessCgroupView(resourcesFrom2014(c), name2014, onWarning, delegation);
  if (!view) return null;
  return {
    config: { ...config, cgroups: { ...c, allow_all_devices: true, allowed_devices: null } },
    view,
  };
}
