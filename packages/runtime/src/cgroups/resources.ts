// The one resources model both config formats map onto and both cgroup writers read: the OCI
// runtime-spec's LinuxResources, normalized (0 and "" mean unset, -1 means unlimited, device
// rules resolved to type/major/minor). See the runtime-spec config-linux document ("Control groups").
import type { ConfigProblem } from './limits.js';

/** One devices-cgroup rule; later rules override earlier ones, as successive devices.allow/deny writes. */
export interface DeviceRule {
  allow: boolean;
  type: 'a' | 'b' | 'c';
  /** -1 is any. */
  major: number;
  minor: number;
  /** Some of r, w, m. */
  access: string;
}

export interface ThrottleDevice {
  major: number;
  minor: number;
  rate: number;
}

export interface WeightDevice {
  major: number;
  minor: number;
  weight?: number;
  leafWeight?: number;
}

export interface MemoryResources {
  /** Bytes; -1 unlimited. */
  limit?: number;
  reservation?: number;
  /** Memory plus swap (the v1 memsw meaning), bytes; -1 unlimited. */
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  /** 2014's derived 2×memory swap: skipped quietly where swap accounting is off. */
  swapIfAccounted?: boolean;
}

export interface CpuResources {
  shares?: number;
  /** Microseconds per period; -1 unlimited. */
  quota?: number;
  period?: number;
  burst?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}

export interface BlockIoResources {
  weight?: number;
  leafWeight?: number;
  weightDevice?: WeightDevice[];
  throttleReadBpsDevice?: ThrottleDevice[];
  throttleWriteBpsDevice?: ThrottleDevice[];
  throttleReadIOPSDevice?: ThrottleDevice[];
  throttleWriteIOPSDevice?: ThrottleDevice[];
}

export interface Resources {
  memory?: MemoryResources;
  cpu?: CpuResources;
  /** -1 unlimited. */
  pids?: { limit: number };
  blockIO?: BlockIoResources;
  hugepageLimits?: { pageSize: string; limit: number }[];
  network?: { classID?: number; priorities?: { name: string; priority: number }[] };
  /** Absent: the devices cgroup is left as inherited. */
  devices?: DeviceRule[];
  /** 2014 compatibility: `allow_all_devices: false` with no list writes v1's devices.deny 'a' but
   *  attaches no v2 program, as the v2 manager always did. */
  devicesV1Only?: boolean;
  /** cgroup v2 only: interface file name → value. */
  unified?: Record<string, string>;
}

/** How a model path (`memory.limit`, `devices[2]`, `unified["memory.high"]`) is spelled in the
 *  user's input, so an error names the field they wrote. */
export type FieldNamer = (path: string) => string;

export const ociField: FieldNamer = (path) => `linux.resources.${path}`;

/** The same field as a JSON pointer into config.json (`/linux/resources/memory/limit`), as the
 *  rest of the OCI validation names fields; a unified key is one pointer token (`~1` for '/'). */
export const ociPointer: FieldNamer = (path) => {
  const tokens: string[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]|\["([^"]*)"\]/g)) tokens.push(m[1] ?? m[2] ?? m[3]!);
  return `/linux/resources/${tokens.map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
};

/** The throttle lists in the order runc writes them, with their v1 file and v2 io.max key. */
export const THROTTLES = [
  ['throttleReadBpsDevice', 'read_bps_device', 'rbps'],
  ['throttleWriteBpsDevice', 'write_bps_device', 'wbps'],
  ['throttleReadIOPSDevice', 'read_iops_device', 'riops'],
  ['throttleWriteIOPSDevice', 'write_iops_device', 'wiops'],
] as const;

/** Hugepage sizes as the kernel names the hugetlb files: "2MB", "1GB", "64KB". */
export const PAGE_SIZE = /^[1-9]\d*[KMG]B$/;

/** unified keys are single file names "<controller>.<knob>"; the structural core files are ours. */
const MANAGED = new Set(['cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control', 'cgroup.type']);

export function unifiedKeyProblem(key: string): string | null {
  if (!/^[a-z][a-z0-9_]*\.[A-Za-z0-9_.]+$/.test(key) || key.includes('..')) {
    return `'${key}' is not a cgroup interface file name (<controller>.<name>, no '/' or '..')`;
  }
  if (MANAGED.has(key)) return `'${key}' is managed by the runtime and cannot be set`;
  return null;
}

/** Problems the kernel would report less clearly, or only after other limits were written. */
export function checkResources(r: Resources, name: FieldNamer = ociField): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const bad = (path: string, message: string) => out.push({ path: name(path), message });
  const m = r.memory ?? {};
  if (m.swap !== undefined && m.swap > 0 && m.limit !== undefined) {
    if (m.limit === -1) bad('memory.swap', 'cannot limit swap while memory is unlimited (limit -1)');
    else if (m.swap < m.limit)
      bad('memory.swap', `${m.swap} is below memory.limit (${m.limit}); it limits memory plus swap`);
  }
  if (m.swappiness !== undefined && (m.swappiness < 0 || m.swappiness > 100)) {
    bad('memory.swappiness', `${m.swappiness} is not between 0 and 100`);
  }
  const c = r.cpu ?? {};
  if (c.period !== undefined && (c.period < 1000 || c.period > 1_000_000)) {
    bad('cpu.period', `${c.period} is outside the kernel's range 1000..1000000`);
  }
  if (c.quota !== undefined && c.quota !== -1 && c.quota < 1000) {
    bad('cpu.quota', `${c.quota} is below the kernel's minimum of 1000 (-1 is unlimited)`);
  }
  if (c.shares !== undefined && (c.shares < 2 || c.shares > 262144)) {
    bad('cpu.shares', `${c.shares} is outside the kernel's range 2..262144`);
  }
  for (const key of ['cpus', 'mems'] as const) {
    const v = c[key];
    if (v !== undefined && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(v)) {
      bad(`cpu.${key}`, `'${v}' is not a list like "0-3,5"`);
    }
  }
  if (c.idle !== undefined && c.idle !== 0 && c.idle !== 1) bad('cpu.idle', `${c.idle} is not 0 or 1`);
  const b = r.blockIO ?? {};
  for (const key of ['weight', 'leafWeight'] as const) {
    const v = b[key];
    if (v !== undefined && (v < 10 || v > 1000)) bad(`blockIO.${key}`, `${v} is outside 10..1000`);
  }
  (b.weightDevice ?? []).forEach((d, i) => {
    for (const key of ['weight', 'leafWeight'] as const) {
      const v = d[key];
      if (v !== undefined && (v < 10 || v > 1000)) {
        bad(`blockIO.weightDevice[${i}].${key}`, `${v} is outside 10..1000`);
      }
    }
  });
  (r.hugepageLimits ?? []).forEach((h, i) => {
    if (!PAGE_SIZE.test(h.pageSize)) {
      bad(`hugepageLimits[${i}].pageSize`, `'${h.pageSize}' is not a size like "2MB" or "1GB"`);
    }
  });
  (r.network?.priorities ?? []).forEach((p, i) => {
    if (!/^[^\s/]{1,15}$/.test(p.name)) {
      bad(`network.priorities[${i}].name`, `'${p.name}' is not an interface name`);
    }
  });
  for (const key of Object.keys(r.unified ?? {})) {
    const problem = unifiedKeyProblem(key);
    if (problem) bad(`unified["${key}"]`, problem);
    else if (/[\n\0]/.test(r.unified![key]!)) bad(`unified["${key}"]`, 'the value contains a newline or NUL');
  }
  return out;
}
