// cgroup v1 manager: one hierarchy per controller (/sys/fs/cgroup/<controller>). The container's
// directory is <mount>/<our own cgroup>/<parent>/<name>, relative to the nsinit process's cgroup
// (2014 used PID 1's), so nested and delegated runs stay inside what they were given.
// See cgroups(7) and the kernel's Documentation/admin-guide/cgroup-v1/{cgroups,memory,cpusets}.rst.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NsinitError } from '@nsinit/native';
import {
  type CgroupFs,
  type CgroupMount,
  parseCgroupMounts,
  parseFlatKeyed,
  parseProcCgroup,
  realFs,
  underMount,
} from './cgroupfs.js';
import {
  applyWrites,
  endsWithLeaf,
  type ManagedCgroup,
  makeChain,
  placePid,
  pollUntil,
  relativeParts,
  removeChains,
  removeQuietly,
} from './handle.js';
import { type CgroupConfig, type CgroupWrite, v1Controllers, v1Writes } from './limits.js';

export interface HostView {
  fs?: CgroupFs;
  /** Contents of /proc/self/mountinfo (tests pass their own). */
  mountinfo?: string;
  /** Contents of /proc/self/cgroup: the cgroup the container is created under. */
  selfCgroup?: string;
}

interface Resolved {
  fs: CgroupFs;
  mounts: CgroupMount[];
  self: ReturnType<typeof parseProcCgroup>;
}

function resolve(view: HostView): Resolved {
  return {
    fs: view.fs ?? realFs,
    mounts: parseCgroupMounts(view.mountinfo ?? readFileSync('/proc/self/mountinfo', 'utf8')),
    self: parseProcCgroup(view.selfCgroup ?? readFileSync('/proc/self/cgroup', 'utf8')),
  };
}

/** Controller → our own cgroup directory in its hierarchy (null when the controller is not mounted). */
function baseDir(r: Resolved, controller: string): string | null {
  const mount = r.mounts.find((m) => m.fstype === 'cgroup' && m.controllers.includes(controller));
  if (!mount) return null;
  const own = r.self.find((c) => c.controllers.includes(controller))?.path ?? '/';
  return join(mount.mountpoint, underMount(mount.root, own));
}

/** The per-controller directories `config` maps to, without touching anything. */
export function v1Paths(c: CgroupConfig, view: HostView = {}): Record<string, string> {
  const r = resolve(view);
  const parts = relativeParts(c.parent, c.name!);
  const out: Record<string, string> = {};
  for (const ctrl of v1Controllers(c)) {
    const base = baseDir(r, ctrl);
    if (base) out[ctrl] = join(base, ...parts);
  }
  return out;
}

/** cpuset.cpus and cpuset.mems start empty in a new v1 cpuset, and a task cannot join a cpuset
 *  with no cpus or mems: copy them down from the parent (what 2014 and cgroup.clone_children do). */
function inheritCpuset(fs: CgroupFs, dir: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if (fs.read(join(dir, file)).trim() === '')
      fs.write(join(dir, file), fs.read(join(dir, '..', file)).trim());
  }
}

export class V1Cgroup implements ManagedCgroup {
  readonly version = 1 as const;
  constructor(
    readonly fs: CgroupFs,
    readonly paths: Record<string, string>,
    readonly parents: string[],
  ) {}

  /** Distinct directories (co-mounted controllers such as cpu,cpuacct share one). */
  get dirs(): string[] {
    return [...new Set(Object.values(this.paths))];
  }

  add(pid: number): void {
    for (const dir of this.dirs) placePid(this.fs, dir, pid);
  }

  oomKilled(): boolean {
    const dir = this.paths.memory;
    if (!dir) return false;
    try {
      return (parseFlatKeyed(this.fs.read(join(dir, 'memory.oom_control'))).oom_kill ?? 0) > 0;
    } catch {
      return false;
    }
  }

  async destroy(): Promise<void> {
    await removeChains(this.fs, this.dirs, this.parents);
  }
}

/** What to create: `parts` below our own cgroup in each hierarchy, or below each hierarchy's root
 *  when `absolute` (an OCI cgroupsPath starting with '/'). */
export interface V1Layout {
  controllers: readonly string[];
  parts: readonly string[];
  absolute?: boolean;
  writes: readonly CgroupWrite[];
  frozen?: boolean;
  /** Teardown removes only the parent levels this call created (an OCI cgroupsPath names
   *  levels an engine or kubelet owns), not every empty level. */
  createdParentsOnly?: boolean;
}

/** The mount point of `controller`'s hierarchy (its root as this process sees it). */
function rootDir(r: Resolved, controller: string): string | null {
  return (
    r.mounts.find((m) => m.fstype === 'cgroup' && m.controllers.includes(controller))?.mountpoint ?? null
  );
}

