// The resources model as cgroup v1 interface-file writes, one controller per hierarchy: memory.*,
// cpu.*, cpuset.*, pids.max, blkio.*, hugetlb.<size>.limit_in_bytes, net_cls.classid,
// net_prio.ifpriomap and devices.allow/deny. Pure: the manager writes what this returns, in order.
// See the kernel's Documentation/admin-guide/cgroup-v1/{memory,cpusets,blkio-controller,...}.rst.
import type { CgroupWrite, ConfigProblem } from './limits.js';
import { type DeviceRule, type FieldNamer, ociField, type Resources, THROTTLES } from './resources.js';

/** "c 1:3 rwm" (v1 devices.allow syntax; -1 is the wildcard *). */
export function v1DeviceRule(d: DeviceRule): string {
  const n = (v: number) => (v < 0 ? '*' : String(v));
  return `${d.type} ${n(d.major)}:${n(d.minor)} ${d.access || 'rwm'}`;
}

/** "a *:* rwm": written as plain 'a', which also resets the list to default allow or deny. */
export const isEveryDevice = (d: DeviceRule) =>
  d.type === 'a' &&
  d.major < 0 &&
  d.minor < 0 &&
  (d.access === '' || /^(?=.*r)(?=.*w)(?=.*m)[rwm]{3}$/.test(d.access));

/** What the current limits read, for updates whose write order depends on them (null: unknown). */
export type CurrentValue = (controller: string, file: string) => bigint | null;

/**
 * memory.limit_in_bytes and memory.memsw.limit_in_bytes must stay memory ≤ memsw after every single
 * write (EINVAL otherwise), so when both change the one that grows goes first: memsw first when
 * it becomes unlimited or the new memsw is above the current memory limit, memory first otherwise.
 */
function memoryWrites(r: Resources, name: FieldNamer, current?: CurrentValue): CgroupWrite[] {
  const m = r.memory;
  if (!m) return [];
  const c = 'memory';
  const limit =
    m.limit !== undefined
      ? { controller: c, file: 'memory.limit_in_bytes', value: String(m.limit), field: name('memory.limit') }
      : null;
  const swap =
    m.swap !== undefined
      ? {
          controller: c,
          file: 'memory.memsw.limit_in_bytes',
          value: String(m.swap),
          field: name('memory.swap'),
          optional: m.swapIfAccounted === true,
        }
      : null;
  const cur = limit && swap ? (current?.(c, 'memory.limit_in_bytes') ?? null) : null;
  const swapFirst =
    limit !== null && swap !== null && (m.swap === -1 || (cur !== null && cur < BigInt(m.swap!)));
  const w: CgroupWrite[] = [];
  if (swap && swapFirst) w.push(swap);
  if (limit) w.push(limit);
  if (m.reservation !== undefined) {
    w.push({
      controller: c,
      file: 'memory.soft_limit_in_bytes',
      value: String(m.reservation),
      field: name('memory.reservation'),
    });
  }
  if (swap && !swapFirst) w.push(swap);
  const more: [keyof typeof m, string, (v: never) => string][] = [
    ['kernel', 'memory.kmem.limit_in_bytes', String],
    ['kernelTCP', 'memory.kmem.tcp.limit_in_bytes', String],
    ['swappiness', 'memory.swappiness', String],
  ];
  for (const [key, file, fmt] of more) {
    if (m[key] !== undefined) {
      w.push({ controller: c, file, value: fmt(m[key] as never), field: name(`memory.${key}`) });
    }
  }
  // oom_control takes 1 to disable the OOM killer; the kernel has no way back but writing 0.
  if (m.disableOOMKiller !== undefined) {
    w.push({
      controller: c,
      file: 'memory.oom_control',
      value: m.disableOOMKiller ? '1' : '0',
      field: name('memory.disableOOMKiller'),
    });
  }
  return w;
}

function cpuWrites(r: Resources, name: FieldNamer): CgroupWrite[] {
  const p = r.cpu;
  if (!p) return [];
  const w: CgroupWrite[] = [];
  const add = (controller: string, file: string, value: unknown, key: string) => {
    if (value !== undefined) w.push({ controller, file, value: String(value), field: name(`cpu.${key}`) });
  };
  add('cpu', 'cpu.shares', p.shares, 'shares');
  // The period before the quota: the kernel checks quota against the period it has.
  add('cpu', 'cpu.cfs_period_us', p.period, 'period');
  add('cpu', 'cpu.cfs_quota_us', p.quota, 'quota');
  add('cpu', 'cpu.cfs_burst_us', p.burst, 'burst');
  // The rt period before the runtime, as runc: runtime must fit the period being set.
  add('cpu', 'cpu.rt_period_us', p.realtimePeriod, 'realtimePeriod');
  add('cpu', 'cpu.rt_runtime_us', p.realtimeRuntime, 'realtimeRuntime');
  add('cpu', 'cpu.idle', p.idle, 'idle');
  add('cpuset', 'cpuset.cpus', p.cpus, 'cpus');
  add('cpuset', 'cpuset.mems', p.mems, 'mems');
  return w;
}

