// The 2014 `cgroups` fields mapped to interface files of both hierarchies: v1 per-controller files
// (memory.limit_in_bytes, cpu.cfs_quota_us, devices.allow, ...) and v2 unified files (memory.max,
// cpu.max, cpu.weight, pids.max). Pure: the managers write what these functions return, in order.
// See the kernel's Documentation/admin-guide/cgroup-v1/*.rst and cgroup-v2.rst.
import type { DeviceFilterRule } from '@nsinit/native';

/** A device rule as container.json spells it (`cgroups.allowed_devices[]`). */
export interface DeviceRule {
  type: number;
  path?: string;
  major_number?: number;
  minor_number?: number;
  cgroup_permissions?: string;
}

/** The parts of `cgroups` the managers read. */
export interface CgroupConfig {
  name?: string;
  parent?: string;
  allow_all_devices?: boolean;
  allowed_devices?: readonly DeviceRule[] | null;
  memory?: number;
  memory_reservation?: number;
  memory_swap?: number;
  cpu_shares?: number;
  cpu_quota?: number;
  cpu_period?: number;
  cpuset_cpus?: string;
  freezer?: string;
  pids_limit?: number;
}

export interface CgroupWrite {
  /** v1 controller name, or 'unified' on v2. */
  controller: string;
  file: string;
  value: string;
  /** The config field it comes from, for error messages. */
  field: string;
  /** Skip silently when the file does not exist (a derived value, e.g. swap when accounting is off). */
  optional?: boolean;
}

export interface ConfigProblem {
  path: string;
  message: string;
}

const set = (n: number | undefined): n is number => n !== undefined && n > 0;

/** Problems the kernel would report less clearly (or not at all). */
export function checkCgroups(c: CgroupConfig): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (!c.name) out.push({ path: 'cgroups.name', message: 'is required when cgroups is set' });
  else if (c.name.includes('/') || c.name === '.' || c.name === '..') {
    out.push({ path: 'cgroups.name', message: `'${c.name}' must be a single path component` });
  }
  if (c.parent?.split('/').some((p) => p === '..' || p === '.')) {
    out.push({ path: 'cgroups.parent', message: `'${c.parent}' must not contain '.' or '..' components` });
  }
  if (set(c.memory_swap) && set(c.memory) && c.memory_swap < c.memory) {
    out.push({
      path: 'cgroups.memory_swap',
      message: `${c.memory_swap} is below memory (${c.memory}); it limits memory plus swap`,
    });
  }
  if (set(c.memory_swap) && !set(c.memory)) {
    out.push({ path: 'cgroups.memory_swap', message: 'needs cgroups.memory to be set' });
  }
  if (set(c.cpu_period) && c.cpu_period < 1000) {
    out.push({
      path: 'cgroups.cpu_period',
      message: `${c.cpu_period} is below the kernel's minimum of 1000`,
    });
  }
  if (set(c.cpu_quota) && c.cpu_quota < 1000) {
    out.push({ path: 'cgroups.cpu_quota', message: `${c.cpu_quota} is below the kernel's minimum of 1000` });
  }
  if (c.freezer && c.freezer !== 'FROZEN' && c.freezer !== 'THAWED') {
    out.push({ path: 'cgroups.freezer', message: `'${c.freezer}' is not FROZEN or THAWED` });
  }
  (c.allowed_devices ?? []).forEach((d, i) => {
    if (!deviceType(d.type)) {
      out.push({
        path: `cgroups.allowed_devices[${i}].type`,
        message: `${d.type} is not 99 (c), 98 (b) or 97 (a)`,
      });
    }
  });
  return out;
}

function deviceType(t: number): string | undefined {
  return ({ 97: 'a', 98: 'b', 99: 'c' } as Record<number, string>)[t];
}

// An omitted number is Go's zero value (0), as in 2014; only -1 is the wildcard.
const num = (n: number | undefined) => (n !== undefined && n < 0 ? '*' : String(n ?? 0));

/** "c 1:3 rwm" (v1 devices.allow syntax; -1 is the wildcard *). An empty permission means rwm. */
export function deviceRule(d: DeviceRule): string {
  return `${deviceType(d.type) ?? 'a'} ${num(d.major_number)}:${num(d.minor_number)} ${d.cgroup_permissions || 'rwm'}`;
}

/** The v2 device program's rules: 2014's devices.deny 'a' followed by each allowed device, so a
 *  device no rule names is denied. Null when every device is allowed or no list is given. */
export function v2DeviceRules(c: CgroupConfig): DeviceFilterRule[] | null {
  if (c.allow_all_devices || !c.allowed_devices) return null;
  const n = (v: number | undefined) => (v !== undefined && v < 0 ? -1 : (v ?? 0));
  return c.allowed_devices.map((d) => ({
    type: (deviceType(d.type) ?? 'a') as DeviceFilterRule['type'],
    major: n(d.major_number),
    minor: n(d.minor_number),
    access: d.cgroup_permissions || 'rwm',
    allow: true,
  }));
}

/** Controllers a v1 container joins; cpuset only when cpuset_cpus is set (as 2014: joining it
 *  needs cpus and mems copied down first). */
export function v1Controllers(c: CgroupConfig): string[] {
  const base = ['devices', 'memory', 'cpu', 'cpuacct', 'blkio', 'freezer', 'pids'];
  return c.cpuset_cpus ? [...base, 'cpuset'] : base;
}

