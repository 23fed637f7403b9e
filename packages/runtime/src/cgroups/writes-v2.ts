// The resources model as cgroup v2 unified-hierarchy writes (memory.max/low/swap.max, cpu.weight,
// cpu.max, cpuset.*, pids.max, io.weight/io.max, hugetlb.<size>.max, then `unified` verbatim), the
// device rules for the BPF program, and the v1-only fields v2 refuses. Pure, like writes-v1.ts.
// See the kernel's Documentation/admin-guide/cgroup-v2.rst.
import type { DeviceFilterRule } from '@nsinit/native';
import type { CgroupWrite, ConfigProblem } from './limits.js';
import { type FieldNamer, ociField, type Resources, THROTTLES } from './resources.js';

/** cpu.shares (2..262144, default 1024) to cpu.weight (1..10000, default 100), the mapping runc,
 *  crun and systemd share, so 1024 shares become weight 39 and the ends of the ranges line up. */
export function sharesToWeight(shares: number): number {
  const s = Math.min(Math.max(shares, 2), 262144);
  return 1 + Math.floor(((s - 2) * 9999) / 262142);
}

/** blkio weight (10..1000) to io.weight (1..10000), runc's linear mapping. */
export function blkioToIoWeight(weight: number): number {
  const w = Math.min(Math.max(weight, 10), 1000);
  return 1 + Math.floor(((w - 10) * 9999) / 990);
}

const max = (n: number) => (n < 0 ? 'max' : String(n));

/** Fields with no v2 interface file, refused before anything is created or written (runc drops
 *  some of them silently; a limit that is asked for and not applied is worse than an error). */
export function v2Unsupported(r: Resources, name: FieldNamer = ociField): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const no = (path: string, why: string) => out.push({ path: name(path), message: why });
  const m = r.memory ?? {};
  if (m.kernel !== undefined) no('memory.kernel', 'cgroup v2 has no kernel memory limit');
  if (m.kernelTCP !== undefined) no('memory.kernelTCP', 'cgroup v2 has no kernel TCP memory limit');
  if (m.swappiness !== undefined) no('memory.swappiness', 'cgroup v2 has no per-cgroup swappiness');
  if (m.disableOOMKiller === true) {
    no('memory.disableOOMKiller', 'cgroup v2 cannot disable the OOM killer (set memory.high instead)');
  }
  if (m.swap !== undefined && m.swap > 0 && (m.limit === undefined || m.limit < 0)) {
    no('memory.swap', 'needs memory.limit: cgroup v2 limits swap alone (memory.swap.max = swap - limit)');
  }
  if (r.cpu?.realtimeRuntime !== undefined || r.cpu?.realtimePeriod !== undefined) {
    const key = r.cpu.realtimeRuntime !== undefined ? 'realtimeRuntime' : 'realtimePeriod';
    no(`cpu.${key}`, 'cgroup v2 has no realtime scheduling budget');
  }
  if (r.blockIO?.leafWeight !== undefined) no('blockIO.leafWeight', 'cgroup v2 has no leaf weight');
  r.blockIO?.weightDevice?.forEach((d, i) => {
    if (d.leafWeight !== undefined)
      no(`blockIO.weightDevice[${i}].leafWeight`, 'cgroup v2 has no leaf weight');
  });
  if (r.network?.classID !== undefined) no('network.classID', 'cgroup v2 has no net_cls controller');
  if (r.network?.priorities?.length) no('network.priorities', 'cgroup v2 has no net_prio controller');
  return out;
}

/** What an interface file holds now (null: unknown), for updates that change part of a file. */
export type CurrentText = (file: string) => string | null;

function memoryWrites(r: Resources, name: FieldNamer): CgroupWrite[] {
  const m = r.memory;
  if (!m) return [];
  const u = 'unified';
  const w: CgroupWrite[] = [];
  if (m.limit !== undefined) {
    w.push({ controller: u, file: 'memory.max', value: max(m.limit), field: name('memory.limit') });
  }
  if (m.reservation !== undefined) {
    w.push({
      controller: u,
      file: 'memory.low',
      value: max(m.reservation),
      field: name('memory.reservation'),
    });
  }
  // v1's memsw counts memory plus swap; memory.swap.max counts swap alone. An unlimited memory
  // with no swap given means both unlimited, as with v1's memsw.
  let swap: string | null = null;
  if (m.swap === -1 || (m.limit === -1 && m.swap === undefined)) swap = 'max';
  else if (m.swap !== undefined && m.limit !== undefined && m.limit >= 0) swap = String(m.swap - m.limit);
  if (swap !== null) {
    w.push({
      controller: u,
      file: 'memory.swap.max',
      value: swap,
      field: name(m.swap !== undefined ? 'memory.swap' : 'memory.limit'),
      optional: m.swapIfAccounted === true || m.swap === undefined,
    });
  }
  return w;
}