/** Controller → the leaf directory createV1(layout) makes for it, without touching anything. */
export function v1LeafDirs(
  layout: Pick<V1Layout, 'controllers' | 'parts' | 'absolute'>,
  view: HostView = {},
): Record<string, string> {
  const r = resolve(view);
  const out: Record<string, string> = {};
  for (const ctrl of layout.controllers) {
    const base = layout.absolute ? rootDir(r, ctrl) : baseDir(r, ctrl);
    if (base) out[ctrl] = join(base, ...layout.parts);
  }
  return out;
}

/** Create, limit and join. On failure the pid is moved back and every directory made is removed. */
export async function setupV1(c: CgroupConfig, pid: number, view: HostView = {}): Promise<ManagedCgroup> {
  const layout = {
    controllers: v1Controllers(c),
    parts: relativeParts(c.parent, c.name!),
    writes: v1Writes(c),
  };
  return createV1({ ...layout, frozen: c.freezer === 'FROZEN' }, pid, view);
}

export async function createV1(layout: V1Layout, pid: number, view: HostView = {}): Promise<V1Cgroup> {
  const r = resolve(view);
  const fs = r.fs;
  const { writes, parts } = layout;
  const paths: Record<string, string> = {};
  const byBase = new Map<string, string[]>();
  for (const ctrl of layout.controllers) {
    const base = layout.absolute ? rootDir(r, ctrl) : baseDir(r, ctrl);
    if (!base) {
      const field = writes.find((w) => w.controller === ctrl)?.field;
      if (field) {
        throw new NsinitError(`${field}: the ${ctrl} cgroup controller is not mounted`, {
          code: 'ERR_NSINIT_CGROUP_CONTROLLER',
        });
      }
      continue;
    }
    byBase.set(base, [...(byBase.get(base) ?? []), ctrl]);
  }
  const created: string[] = [];
  const levels: string[] = [];
  const leaves: string[] = [];
  const placed: string[] = [];
  try {
    for (const [base, ctrls] of byBase) {
      const cpuset = ctrls.includes('cpuset');
      const chain = makeChain(fs, base, [...parts], cpuset ? (d) => inheritCpuset(fs, d) : undefined);
      created.push(...chain.created);
      levels.push(...chain.levels);
      leaves.push(chain.leaf);
      for (const ctrl of ctrls) paths[ctrl] = chain.leaf;
    }
    applyWrites(fs, writes, (w) => paths[w.controller]!);
    // Limits first, then the pid: the child is still blocked before GO, so it never runs unlimited.
    for (const leaf of leaves) {
      placePid(fs, leaf, pid);
      placed.push(leaf);
    }
    if (layout.frozen && paths.freezer) {
      const state = join(paths.freezer, 'freezer.state');
      fs.write(state, 'FROZEN');
      await pollUntil(() => fs.read(state).trim() === 'FROZEN', `${state} to read FROZEN`);
    }
  } catch (err) {
    // Move the child back where it came from so the directories can be removed.
    for (const leaf of placed) {
      try {
        fs.write(join(leaf, ...parts.map(() => '..'), 'cgroup.procs'), String(pid));
      } catch {
        // the child is killed by the caller anyway; rmdir below then fails quietly
      }
    }
    removeQuietly(fs, created);
    throw err;
  }
  const leafSet = new Set(leaves);
  const parents = layout.createdParentsOnly ? created.filter((d) => !leafSet.has(d)) : levels;
  return new V1Cgroup(fs, paths, parents);
}

/** The cgroup a trusted record names (joins, stats, teardown of a stale instance). */
export function v1FromPaths(
  paths: Record<string, string>,
  parents: string[],
  fs: CgroupFs = realFs,
): ManagedCgroup {
  return new V1Cgroup(fs, { ...paths }, [...parents]);
}

/** The container cgroups a live pid is in: per controller, its directory when that ends in
 *  <parent>/<name>; null if it is in none (started without cgroups, or not by us). */
export function v1CgroupsOf(c: CgroupConfig, pid: number, view: HostView = {}): ManagedCgroup | null {
  const r = resolve({ ...view, selfCgroup: view.selfCgroup ?? readFileSync(`/proc/${pid}/cgroup`, 'utf8') });
  const suffix = `/${relativeParts(c.parent, c.name!).join('/')}`;
  const paths: Record<string, string> = {};
  for (const ctrl of v1Controllers(c)) {
    const base = baseDir(r, ctrl);
    if (base !== null && endsWithLeaf(base, suffix)) paths[ctrl] = base;
  }
  return Object.keys(paths).length === 0 ? null : new V1Cgroup(r.fs, paths, []);
}
