// Seam between the container lifecycle and the cgroup managers (v1 and v2, chosen by detection).
// The lifecycle calls only what is exported here.
import { readFileSync } from 'node:fs';
import type { ContainerConfig } from '@nsinit/config';
import { NsinitError } from '@nsinit/native';
import { parseCgroupMounts } from './cgroupfs.js';
import { type ManagedCgroup, relativeParts } from './handle.js';
import { type CgroupConfig, checkCgroups, v1Controllers } from './limits.js';
import { type HostView, setupV1, v1CgroupsOf, v1FromPaths, v1LeafDirs } from './v1.js';
import { setupV2, type V2View, v2CgroupsOf, v2FromPath, v2Path } from './v2.js';

export { freeze, freezerState, isFrozen, leaveFreezer, thaw } from './freezer.js';
export type { CgroupHandle, ManagedCgroup } from './handle.js';
export type { CgroupConfig } from './limits.js';
export * from './oci.js';
export { delegatedV2, rootless2014Cgroups, rootlessCgroupView } from './rootless.js';
export { type CgroupStats, type Counter, formatStats, readStats, statsJson } from './stats.js';

export interface CgroupOptions {
  /** Force a manager instead of detecting one (tests; a v2 root other than the host's). */
  version?: 1 | 2;
  v1?: HostView;
  v2?: V2View;
}

/**
 * v2 when /sys/fs/cgroup itself is cgroup2 (unified mode); v1 when any v1 hierarchy carries a real
 * controller (legacy and hybrid mode, where the cgroup2 mount has no controllers to offer);
 * otherwise v2 if some cgroup2 is mounted; null when there are no cgroups at all.
 */
export function detectCgroupVersion(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): 1 | 2 | null {
  const mounts = parseCgroupMounts(mountinfo);
  if (mounts.some((m) => m.fstype === 'cgroup2' && m.mountpoint === '/sys/fs/cgroup')) return 2;
  if (mounts.some((m) => m.fstype === 'cgroup' && m.controllers.some((c) => !c.startsWith('name='))))
    return 1;
  if (mounts.some((m) => m.fstype === 'cgroup2')) return 2;
  return null;
}

function cgroupsConfig(config: ContainerConfig): CgroupConfig | null {
  const c = (config as { cgroups?: CgroupConfig | null }).cgroups;
  if (!c) return null;
  const problems = checkCgroups(c);
  if (problems.length > 0) {
    throw new NsinitError(
      `invalid cgroups configuration: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      {
        code: 'ERR_NSINIT_INVALID_CONFIG',
        errors: problems,
      },
    );
  }
  return c;
}

function version(opts: CgroupOptions): 1 | 2 {
  const v = opts.version ?? detectCgroupVersion();
  if (v === null)
    throw new NsinitError('no cgroup filesystem is mounted', { code: 'ERR_NSINIT_CGROUP_CONTROLLER' });
  return v;
}

/** Create the cgroup described by `config.cgroups` and apply its limits, before the container
 *  process runs user code. Returns null when the config has no `cgroups`. Removes a stale
 *  directory of the same name whose processes are gone (crash recovery). */
export async function setupCgroups(
  config: ContainerConfig,
  pid: number,
  opts: CgroupOptions = {},
): Promise<ManagedCgroup | null> {
  const c = cgroupsConfig(config);
  if (!c) return null;
  return version(opts) === 2 ? setupV2(c, pid, opts.v2) : setupV1(c, pid, opts.v1);
}

/**
 * The record setupCgroups(config) will produce, computed without touching anything: written to
 * the trusted state BEFORE any directory exists, so a supervisor killed between its mkdir(2)s and
 * its final record still leaves a record whose stale cleanup removes them (a directory never made
 * is skipped: rmdir's ENOENT). Parents are every level, as setupCgroups records them: teardown
 * removes only the empty ones.
 */
export function plannedCgroupRecord(config: ContainerConfig, opts: CgroupOptions = {}): CgroupRecord | null {
  const c = cgroupsConfig(config);
  if (!c) return null;
  const parts = relativeParts(c.parent, c.name!);
  // Outermost first, as makeChain lists them (teardown removes them in reverse).
  const levelsOf = (leaf: string) =>
    parts
      .slice(1)
      .map((_, i) =>
        leaf
          .split('/')
          .slice(0, -(i + 1))
          .join('/'),
      )
      .reverse();
  if (version(opts) === 2) {
    const leaf = v2Path(c, opts.v2);
    return { version: 2, paths: { unified: leaf }, parents: levelsOf(leaf) };
  }
  const paths = v1LeafDirs({ controllers: v1Controllers(c), parts }, opts.v1);
  const parents = [...new Set(Object.values(paths).flatMap(levelsOf))];
  return { version: 1, paths, parents };
}

/** The cgroups a live container's PID 1 is in, so a joined process can be placed beside it. */
export function cgroupsOf(
  config: ContainerConfig,
  pid: number,
  opts: CgroupOptions = {},
): ManagedCgroup | null {
  const c = cgroupsConfig(config);
  if (!c) return null;
  return version(opts) === 2 ? v2CgroupsOf(c, pid, opts.v2) : v1CgroupsOf(c, pid, opts.v1);
}

/** What the trusted state records of a container's cgroup. */
export interface CgroupRecord {
  version: 1 | 2;
  paths: Record<string, string>;
  parents: string[];
}

export function cgroupRecord(cg: ManagedCgroup): CgroupRecord {
  return { version: cg.version, paths: { ...cg.paths }, parents: [...cg.parents] };
}

/** The recorded cgroup as a handle: never re-derived from /proc/<pid>/cgroup, which a zombie
 *  reads as `/` and a container with cgroup namespaces or CAP_SYS_ADMIN could change. */
export function cgroupFromRecord(r: CgroupRecord): ManagedCgroup {
  return r.version === 2 ? v2FromPath(r.paths.unified!, r.parents) : v1FromPaths(r.paths, r.parents);
}
