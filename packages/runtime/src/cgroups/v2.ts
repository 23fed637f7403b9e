// cgroup v2 manager: one unified hierarchy. Controllers are enabled top-down through each
// ancestor's cgroup.subtree_control; freezing is the core cgroup.freeze file. v2 has no devices
// files: device rules become a BPF_CGROUP_DEVICE program the addon attaches to the leaf.
// See cgroups(7), bpf(2) and the kernel's Documentation/admin-guide/cgroup-v2.rst.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type NativeBindings, NsinitError, native as realNative } from '@nsinit/native';
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
  makeChain,
  type ManagedCgroup,
  placePid,
  pollUntil,
  relativeParts,
  removeChains,
  removeQuietly,
} from './handle.js';
import { type CgroupConfig, v2ControllersFor, v2DeviceRules, v2Writes } from './limits.js';

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

class V2Cgroup implements ManagedCgroup {
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
  rules: NonNullable<ReturnType<typeof v2DeviceRules>>,
): void {
  try {
    native.cgroupDeviceFilter(leaf, rules);
  } catch (err) {
    const e = err as Error & { code?: string; errno?: number; syscall?: string; path?: string };
    throw new NsinitError(
      `/cgroups/allowed_devices: cannot attach the device program to ${leaf}: ${e.message}`,
      {
        code: e.code ?? 'ERR_NSINIT_CGROUP',
        errno: e.errno,
        syscall: e.syscall ?? 'bpf',
        path: e.path ?? leaf,
        cause: err,
      },
    );
  }
}

export async function setupV2(c: CgroupConfig, pid: number, view: V2View = {}): Promise<ManagedCgroup> {
  const { fs, base: top } = base(view);
  const parts = relativeParts(c.parent, c.name!);
  const writes = v2Writes(c);
  const controllers = v2ControllersFor(writes);
  const fields = new Map(writes.map((w) => [w.file.split('.')[0]!, w.field]));
  const devices = v2DeviceRules(c);
  let created: string[] = [];
  let placed = false;
  try {
    const chain = makeChain(fs, top, parts);
    created = chain.created;
    enableControllers(fs, top, chain.levels, controllers, fields);
    applyWrites(fs, writes, () => chain.leaf);
    // Attached before the pid is placed, so the process never opens a device unfiltered.
    if (devices) attachDeviceFilter(view.native ?? realNative, chain.leaf, devices);
    placePid(fs, chain.leaf, pid);
    placed = true;
    if (c.freezer === 'FROZEN') {
      fs.write(join(chain.leaf, 'cgroup.freeze'), '1');
      const events = join(chain.leaf, 'cgroup.events');
      await pollUntil(() => parseFlatKeyed(fs.read(events)).frozen === 1, `${events} to report frozen 1`);
    }
    return new V2Cgroup(fs, chain.leaf, chain.levels);
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
  return dir.endsWith(suffix) ? new V2Cgroup(fs, dir, []) : null;
}

/** The cgroup a trusted record names (joins, stats, teardown of a stale instance). */
export function v2FromPath(dir: string, parents: string[], fs: CgroupFs = realFs): ManagedCgroup {
  return new V2Cgroup(fs, dir, [...parents]);
}
