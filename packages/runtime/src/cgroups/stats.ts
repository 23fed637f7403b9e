// `nsinit stats`: the 2014 statistics (cpu throttling, cpuacct usage, memory, blkio, freezer; JSON
// keys with their 2014 typos) read from v1 controller files or the v2 unified equivalents
// (cpu.stat, memory.current/peak/events/stat, io.stat, cgroup.events). See cgroup-v1/*.rst and
// cgroup-v2.rst in the kernel's Documentation/admin-guide.
import { join } from 'node:path';
import type { ManagedCgroup } from './handle.js';

/** A kernel u64 counter, exact: a number while it is a safe integer, a bigint beyond 2^53 (the v1
 *  "no limit" of 9223372036854771712 would otherwise print as 9223372036854772000). */
export type Counter = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The exact value, as a number when that loses nothing. */
export function counter(value: bigint): Counter {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
}

const big = (c: Counter | undefined): bigint => (typeof c === 'bigint' ? c : BigInt(c ?? 0));

/** "key value" lines (cpu.stat, memory.stat, memory.events, cgroup.events) as exact counters. */
export function parseCounters(text: string): Record<string, Counter> {
  const out: Record<string, Counter> = {};
  for (const line of text.split('\n')) {
    const [k, v, extra] = line.trim().split(/\s+/);
    if (!k || v === undefined || extra !== undefined || !/^-?\d+$/.test(v)) continue;
    out[k] = counter(BigInt(v));
  }
  return out;
}

export interface BlkioEntry {
  major: number;
  minor: number;
  op?: string;
  value: Counter;
}

export interface CgroupStats {
  cgroup_version: 1 | 2;
  cpu_stats: {
    cpu_usage: {
      /** CPU time used over a 100 ms sample as a percentage of one CPU. */
      percent_usage: number;
      /** Nanoseconds of CPU time used during that 100 ms sample. */
      current_usage: Counter;
      total_usage: Counter;
      percpu_usage?: Counter[];
      usage_in_kernelmode: Counter;
      usage_in_usermode: Counter;
    };
    throlling_data: { periods: Counter; throttled_periods: Counter; throttled_time: Counter };
  };
  memory_stats: {
    usage: Counter;
    max_usage: Counter;
    failcnt: Counter;
    limit?: Counter;
    stats: Record<string, Counter>;
  };
  blkio_stats: {
    io_service_bytes_recursive: BlkioEntry[];
    io_serviced_recusrive: BlkioEntry[];
    io_queue_recursive: BlkioEntry[];
    sectors_recursive: BlkioEntry[];
  };
  freezer_stats: { parent_state: string; self_state: string };
  pids_stats: { current: Counter; limit?: Counter };
}

/** USER_HZ: the unit of cpuacct.stat ticks on every Linux ABI (sysconf(_SC_CLK_TCK)). */
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

const int = (s: string | null): Counter | undefined => {
  if (s === null) return undefined;
  const t = s.trim();
  return /^\d+$/.test(t) ? counter(BigInt(t)) : undefined;
};

const num = (v: string | undefined): Counter => (v !== undefined && /^\d+$/.test(v) ? counter(BigInt(v)) : 0);

/** "8:0 Read 4096" lines (v1 blkio); "Total" summary lines are skipped as in 2014. */
export function parseBlkio(text: string | null): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(f[0] ?? '');
    if (!m) continue;
    const value = num(f[f.length - 1]);
    const e: BlkioEntry = { major: Number(m[1]), minor: Number(m[2]), value };
    if (f.length === 3) e.op = f[1]!;
    out.push(e);
  }
  return out;
}

/** v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
export function parseIoStat(text: string | null): { bytes: BlkioEntry[]; ios: BlkioEntry[] } {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...kv] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const v = Object.fromEntries(kv.map((p) => p.split('=') as [string, string]));
    const at = { major: Number(m[1]), minor: Number(m[2]) };
    bytes.push({ ...at, op: 'Read', value: num(v.rbytes) }, { ...at, op: 'Write', value: num(v.wbytes) });
    ios.push({ ...at, op: 'Read', value: num(v.rios) }, { ...at, op: 'Write', value: num(v.wios) });
  }
  return { bytes, ios };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Total CPU nanoseconds used by the cgroup so far. */
function cpuUsageNs(cg: ManagedCgroup): bigint {
  if (cg.version === 2) return big(parseCounters(reader(cg, 'unified')('cpu.stat') ?? '').usage_usec) * 1000n;
  return big(int(reader(cg, 'cpuacct')('cpuacct.usage')));
}

