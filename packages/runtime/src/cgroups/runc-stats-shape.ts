// runc's `types.Stats` as TypeScript (field names and omitempty rules of runc's types/events.go),
// and the event line `events` prints: JSON with every counter an exact unsigned 64-bit integer,
// which JSON.stringify cannot write from a bigint.
export type U64 = bigint;

export interface RuncBlkioEntry {
  major?: U64;
  minor?: U64;
  op?: string;
  value?: U64;
}

export interface RuncMemoryEntry {
  limit: U64;
  usage?: U64;
  max?: U64;
  failcnt: U64;
}

export interface RuncStats {
  cpu: {
    usage: {
      total?: U64;
      percpu?: U64[];
      percpu_kernel?: U64[];
      percpu_user?: U64[];
      kernel: U64;
      user: U64;
    };
    throttling: { periods?: U64; throttledPeriods?: U64; throttledTime?: U64 };
  };
  cpuset: {
    cpus?: number[];
    cpu_exclusive: U64;
    mems?: number[];
    mem_hardwall: U64;
    mem_exclusive: U64;
    memory_migrate: U64;
    memory_spread_page: U64;
    memory_spread_slab: U64;
    memory_pressure: U64;
    sched_load_balance: U64;
    sched_relax_domain_level: bigint;
  };
  memory: {
    cache?: U64;
    usage: RuncMemoryEntry;
    swap: RuncMemoryEntry;
    kernel: RuncMemoryEntry;
    kernelTCP: RuncMemoryEntry;
    raw?: Record<string, U64>;
  };
  pids: { current?: U64; limit?: U64 };
  blkio: {
    ioServiceBytesRecursive?: RuncBlkioEntry[];
    ioServicedRecursive?: RuncBlkioEntry[];
    ioQueueRecursive?: RuncBlkioEntry[];
    ioServiceTimeRecursive?: RuncBlkioEntry[];
    ioWaitTimeRecursive?: RuncBlkioEntry[];
    ioMergedRecursive?: RuncBlkioEntry[];
    ioTimeRecursive?: RuncBlkioEntry[];
    sectorsRecursive?: RuncBlkioEntry[];
  };
  hugetlb: Record<string, { usage?: U64; max?: U64; failcnt: U64 }>;
  intel_rdt: Record<string, never>;
  network_interfaces: null;
}

/** JSON with bigints written as exact digits (JSON.stringify cannot), keys in insertion order,
 *  undefined members left out. */
export function exactJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(exactJson).join(',')}]`;
  if (typeof v === 'object') {
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v))
      if (x !== undefined) parts.push(`${JSON.stringify(k)}:${exactJson(x)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(v);
}

/** One `events --stats` line: {"type":"stats","id":...,"data":{...}}. */
export function runcStatsEvent(id: string, stats: RuncStats): string {
  return exactJson({ type: 'stats', id, data: stats });
}
