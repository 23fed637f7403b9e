// cgroup v2 manager: one unified hierarchy. Controllers are enabled top-down through each
// ancestor's cgroup.subtree_control; freezing is the core cgroup.freeze file. v2 has no devices
// files: device rules become a BPF_CGROUP_DEVICE program the addon attaches to the leaf.
// See cgroups(7), bpf(2) and the kernel's Documentation/admin-guide/cgroup-v2.rst.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DeviceFilterRule,
  type NativeBindings,
  NsinitError,
  native as realNative,
} from '@nsinit/native';
import {
  type CgroupFs,
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
import { type CgroupConfig, type CgroupWrite, v2ControllersFor, v2DeviceRules, v2Writes } from './limits.js';

export interface V2View {
  fs?: CgroupFs;
  /** The cgroup2 mount to use (default: the one found in /proc/self/mountinfo). */
  root?: string;
  /** Our own cgroup inside it (default: the "0::" line of /proc/self/cgroup). */
  self?: string;
  /** Attaches the device program (default: the addon). */
  native?: Pick<NativeBindings, 'cgroupDeviceFilter'>;
}

/** The cgroup2 mount point, preferring /sys/fs/cgroup (pure v2) over a hybrid's .../unified. */
export function findV2Root(
  mountinfo = readFileSync('/proc/self/mountinfo', 'utf8'),
): { mountpoint: string; root: string } | null {
  const mounts = parseCgroupMounts(mountinfo).filter((m) => m.fstype === 'cgroup2');
  return mounts.find((m) => m.mountpoint === '/sys/fs/cgroup') ?? mounts[0] ?? null;
}

/** The cgroup2 mount (`root`) and our own cgroup in it (`base`). */
export function v2Base(view: V2View, selfCgroup?: string): { fs: CgroupFs; base: string; root: string } {
  return base(view, selfCgroup);
}

function base(view: V2View, selfCgroup?: string): { fs: CgroupFs; base: string; root: string } {
  const fs = view.fs ?? realFs;
  let root = view.root;
  let mountRoot = '/';
  if (!root) {
    const m = findV2Root();
    if (!m)
      throw new NsinitError('no cgroup2 filesystem is mounted', { code: 'ERR_NSINIT_CGROUP_CONTROLLER' });
    root = m.mountpoint;
    mountRoot = m.root;
  }
  const own =
    view.self ??
    parseProcCgroup(selfCgroup ?? readFileSync('/proc/self/cgroup', 'utf8')).find((c) => c.id === 0)?.path ??
    '/';
  return { fs, root, base: join(root, underMount(mountRoot, own)) };
}

export function v2Path(c: CgroupConfig, view: V2View = {}): string {
  return join(base(view).base, ...relativeParts(c.parent, c.name!));
}

const words = (s: string) => s.split(/\s+/).filter(Boolean);

export class V2Cgroup implements ManagedCgroup {
  readonly version = 2 as const;
  readonly paths: Record<string, string>;
  constructor(
    readonly fs: CgroupFs,
    readonly dir: string,
    readonly parents: string[],
  ) {
    this.paths = { unified: dir };
  }

  add(pid: number): void {
    placePid(this.fs, this.dir, pid);
  }

  oomKilled(): boolean {
    try {
      return (parseFlatKeyed(this.fs.read(join(this.dir, 'memory.events'))).oom_kill ?? 0) > 0;
    } catch {
      return false; // no memory controller here: the kernel could not have OOM-killed by our limit
    }
  }

  async destroy(): Promise<void> {
    await removeChains(this.fs, [this.dir], this.parents);
  }
}

/**
 * Enable `controllers` in cgroup.subtree_control from `top` down to the leaf's parent. The kernel
 * only offers a child what its parent enabled, and refuses (EBUSY) to enable anything in a
 * non-root cgroup that has processes of its own (the "no internal processes" rule).
 */
function enableControllers(
  fs: CgroupFs,
  top: string,
  levels: string[],
  controllers: string[],
  fields: Map<string, string>,
): void {
  if (controllers.length === 0) return;
  const available = new Set(words(fs.read(join(top, 'cgroup.controllers'))));
  for (const ctrl of controllers) {
    if (!available.has(ctrl)) {
      throw new NsinitError(
        `${fields.get(ctrl)}: the ${ctrl} controller is not available in ${top} (cgroup.controllers: '${[...available].join(' ') || 'none'}')`,
        { code: 'ERR_NSINIT_CGROUP_CONTROLLER', path: join(top, 'cgroup.controllers') },
      );
    }
  }
  for (const dir of [top, ...levels]) {
    const file = join(dir, 'cgroup.subtree_control');
    const enabled = new Set(words(fs.read(file)));
    const missing = controllers.filter((c) => !enabled.has(c));
    if (missing.length === 0) continue;
    try {
      fs.write(file, missing.map((c) => `+${c}`).join(' '));
    } catch (err) {
      const e = err as Error & { code?: string; errno?: number };
      const hint =
        e.code === 'EBUSY' ? ' (cgroup v2 forbids controllers in a cgroup that has its own processes)' : '';
      throw new NsinitError(`cannot enable ${missing.join(', ')} in ${file}${hint}: ${e.message}`, {
        code: e.code ?? 'ERR_NSINIT_CGROUP',
        errno: e.errno,
        syscall: 'write',
        path: file,
        cause: err,
      });
    }
  }
}

function attachDeviceFilter(
  native: Pick<NativeBindings, 'cgroupDeviceFilter'>,
  leaf: string,
  rules: DeviceFilterRule[],
  field: string,
): void {
  try {
    native.cgroupDeviceFilter(leaf, rules);
  } catch (err) {
    const e = err as Error & { code?: string; errno?: number; syscall?: string; path?: string };
    throw new NsinitError(`${field}: cannot attach the device program to ${leaf}: ${e.message}`, {
      code: e.code ?? 'ERR_NSINIT_CGROUP',
      errno: e.errno,
      syscall: e.syscall ?? 'bpf',
      path: e.path ?? leaf,
      cause: err,
    });
  }
}

/** What to create: `parts` below `top` (our own cgroup, or the hierarchy root for an absolute
 *  OCI cgroupsPath), enabling `enable` (default: what the writes need) on the way down. */
export interface V2Layout {
  top?: string;
  parts: readonly string[];
  writes: readonly CgroupWrite[];
  enable?: readonly string[];
  devices: DeviceFilterRule[] | null;
  /** Names the device rules in an attach error. */
  devicesField: string;
  frozen?: boolean;
  /** Teardown removes only the parent levels this call created (an OCI cgroupsPath names
   *  levels an engine or kubelet owns), not every empty level. */
  createdParentsOnly?: boolean;
}

export async function setupV2(c: CgroupConfig, pid: number, view: V2View = {}): Promise<ManagedCgroup> {
  const layout = {
    parts: relativeParts(c.parent, c.name!),
    writes: v2Writes(c),
    devices: v2DeviceRules(c),
    devicesField: '/cgroups/allowed_devices',
    frozen: c.freezer === 'FROZEN',
  };
  return createV2(layout, pid, view);
}

export async function createV2(layout: V2Layout, pid: number, view: V2View = {}): Promise<V2Cgroup> {
  const { fs, base: own } = base(view);
  const top = layout.top ?? own;
  const { parts, writes, devices } = layout;
  const needed = v2ControllersFor(writes);
  const fields = new Map(writes.map((w) => [w.file.split('.')[0]!, w.field]));
  let created: string[] = [];
  let placed = false;
  try {
    const chain = makeChain(fs, top, [...parts]);
    created = chain.created;
    enableControllers(fs, top, chain.levels, needed, fields);
    const optional = (layout.enable ?? []).filter((c) => !needed.includes(c));
    if (optional.length > 0) enableControllers(fs, top, chain.levels, optional, fields);
    applyWrites(fs, writes, () => chain.leaf);
    // Attached before the pid is placed, so the process never opens a device unfiltered.
    if (devices) attachDeviceFilter(view.native ?? realNative, chain.leaf, devices, layout.devicesField);
    placePid(fs, chain.leaf, pid);
    placed = true;
    if (layout.frozen) {
      fs.write(join(chain.leaf, 'cgroup.freeze'), '1');
      const events = join(chain.leaf, 'cgroup.events');
      await pollUntil(() => parseFlatKeyed(fs.read(events)).frozen === 1, `${events} to report frozen 1`);
    }
    const parents = layout.createdParentsOnly ? created.filter((d) => d !== chain.leaf) : chain.levels;
    return new V2Cgroup(fs, chain.leaf, parents);
  } catch (err) {
    if (placed) {
      try {
        fs.write(join(top, 'cgroup.procs'), String(pid));
      } catch {
        // the caller kills the child; rmdir below then fails quietly
      }
    }
    removeQuietly(fs, created);
    throw err;
  }
}

export function v2CgroupsOf(c: CgroupConfig, pid: number, view: V2View = {}): ManagedCgroup | null {
  const { fs, base: dir } = base({ ...view, self: undefined }, readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
  const suffix = `/${relativeParts(c.parent, c.name!).join('/')}`;
  return endsWithLeaf(dir, suffix) ? new V2Cgroup(fs, dir, []) : null;
}

/** The cgroup a trusted record names (joins, stats, teardown of a stale instance). */
export function v2FromPath(dir: string, parents: string[], fs: CgroupFs = realFs): ManagedCgroup {
  return new V2Cgroup(fs, dir, [...parents]);
}
