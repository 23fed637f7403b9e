// `nsinit-oci events --stats`: the cgroup statistics in runc's types.Stats JSON shape (what
// containerd's runc shim and other engines parse), read from v1 controller files or the v2 unified
// ones, with every counter an exact unsigned 64-bit integer (bigint, written as JSON digits).
// Field names and omitempty rules follow runc's types/events.go; see also cgroup-v2.rst.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ManagedCgroup } from './handle.js';
import type { RuncBlkioEntry, RuncMemoryEntry, RuncStats, U64 } from './runc-stats-shape.js';

export { exactJson, type RuncStats, runcStatsEvent } from './runc-stats-shape.js';

/** "max" in a v2 limit file: Go's math.MaxUint64, as runc reports it. */
const MAX_U64 = 2n ** 64n - 1n;
/** USER_HZ, the unit of cpuacct.stat on every Linux ABI. */
const USER_HZ = 100n;

type Reader = (file: string) => string | null;

function reader(cg: ManagedCgroup, controller: string): Reader {
  const dir = cg.paths[controller];
  return (file) => {
    if (!dir) return null;
    try {
      return cg.fs.read(join(dir, file));
    } catch {
      return null;
    }
  };
}

/** One unsigned integer ("max" → MaxUint64); undefined when absent or malformed. */
function u64(text: string | null): U64 | undefined {
  if (text === null) return undefined;
  const t = text.trim();
  if (t === 'max') return MAX_U64;
  return /^\d+$/.test(t) ? BigInt(t) : undefined;
}

/** "key value" lines as exact integers. */
export function flatKeyed(text: string | null): Record<string, U64> {
  const out: Record<string, U64> = {};
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length === 2 && /^\d+$/.test(f[1]!)) out[f[0]!] = BigInt(f[1]!);
  }
  return out;
}

const list = (text: string | null): U64[] | undefined => {
  const items = (text ?? '')
    .trim()
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s));
  return items.length > 0 ? items.map((s) => BigInt(s)) : undefined;
};

/** "0-2,4" → [0, 1, 2, 4]. */
export function cpuList(text: string | null): number[] | undefined {
  const out: number[] = [];
  for (const part of (text ?? '').trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.push(i);
  }
  return out.length > 0 ? out : undefined;
}

/** v1 blkio lines "8:0 Read 4096" (device-less "Total" lines are skipped, as runc does). */
export function blkioEntries(text: string | null): RuncBlkioEntry[] | undefined {
  const out: RuncBlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(f[0] ?? '');
    if (!m || !/^\d+$/.test(f[f.length - 1] ?? '')) continue;
    const e: RuncBlkioEntry = { major: BigInt(m[1]!), minor: BigInt(m[2]!) };
    if (f.length === 3) e.op = f[1]!;
    e.value = BigInt(f[f.length - 1]!);
    out.push(e);
  }
  return out.length > 0 ? out : undefined;
}

/** Huge page sizes the kernel offers, named as the hugetlb files name them ("2MB", "1GB"). */
export function hugePageSizes(dir = '/sys/kernel/mm/hugepages'): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const m = /^hugepages-(\d+)kB$/.exec(n);
    if (!m) continue;
    const kb = Number(m[1]);
    out.push(kb >= 1 << 20 ? `${kb >> 20}GB` : kb >= 1 << 10 ? `${kb >> 10}MB` : `${kb}KB`);
  }
  return out;
}

/** A memory counter set in runc's field order (limit, usage, max, failcnt), zeros left out. */
function entry(limit: U64, failcnt: U64, usage?: U64, max?: U64): RuncMemoryEntry {
  return { limit, ...(usage ? { usage } : {}), ...(max ? { max } : {}), failcnt };
}

function memEntry(r: Reader, prefix: string): RuncMemoryEntry {
  return entry(
    u64(r(`${prefix}.limit_in_bytes`)) ?? 0n,
    u64(r(`${prefix}.failcnt`)) ?? 0n,
    u64(r(`${prefix}.usage_in_bytes`)),
    u64(r(`${prefix}.max_usage_in_bytes`)),
  );
}

function empty(): RuncStats {
  const mem = (): RuncMemoryEntry => ({ limit: 0n, failcnt: 0n });
  return {
    cpu: { usage: { kernel: 0n, user: 0n }, throttling: {} },
    cpuset: {
      cpu_exclusive: 0n,
      mem_hardwall: 0n,
      mem_exclusive: 0n,
      memory_migrate: 0n,
      memory_spread_page: 0n,
      memory_spread_slab: 0n,
      memory_pressure: 0n,
      sched_load_balance: 0n,
      sched_relax_domain_level: 0n,
    },
    memory: { usage: mem(), swap: mem(), kernel: mem(), kernelTCP: mem() },
    pids: {},
    blkio: {},
    hugetlb: {},
    intel_rdt: {},
    network_interfaces: null,
  };
}

