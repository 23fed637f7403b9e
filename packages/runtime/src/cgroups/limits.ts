// The 2014 `cgroups` fields: their checks, and their mapping onto the resources model
// (resources.ts) that writes-v1.ts and writes-v2.ts turn into interface-file writes, so both
// config formats share one copy of the limit-writing logic. Error messages name the 2014 field.
// See the kernel's Documentation/admin-guide/cgroup-v1/*.rst and cgroup-v2.rst.
import type { DeviceFilterRule } from '@nsinit/native';
import type { FieldNamer, DeviceRule as ModelDeviceRule, Resources } from './resources.js';
import { v1ResourceWrites } from './writes-v1.js';
import { v2DeviceFilter, v2ResourceWrites } from './writes-v2.js';

export { sharesToWeight, v2ControllersFor } from './writes-v2.js';

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
  /** Written instead when `file` does not exist (blkio.bfq.weight vs blkio.weight). */
  fallback?: { file: string; value: string };
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

/** The model's rules: a deny-all that starts the whitelist (2014's devices.deny 'a'), then each
 *  allowed device. Absent with allow_all_devices: the devices cgroup is left as inherited. */
function deviceRules(c: CgroupConfig): ModelDeviceRule[] | undefined {
  if (c.allow_all_devices) return undefined;
  const n = (v: number | undefined) => (v !== undefined && v < 0 ? -1 : (v ?? 0));
  return [
    { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
    ...(c.allowed_devices ?? []).map((d) => ({
      allow: true,
      type: (deviceType(d.type) ?? 'a') as ModelDeviceRule['type'],
      major: n(d.major_number),
      minor: n(d.minor_number),
      access: d.cgroup_permissions || 'rwm',
    })),
  ];
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

/** The 2014 fields as the resources model (0 and absent are unset, as 2014 treated them). */
export function resourcesFrom2014(c: CgroupConfig): Resources {
  const r: Resources = {};
  const devices = deviceRules(c);
  if (devices) r.devices = devices;
  if (devices && !c.allowed_devices) r.devicesV1Only = true;
  const memsw = memswLimit(c);
  if (set(c.memory) || set(c.memory_reservation)) {
    r.memory = {};
    if (set(c.memory)) r.memory.limit = c.memory;
    if (set(c.memory_reservation)) r.memory.reservation = c.memory_reservation;
    if (memsw !== null) {
      r.memory.swap = memsw;
      if (!set(c.memory_swap)) r.memory.swapIfAccounted = true;
    }
  }
  if (set(c.cpu_shares) || set(c.cpu_quota) || set(c.cpu_period) || c.cpuset_cpus) {
    r.cpu = {};
    if (set(c.cpu_shares)) r.cpu.shares = c.cpu_shares;
    if (set(c.cpu_quota)) r.cpu.quota = c.cpu_quota;
    if (set(c.cpu_period)) r.cpu.period = c.cpu_period;
    if (c.cpuset_cpus) r.cpu.cpus = c.cpuset_cpus;
  }
  if (set(c.pids_limit)) r.pids = { limit: c.pids_limit };
  return r;
}

const FIELDS_2014: Record<string, string> = {
  'memory.limit': 'cgroups.memory',
  'memory.reservation': 'cgroups.memory_reservation',
  'memory.swap': 'cgroups.memory_swap',
  'cpu.shares': 'cgroups.cpu_shares',
  'cpu.quota': 'cgroups.cpu_quota',
  'cpu.period': 'cgroups.cpu_period',
  'cpu.cpus': 'cgroups.cpuset_cpus',
  'pids.limit': 'cgroups.pids_limit',
  'devices[0]': 'cgroups.allow_all_devices',
  devices: '/cgroups/allowed_devices',
};

/** Model paths spelled as the 2014 fields (devices[i + 1] is allowed_devices[i]). */
export const name2014: FieldNamer = (path) => {
  const known = FIELDS_2014[path];
  if (known) return known;
  const dev = /^devices\[(\d+)\]$/.exec(path);
  return dev ? `cgroups.allowed_devices[${Number(dev[1]) - 1}]` : `cgroups.${path}`;
};

/** v1 writes, in an order the kernel accepts (memory before memsw, period before quota). */
export const v1Writes = (c: CgroupConfig): CgroupWrite[] => v1ResourceWrites(resourcesFrom2014(c), name2014);

/** v2 writes. memory.swap.max counts swap alone, so the memsw limit becomes memsw − memory. */
export const v2Writes = (c: CgroupConfig): CgroupWrite[] => v2ResourceWrites(resourcesFrom2014(c), name2014);

/** The v2 device program's rules: every device no rule names is denied. Null when every device
 *  is allowed. */
export const v2DeviceRules = (c: CgroupConfig): DeviceFilterRule[] | null =>
  v2DeviceFilter(resourcesFrom2014(c));