function blkioWrites(r: Resources, name: FieldNamer): CgroupWrite[] {
  const b = r.blockIO;
  if (!b) return [];
  const c = 'blkio';
  const w: CgroupWrite[] = [];
  // blk-mq kernels have no CFQ blkio.weight; BFQ offers blkio.bfq.weight instead.
  if (b.weight !== undefined) {
    w.push({
      controller: c,
      file: 'blkio.bfq.weight',
      value: String(b.weight),
      fallback: { file: 'blkio.weight', value: String(b.weight) },
      field: name('blockIO.weight'),
    });
  }
  if (b.leafWeight !== undefined) {
    w.push({
      controller: c,
      file: 'blkio.leaf_weight',
      value: String(b.leafWeight),
      field: name('blockIO.leafWeight'),
    });
  }
  (b.weightDevice ?? []).forEach((d, i) => {
    const dev = `${d.major}:${d.minor}`;
    if (d.weight !== undefined) {
      w.push({
        controller: c,
        file: 'blkio.bfq.weight_device',
        value: `${dev} ${d.weight}`,
        fallback: { file: 'blkio.weight_device', value: `${dev} ${d.weight}` },
        field: name(`blockIO.weightDevice[${i}].weight`),
      });
    }
    if (d.leafWeight !== undefined) {
      w.push({
        controller: c,
        file: 'blkio.leaf_weight_device',
        value: `${dev} ${d.leafWeight}`,
        field: name(`blockIO.weightDevice[${i}].leafWeight`),
      });
    }
  });
  for (const [key, file] of THROTTLES) {
    (b[key] ?? []).forEach((d, i) => {
      w.push({
        controller: c,
        file: `blkio.throttle.${file}`,
        value: `${d.major}:${d.minor} ${d.rate}`,
        field: name(`blockIO.${key}[${i}]`),
      });
    });
  }
  return w;
}

/** v1 writes in an order the kernel accepts. `current` orders memory and memsw on an update. */
export function v1ResourceWrites(
  r: Resources,
  name: FieldNamer = ociField,
  current?: CurrentValue,
): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  (r.devices ?? []).forEach((d, i) => {
    // A rule for every device resets the list (deny: nothing allowed; allow: everything), so the
    // whitelist is rebuilt from the first rule whatever the parent allowed.
    w.push({
      controller: 'devices',
      file: d.allow ? 'devices.allow' : 'devices.deny',
      value: isEveryDevice(d) ? 'a' : v1DeviceRule(d),
      field: name(`devices[${i}]`),
    });
  });
  w.push(...memoryWrites(r, name, current), ...cpuWrites(r, name));
  if (r.pids) {
    w.push({
      controller: 'pids',
      file: 'pids.max',
      value: r.pids.limit < 0 ? 'max' : String(r.pids.limit),
      field: name('pids.limit'),
    });
  }
  w.push(...blkioWrites(r, name));
  (r.hugepageLimits ?? []).forEach((h, i) => {
    w.push({
      controller: 'hugetlb',
      file: `hugetlb.${h.pageSize}.limit_in_bytes`,
      value: String(h.limit),
      field: name(`hugepageLimits[${i}]`),
    });
  });
  if (r.network?.classID !== undefined) {
    w.push({
      controller: 'net_cls',
      file: 'net_cls.classid',
      value: String(r.network.classID),
      field: name('network.classID'),
    });
  }
  (r.network?.priorities ?? []).forEach((p, i) => {
    w.push({
      controller: 'net_prio',
      file: 'net_prio.ifpriomap',
      value: `${p.name} ${p.priority}`,
      field: name(`network.priorities[${i}]`),
    });
  });
  return w;
}

/** Fields v1 cannot apply at all: refused before anything is created or written. */
export function v1Unsupported(r: Resources, name: FieldNamer = ociField): ConfigProblem[] {
  if (r.unified && Object.keys(r.unified).length > 0) {
    return [{ path: name('unified'), message: 'is only available on cgroup v2 (this host uses cgroup v1)' }];
  }
  return [];
}