/** cpu.usage in runc's field order, zero totals and empty lists left out. */
function cpuUsage(
  total: U64 | undefined,
  kernel: U64,
  user: U64,
  percpu?: U64[],
  percpuKernel?: U64[],
  percpuUser?: U64[],
): RuncStats['cpu']['usage'] {
  return {
    ...(total ? { total } : {}),
    ...(percpu ? { percpu } : {}),
    ...(percpuKernel ? { percpu_kernel: percpuKernel } : {}),
    ...(percpuUser ? { percpu_user: percpuUser } : {}),
    kernel,
    user,
  };
}

/** Go's omitempty: a zero counter is left out. */
function setIf<T extends object>(o: T, key: keyof T, v: U64 | undefined): void {
  if (v !== undefined && v !== 0n) (o as Record<keyof T, U64>)[key] = v;
}

function throttling(s: RuncStats, stat: Record<string, U64>, timeKey: string, scale: bigint) {
  const t = s.cpu.throttling;
  setIf(t, 'periods', stat.nr_periods);
  setIf(t, 'throttledPeriods', stat.nr_throttled);
  setIf(t, 'throttledTime', stat[timeKey] === undefined ? undefined : stat[timeKey]! * scale);
}

function readV1(cg: ManagedCgroup, pageSizes: string[]): RuncStats {
  const s = empty();
  throttling(s, flatKeyed(reader(cg, 'cpu')('cpu.stat')), 'throttled_time', 1n);
  const acct = reader(cg, 'cpuacct');
  // cpuacct.usage_all: "cpu user system" per CPU, in nanoseconds.
  const all = (acct('cpuacct.usage_all') ?? '').split('\n').slice(1);
  const rows = all
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 3 && f.every((x) => /^\d+$/.test(x)));
  const ticks = flatKeyed(acct('cpuacct.stat'));
  s.cpu.usage = cpuUsage(
    u64(acct('cpuacct.usage')),
    ((ticks.system ?? 0n) * 1_000_000_000n) / USER_HZ,
    ((ticks.user ?? 0n) * 1_000_000_000n) / USER_HZ,
    list(acct('cpuacct.usage_percpu')),
    rows.length > 0 ? rows.map((f) => BigInt(f[2]!)) : undefined,
    rows.length > 0 ? rows.map((f) => BigInt(f[1]!)) : undefined,
  );

  const cs = reader(cg, 'cpuset');
  const cpus = cpuList(cs('cpuset.cpus'));
  const mems = cpuList(cs('cpuset.mems'));
  if (cpus) s.cpuset.cpus = cpus;
  if (mems) s.cpuset.mems = mems;
  const flags = [
    'cpu_exclusive',
    'mem_hardwall',
    'mem_exclusive',
    'memory_migrate',
    'memory_spread_page',
    'memory_spread_slab',
    'memory_pressure',
    'sched_load_balance',
  ] as const;
  for (const f of flags) s.cpuset[f] = u64(cs(`cpuset.${f}`)) ?? 0n;
  const level = (cs('cpuset.sched_relax_domain_level') ?? '').trim();
  if (/^-?\d+$/.test(level)) s.cpuset.sched_relax_domain_level = BigInt(level);

  const mem = reader(cg, 'memory');
  const raw = flatKeyed(mem('memory.stat'));
  s.memory = {
    usage: memEntry(mem, 'memory'),
    swap: memEntry(mem, 'memory.memsw'),
    kernel: memEntry(mem, 'memory.kmem'),
    kernelTCP: memEntry(mem, 'memory.kmem.tcp'),
  };
  setIf(s.memory, 'cache', raw.cache);
  if (Object.keys(raw).length > 0) s.memory.raw = raw;
  // key order as runc: cache first
  s.memory = { ...(s.memory.cache ? { cache: s.memory.cache } : {}), ...s.memory };

  const pids = reader(cg, 'pids');
  setIf(s.pids, 'current', u64(pids('pids.current')));
  const limit = (pids('pids.max') ?? '').trim();
  if (/^\d+$/.test(limit)) setIf(s.pids, 'limit', BigInt(limit));

  // The CFQ files are gone with blk-mq; BFQ and the throttle policy keep the same format.
  const blk = reader(cg, 'blkio');
  const pick = (name: string) =>
    blkioEntries(
      blk(`blkio.${name}_recursive`) ??
        blk(`blkio.bfq.${name}_recursive`) ??
        blk(`blkio.throttle.${name}_recursive`),
    );
  const b = s.blkio;
  const tables = [
    ['ioServiceBytesRecursive', 'io_service_bytes'],
    ['ioServicedRecursive', 'io_serviced'],
    ['ioQueueRecursive', 'io_queued'],
    ['ioServiceTimeRecursive', 'io_service_time'],
    ['ioWaitTimeRecursive', 'io_wait_time'],
    ['ioMergedRecursive', 'io_merged'],
    ['ioTimeRecursive', 'time'],
    ['sectorsRecursive', 'sectors'],
  ] as const;
  for (const [key, file] of tables) {
    const e = pick(file);
    if (e) b[key] = e;
  }

  const huge = reader(cg, 'hugetlb');
  if (cg.paths.hugetlb) {
    for (const size of pageSizes) {
      const e: RuncStats['hugetlb'][string] = { failcnt: u64(huge(`hugetlb.${size}.failcnt`)) ?? 0n };
      setIf(e, 'usage', u64(huge(`hugetlb.${size}.usage_in_bytes`)));
      setIf(e, 'max', u64(huge(`hugetlb.${size}.max_usage_in_bytes`)));
      s.hugetlb[size] = {
        ...(e.usage ? { usage: e.usage } : {}),
        ...(e.max ? { max: e.max } : {}),
        failcnt: e.failcnt,
      };
    }
  }
  return s;
}