/**
 * The effective memory+swap limit. 2014's fs driver always wrote 2×memory and never the field;
 * we honour memory_swap: > 0 is the memsw limit, -1 leaves swap unlimited, and 0 (absent) keeps
 * the 2014 result (2×memory) so the sample behaves as it did.
 */
export function memswLimit(c: CgroupConfig): number | null {
  if (!set(c.memory) || c.memory_swap === -1) return null;
  return set(c.memory_swap) ? c.memory_swap : 2 * c.memory;
}

/** v1 writes, in an order the kernel accepts (memory before memsw, period before quota). */
export function v1Writes(c: CgroupConfig): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  if (!c.allow_all_devices) {
    // Deny first, then allow: the whitelist starts from "nothing" whatever the parent allowed.
    w.push({ controller: 'devices', file: 'devices.deny', value: 'a', field: 'cgroups.allow_all_devices' });
    for (const [i, d] of (c.allowed_devices ?? []).entries()) {
      w.push({
        controller: 'devices',
        file: 'devices.allow',
        value: deviceRule(d),
        field: `cgroups.allowed_devices[${i}]`,
      });
    }
  }
  if (set(c.memory))
    w.push({
      controller: 'memory',
      file: 'memory.limit_in_bytes',
      value: String(c.memory),
      field: 'cgroups.memory',
    });
  if (set(c.memory_reservation)) {
    w.push({
      controller: 'memory',
      file: 'memory.soft_limit_in_bytes',
      value: String(c.memory_reservation),
      field: 'cgroups.memory_reservation',
    });
  }
  const memsw = memswLimit(c);
  if (memsw !== null) {
    w.push({
      controller: 'memory',
      file: 'memory.memsw.limit_in_bytes',
      value: String(memsw),
      field: 'cgroups.memory_swap',
      optional: !set(c.memory_swap),
    });
  }
  if (set(c.cpu_shares))
    w.push({
      controller: 'cpu',
      file: 'cpu.shares',
      value: String(c.cpu_shares),
      field: 'cgroups.cpu_shares',
    });
  if (set(c.cpu_period))
    w.push({
      controller: 'cpu',
      file: 'cpu.cfs_period_us',
      value: String(c.cpu_period),
      field: 'cgroups.cpu_period',
    });
  if (set(c.cpu_quota))
    w.push({
      controller: 'cpu',
      file: 'cpu.cfs_quota_us',
      value: String(c.cpu_quota),
      field: 'cgroups.cpu_quota',
    });
  if (c.cpuset_cpus)
    w.push({ controller: 'cpuset', file: 'cpuset.cpus', value: c.cpuset_cpus, field: 'cgroups.cpuset_cpus' });
  if (set(c.pids_limit))
    w.push({
      controller: 'pids',
      file: 'pids.max',
      value: String(c.pids_limit),
      field: 'cgroups.pids_limit',
    });
  return w;
}

/** cpu.shares (2..262144, default 1024) to cpu.weight (1..10000, default 100), the mapping runc,
 *  crun and systemd share, so 1024 shares become weight 39 and the ends of the ranges line up. */
export function sharesToWeight(shares: number): number {
  const s = Math.min(Math.max(shares, 2), 262144);
  return 1 + Math.floor(((s - 2) * 9999) / 262142);
}

/** v2 writes. memory.swap.max counts swap alone, so the memsw limit becomes memsw − memory. */
export function v2Writes(c: CgroupConfig): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  const u = 'unified';
  if (set(c.memory))
    w.push({ controller: u, file: 'memory.max', value: String(c.memory), field: 'cgroups.memory' });
  if (set(c.memory_reservation)) {
    w.push({
      controller: u,
      file: 'memory.low',
      value: String(c.memory_reservation),
      field: 'cgroups.memory_reservation',
    });
  }
  const memsw = memswLimit(c);
  if (memsw !== null) {
    w.push({
      controller: u,
      file: 'memory.swap.max',
      value: String(memsw - c.memory!),
      field: 'cgroups.memory_swap',
      optional: !set(c.memory_swap),
    });
  }
  if (set(c.cpu_shares))
    w.push({
      controller: u,
      file: 'cpu.weight',
      value: String(sharesToWeight(c.cpu_shares)),
      field: 'cgroups.cpu_shares',
    });
  if (set(c.cpu_quota) || set(c.cpu_period)) {
    const quota = set(c.cpu_quota) ? String(c.cpu_quota) : 'max';
    const field = set(c.cpu_quota) ? 'cgroups.cpu_quota' : 'cgroups.cpu_period';
    w.push({
      controller: u,
      file: 'cpu.max',
      value: `${quota} ${set(c.cpu_period) ? c.cpu_period : 100000}`,
      field,
    });
  }
  if (c.cpuset_cpus)
    w.push({ controller: u, file: 'cpuset.cpus', value: c.cpuset_cpus, field: 'cgroups.cpuset_cpus' });
  if (set(c.pids_limit))
    w.push({ controller: u, file: 'pids.max', value: String(c.pids_limit), field: 'cgroups.pids_limit' });
  return w;
}

/** v2 controllers that must be enabled in every ancestor's cgroup.subtree_control for `writes`. */
export function v2ControllersFor(writes: readonly CgroupWrite[]): string[] {
  return [...new Set(writes.map((w) => w.file.split('.')[0]!))];
}