function cpuWrites(r: Resources, name: FieldNamer, current?: CurrentText): CgroupWrite[] {
  const p = r.cpu;
  if (!p) return [];
  const u = 'unified';
  const w: CgroupWrite[] = [];
  if (p.shares !== undefined) {
    w.push({
      controller: u,
      file: 'cpu.weight',
      value: String(sharesToWeight(p.shares)),
      field: name('cpu.shares'),
    });
  }
  if (p.quota !== undefined || p.period !== undefined) {
    // cpu.max is "quota period" in one file: a change to one keeps the other as it is.
    const now = (current?.('cpu.max') ?? '').trim().split(/\s+/);
    const quota = p.quota !== undefined ? max(p.quota) : (now[0] ?? 'max');
    const period = p.period ?? (/^\d+$/.test(now[1] ?? '') ? Number(now[1]) : 100000);
    w.push({
      controller: u,
      file: 'cpu.max',
      value: `${quota || 'max'} ${period}`,
      field: name(p.quota !== undefined ? 'cpu.quota' : 'cpu.period'),
    });
  }
  if (p.burst !== undefined) {
    w.push({ controller: u, file: 'cpu.max.burst', value: String(p.burst), field: name('cpu.burst') });
  }
  if (p.idle !== undefined)
    w.push({ controller: u, file: 'cpu.idle', value: String(p.idle), field: name('cpu.idle') });
  if (p.cpus !== undefined)
    w.push({ controller: u, file: 'cpuset.cpus', value: p.cpus, field: name('cpu.cpus') });
  if (p.mems !== undefined)
    w.push({ controller: u, file: 'cpuset.mems', value: p.mems, field: name('cpu.mems') });
  return w;
}

function ioWrites(r: Resources, name: FieldNamer): CgroupWrite[] {
  const b = r.blockIO;
  if (!b) return [];
  const u = 'unified';
  const w: CgroupWrite[] = [];
  // BFQ takes the blkio range itself; without it io.weight (1..10000) gets the converted value.
  if (b.weight !== undefined) {
    w.push({
      controller: u,
      file: 'io.bfq.weight',
      value: String(b.weight),
      fallback: { file: 'io.weight', value: String(blkioToIoWeight(b.weight)) },
      field: name('blockIO.weight'),
    });
  }
  (b.weightDevice ?? []).forEach((d, i) => {
    if (d.weight === undefined) return;
    const dev = `${d.major}:${d.minor}`;
    w.push({
      controller: u,
      file: 'io.bfq.weight',
      value: `${dev} ${d.weight}`,
      fallback: { file: 'io.weight', value: `${dev} ${blkioToIoWeight(d.weight)}` },
      field: name(`blockIO.weightDevice[${i}].weight`),
    });
  });
  for (const [key, , v2key] of THROTTLES) {
    (b[key] ?? []).forEach((d, i) => {
      w.push({
        controller: u,
        file: 'io.max',
        value: `${d.major}:${d.minor} ${v2key}=${d.rate}`,
        field: name(`blockIO.${key}[${i}]`),
      });
    });
  }
  return w;
}

/** v2 writes; `unified` last so an explicit file overrides the structured field that maps to it. */
export function v2ResourceWrites(
  r: Resources,
  name: FieldNamer = ociField,
  current?: CurrentText,
): CgroupWrite[] {
  const u = 'unified';
  const w: CgroupWrite[] = [...memoryWrites(r, name), ...cpuWrites(r, name, current)];
  if (r.pids)
    w.push({ controller: u, file: 'pids.max', value: max(r.pids.limit), field: name('pids.limit') });
  w.push(...ioWrites(r, name));
  (r.hugepageLimits ?? []).forEach((h, i) => {
    w.push({
      controller: u,
      file: `hugetlb.${h.pageSize}.max`,
      value: max(h.limit),
      field: name(`hugepageLimits[${i}]`),
    });
  });
  for (const [key, value] of Object.entries(r.unified ?? {})) {
    w.push({ controller: u, file: key, value, field: name(`unified["${key}"]`) });
  }
  return w;
}

/** The device program's rules, or null to attach none. The program denies what no rule matches,
 *  so a leading deny-all rule (how both formats start a whitelist) adds nothing and is dropped. */
export function v2DeviceFilter(r: Resources): DeviceFilterRule[] | null {
  if (!r.devices || r.devicesV1Only) return null;
  const rules = r.devices.map((d) => ({ ...d }));
  while (rules[0] && !rules[0].allow && rules[0].type === 'a' && rules[0].major < 0 && rules[0].minor < 0) {
    rules.shift();
  }
  return rules.map((d) => ({
    type: d.type,
    major: d.major,
    minor: d.minor,
    access: d.access || 'rwm',
    allow: d.allow,
  }));
}

/** v2 controllers that must be enabled in every ancestor's cgroup.subtree_control for `writes`. */
export function v2ControllersFor(writes: readonly CgroupWrite[]): string[] {
  return [...new Set(writes.map((w) => w.file.split('.')[0]!).filter((c) => c !== 'cgroup'))];
}