function readV2(cg: ManagedCgroup, pageSizes: string[]): RuncStats {
  const s = empty();
  const r = reader(cg, 'unified');
  const cpu = flatKeyed(r('cpu.stat'));
  s.cpu.usage = cpuUsage(
    cpu.usage_usec === undefined ? undefined : cpu.usage_usec * 1000n,
    (cpu.system_usec ?? 0n) * 1000n,
    (cpu.user_usec ?? 0n) * 1000n,
  );
  throttling(s, cpu, 'throttled_usec', 1000n);

  const cpus = cpuList(r('cpuset.cpus.effective'));
  const mems = cpuList(r('cpuset.mems.effective'));
  if (cpus) s.cpuset.cpus = cpus;
  if (mems) s.cpuset.mems = mems;

  const raw = flatKeyed(r('memory.stat'));
  const usage = entry(
    u64(r('memory.max')) ?? 0n,
    flatKeyed(r('memory.events')).max ?? 0n,
    u64(r('memory.current')),
    u64(r('memory.peak')),
  );
  // v1 reported swap as memory+swap; runc keeps that meaning on v2.
  const swapCur = u64(r('memory.swap.current'));
  const swapMax = u64(r('memory.swap.max'));
  let swapLimit = 0n;
  if (swapMax !== undefined) {
    swapLimit = swapMax === MAX_U64 || usage.limit === MAX_U64 ? MAX_U64 : swapMax + usage.limit;
  }
  const swapUsage = swapCur === undefined ? undefined : swapCur + (usage.usage ?? 0n);
  s.memory = {
    ...(raw.file ? { cache: raw.file } : {}),
    usage,
    swap: entry(swapLimit, 0n, swapUsage),
    kernel: entry(0n, 0n),
    kernelTCP: entry(0n, 0n),
  };
  if (Object.keys(raw).length > 0) s.memory.raw = raw;

  setIf(s.pids, 'current', u64(r('pids.current')));
  const limit = (r('pids.max') ?? '').trim();
  if (/^\d+$/.test(limit)) setIf(s.pids, 'limit', BigInt(limit));

  const bytes: RuncBlkioEntry[] = [];
  const ios: RuncBlkioEntry[] = [];
  for (const line of (r('io.stat') ?? '').split('\n')) {
    const [dev, ...kv] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const at = { major: BigInt(m[1]!), minor: BigInt(m[2]!) };
    for (const item of kv) {
      const [k, v] = item.split('=');
      if (!v || !/^\d+$/.test(v)) continue;
      const table = k === 'rbytes' || k === 'wbytes' ? bytes : k === 'rios' || k === 'wios' ? ios : null;
      if (table) table.push({ ...at, op: k!.startsWith('r') ? 'Read' : 'Write', value: BigInt(v) });
    }
  }
  const omitZero = (e: RuncBlkioEntry) => (e.value === 0n ? { major: e.major, minor: e.minor, op: e.op } : e);
  if (bytes.length > 0) s.blkio.ioServiceBytesRecursive = bytes.map(omitZero);
  if (ios.length > 0) s.blkio.ioServicedRecursive = ios.map(omitZero);

  for (const size of pageSizes) {
    const cur = u64(r(`hugetlb.${size}.current`));
    if (cur === undefined) continue;
    s.hugetlb[size] = {
      ...(cur ? { usage: cur } : {}),
      failcnt: flatKeyed(r(`hugetlb.${size}.events`)).max ?? 0n,
    };
  }
  return s;
}

/** The container's statistics as runc's `events --stats` reports them. */
export function readRuncStats(cg: ManagedCgroup, pageSizes = hugePageSizes()): RuncStats {
  return cg.version === 2 ? readV2(cg, pageSizes) : readV1(cg, pageSizes);
}