export async function readStats(cg: ManagedCgroup, sampleMs = 100): Promise<CgroupStats> {
  const t0 = process.hrtime.bigint();
  const u0 = cpuUsageNs(cg);
  await sleep(sampleMs);
  const u1 = cpuUsageNs(cg);
  const wall = Number(process.hrtime.bigint() - t0);
  const current = u1 > u0 ? u1 - u0 : 0n;
  const stats = cg.version === 2 ? readV2(cg) : readV1(cg);
  stats.cpu_stats.cpu_usage.current_usage = counter(current);
  stats.cpu_stats.cpu_usage.percent_usage = wall > 0 ? Math.round((Number(current) / wall) * 100) : 0;
  return stats;
}

function empty(version: 1 | 2): CgroupStats {
  return {
    cgroup_version: version,
    cpu_stats: {
      cpu_usage: {
        percent_usage: 0,
        current_usage: 0,
        total_usage: 0,
        usage_in_kernelmode: 0,
        usage_in_usermode: 0,
      },
      throlling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
    },
    memory_stats: { usage: 0, max_usage: 0, failcnt: 0, stats: {} },
    blkio_stats: {
      io_service_bytes_recursive: [],
      io_serviced_recusrive: [],
      io_queue_recursive: [],
      sectors_recursive: [],
    },
    freezer_stats: { parent_state: '', self_state: '' },
    pids_stats: { current: 0 },
  };
}

function readV1(cg: ManagedCgroup): CgroupStats {
  const s = empty(1);
  const cpu = parseCounters(reader(cg, 'cpu')('cpu.stat') ?? '');
  s.cpu_stats.throlling_data = {
    periods: cpu.nr_periods ?? 0,
    throttled_periods: cpu.nr_throttled ?? 0,
    throttled_time: cpu.throttled_time ?? 0,
  };
  const acct = reader(cg, 'cpuacct');
  const ticks = parseCounters(acct('cpuacct.stat') ?? '');
  const u = s.cpu_stats.cpu_usage;
  u.total_usage = int(acct('cpuacct.usage')) ?? 0;
  const percpu = acct('cpuacct.usage_percpu');
  if (percpu !== null) u.percpu_usage = percpu.trim().split(/\s+/).filter(Boolean).map(num);
  u.usage_in_usermode = counter((big(ticks.user) * 1_000_000_000n) / USER_HZ);
  u.usage_in_kernelmode = counter((big(ticks.system) * 1_000_000_000n) / USER_HZ);

  const mem = reader(cg, 'memory');
  s.memory_stats = {
    usage: int(mem('memory.usage_in_bytes')) ?? 0,
    max_usage: int(mem('memory.max_usage_in_bytes')) ?? 0,
    failcnt: int(mem('memory.failcnt')) ?? 0,
    stats: parseCounters(mem('memory.stat') ?? ''),
  };
  const limit = int(mem('memory.limit_in_bytes'));
  // 2014 left "no limit" (PAGE_COUNTER_MAX pages, about 2^63) out of the JSON.
  if (limit !== undefined && big(limit) < 2n ** 62n) s.memory_stats.limit = limit;

  // The CFQ-era files 2014 read are gone with blk-mq; BFQ and the throttle policy keep the same format.
  const blk = reader(cg, 'blkio');
  const pick = (name: string) =>
    parseBlkio(
      blk(`blkio.${name}_recursive`) ??
        blk(`blkio.bfq.${name}_recursive`) ??
        blk(`blkio.throttle.${name}_recursive`),
    );
  s.blkio_stats = {
    io_service_bytes_recursive: pick('io_service_bytes'),
    io_serviced_recusrive: pick('io_serviced'),
    io_queue_recursive: pick('io_queued'),
    sectors_recursive: pick('sectors'),
  };

  const fr = reader(cg, 'freezer');
  const state = (x: string | null) => (x === null ? '' : x.trim() === '1' ? 'FROZEN' : 'THAWED');
  s.freezer_stats = {
    parent_state: state(fr('freezer.parent_freezing')),
    self_state: state(fr('freezer.self_freezing')),
  };

  const pids = reader(cg, 'pids');
  s.pids_stats = { current: int(pids('pids.current')) ?? 0 };
  const max = int(pids('pids.max'));
  if (max !== undefined) s.pids_stats.limit = max;
  return s;
}

function readV2(cg: ManagedCgroup): CgroupStats {
  const s = empty(2);
  const r = reader(cg, 'unified');
  const cpu = parseCounters(r('cpu.stat') ?? '');
  const ns = (usec: Counter | undefined) => counter(big(usec) * 1000n);
  s.cpu_stats.throlling_data = {
    periods: cpu.nr_periods ?? 0,
    throttled_periods: cpu.nr_throttled ?? 0,
    throttled_time: ns(cpu.throttled_usec),
  };
  const u = s.cpu_stats.cpu_usage;
  u.total_usage = ns(cpu.usage_usec);
  u.usage_in_usermode = ns(cpu.user_usec);
  u.usage_in_kernelmode = ns(cpu.system_usec);

  s.memory_stats = {
    usage: int(r('memory.current')) ?? 0,
    max_usage: int(r('memory.peak')) ?? 0,
    failcnt: parseCounters(r('memory.events') ?? '').max ?? 0,
    stats: parseCounters(r('memory.stat') ?? ''),
  };
  const limit = int(r('memory.max'));
  if (limit !== undefined) s.memory_stats.limit = limit;

  const io = parseIoStat(r('io.stat'));
  s.blkio_stats.io_service_bytes_recursive = io.bytes;
  s.blkio_stats.io_serviced_recusrive = io.ios;

  const frozen = parseCounters(r('cgroup.events') ?? '').frozen;
  const self = int(r('cgroup.freeze'));
  s.freezer_stats = {
    parent_state: frozen === 1 && self !== 1 ? 'FROZEN' : frozen === undefined ? '' : 'THAWED',
    self_state: self === undefined ? '' : self === 1 ? 'FROZEN' : 'THAWED',
  };
  s.pids_stats = { current: int(r('pids.current')) ?? 0 };
  const max = int(r('pids.max'));
  if (max !== undefined) s.pids_stats.limit = max;
  return s;
}

const bytes = (c: Counter) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  const n = c;
  let i = 0;
  let v = Number(c);
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
};

const ms = (ns: Counter) => `${(Number(ns) / 1e6).toFixed(1)} ms`;

/** The human table `nsinit stats` prints by default. */
export function formatStats(s: CgroupStats): string {
  const c = s.cpu_stats;
  const m = s.memory_stats;
  const rows: [string, string][] = [
    ['cgroup', `v${s.cgroup_version}`],
    ['cpu usage', `${c.cpu_usage.percent_usage}% (${ms(c.cpu_usage.current_usage)} in the last sample)`],
    [
      'cpu total',
      `${ms(c.cpu_usage.total_usage)} (user ${ms(c.cpu_usage.usage_in_usermode)}, kernel ${ms(c.cpu_usage.usage_in_kernelmode)})`,
    ],
    [
      'cpu throttling',
      `${c.throlling_data.throttled_periods} of ${c.throlling_data.periods} periods, ${ms(c.throlling_data.throttled_time)}`,
    ],
    ['memory usage', `${bytes(m.usage)}${m.limit !== undefined ? ` of ${bytes(m.limit)}` : ''}`],
    ['memory max usage', bytes(m.max_usage)],
    ['memory failcnt', String(m.failcnt)],
    ['pids', `${s.pids_stats.current}${s.pids_stats.limit !== undefined ? ` of ${s.pids_stats.limit}` : ''}`],
    ['freezer', s.freezer_stats.self_state || '-'],
  ];
  const sum = (list: BlkioEntry[], op: string) =>
    counter(list.filter((e) => e.op === op).reduce((n, e) => n + big(e.value), 0n));
  const b = s.blkio_stats;
  rows.push([
    'blkio read',
    `${bytes(sum(b.io_service_bytes_recursive, 'Read'))} in ${sum(b.io_serviced_recusrive, 'Read')} ops`,
  ]);
  rows.push([
    'blkio write',
    `${bytes(sum(b.io_service_bytes_recursive, 'Write'))} in ${sum(b.io_serviced_recusrive, 'Write')} ops`,
  ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}

/** The stats as JSON text with every counter exact: JSON.stringify cannot write a bigint, and a
 *  number beyond 2^53 would be rounded, so bigints are written as their decimal digits here. */
export function statsJson(s: CgroupStats, indent: string | number = '\t'): string {
  const marker = '\u0000nsinit-u64:';
  const text = JSON.stringify(
    s,
    (_key, value) => (typeof value === 'bigint' ? `${marker}${value}` : value),
    indent,
  );
  // JSON.stringify escapes the NUL, so the marker cannot collide with a real string value.
  return text.replace(/"\\u0000nsinit-u64:(\d+)"/g, '$1');
}
