// `linux.resources` of config.json: cgroup limits (cgroups(7); v1 file names such as
// memory.limit_in_bytes, cgroup v2 equivalents, `unified` for raw v2 files) and the device access
// rules of the devices controller (v1 devices.allow/deny, v2 a BPF_CGROUP_DEVICE program).
import Type, { type Static } from 'typebox';
import { flag, i64, list, map, text, u16, u32, u64 } from './fields.js';

const BYTES = 'a number of bytes (-1 for unlimited)';

export const OciDeviceCgroupSchema = Type.Object(
  {
    allow: flag('true allows the matching devices, false denies them; later entries win.'),
    type: Type.Optional(
      text('"a" (all), "c" (character) or "b" (block). Absent: "a".', {
        default: 'a',
        pattern: '^[acb]$',
        patternHint: 'expected "a", "c" or "b"',
      }),
    ),
    major: Type.Optional(i64('Major number; absent or -1 matches any (*).', { minimum: -1, default: -1 })),
    minor: Type.Optional(i64('Minor number; absent or -1 matches any (*).', { minimum: -1, default: -1 })),
    access: Type.Optional(
      text('Any of r (read), w (write), m (mknod), e.g. "rwm". Absent: "rwm".', {
        default: 'rwm',
        pattern: '^[rwm]{0,3}$',
        patternHint: 'expected a combination of "r", "w" and "m", such as "rwm"',
      }),
    ),
  },
  { additionalProperties: false, description: 'A devices-controller rule, applied in list order.' },
);
export type OciDeviceCgroup = Static<typeof OciDeviceCgroupSchema>;

export const OciMemorySchema = Type.Object(
  {
    limit: Type.Optional(
      i64('Memory limit in bytes (memory.limit_in_bytes / memory.max).', { minimum: -1, expected: BYTES }),
    ),
    reservation: Type.Optional(
      i64('Soft limit in bytes (memory.soft_limit_in_bytes / memory.low).', { minimum: -1, expected: BYTES }),
    ),
    swap: Type.Optional(
      i64(
        'Limit of memory plus swap in bytes (memory.memsw.limit_in_bytes; on v2 swap.max is swap - limit).',
        {
          minimum: -1,
          expected: BYTES,
        },
      ),
    ),
    kernel: Type.Optional(
      i64('Deprecated kernel memory limit (memory.kmem.limit_in_bytes); ignored with a warning.', {
        minimum: -1,
        expected: BYTES,
      }),
    ),
    kernelTCP: Type.Optional(
      i64('Kernel TCP buffer limit (memory.kmem.tcp.limit_in_bytes), v1 only.', {
        minimum: -1,
        expected: BYTES,
      }),
    ),
    swappiness: Type.Optional(
      u64('memory.swappiness, 0 to 100 (v1 only).', { maximum: 100, expected: 'an integer from 0 to 100' }),
    ),
    disableOOMKiller: Type.Optional(
      flag('Disable the OOM killer for the cgroup (memory.oom_control), v1 only.'),
    ),
    useHierarchy: Type.Optional(flag('memory.use_hierarchy (v1 only).')),
    checkBeforeUpdate: Type.Optional(flag('On update, refuse a new limit below the current usage.')),
  },
  { additionalProperties: false, description: 'Memory controller limits.', default: {} },
);
export type OciMemory = Static<typeof OciMemorySchema>;

const CPU_LIST = '^[0-9, -]*$';
export const OciCpuSchema = Type.Object(
  {
    shares: Type.Optional(
      u64('Relative CPU weight (cpu.shares; converted to cpu.weight on v2).', { maximum: 262144 }),
    ),
    quota: Type.Optional(
      i64('CFS quota in microseconds per period (cpu.cfs_quota_us / cpu.max); -1 unlimited.', {
        minimum: -1,
      }),
    ),
    burst: Type.Optional(u64('CFS burst in microseconds (cpu.cfs_burst_us / cpu.max.burst).')),
    period: Type.Optional(
      u64('CFS period in microseconds (cpu.cfs_period_us), 1000 to 1000000.', { maximum: 1000000 }),
    ),
    realtimeRuntime: Type.Optional(
      i64('Realtime runtime in microseconds (cpu.rt_runtime_us, v1 only).', { minimum: -1 }),
    ),
    realtimePeriod: Type.Optional(u64('Realtime period in microseconds (cpu.rt_period_us, v1 only).')),
    cpus: Type.Optional(
      text('CPUs the container may use (cpuset.cpus), e.g. "0-3,7".', {
        pattern: CPU_LIST,
        patternHint: 'expected a CPU list such as "0-3,7"',
      }),
    ),
    mems: Type.Optional(
      text('Memory nodes the container may use (cpuset.mems), e.g. "0-1".', {
        pattern: CPU_LIST,
        patternHint: 'expected a node list such as "0-1"',
      }),
    ),
    idle: Type.Optional(i64('cpu.idle (v2): 1 makes the cgroup SCHED_IDLE.', { minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false, description: 'CPU and cpuset controller settings.', default: {} },
);
export type OciCpu = Static<typeof OciCpuSchema>;

const blockDevice = {
  major: i64('Major number of the block device.', { minimum: 0 }),
  minor: i64('Minor number of the block device.', { minimum: 0 }),
};

export const OciWeightDeviceSchema = Type.Object(
  {
    ...blockDevice,
    weight: Type.Optional(
      u16('Weight for this device, 10 to 1000.', { minimum: 10, maximum: 1000, default: 500 }),
    ),
    leafWeight: Type.Optional(
      u16('Leaf weight for this device (v1 CFQ only), 10 to 1000.', {
        minimum: 10,
        maximum: 1000,
        default: 500,
      }),
    ),
  },
  { additionalProperties: false, description: 'A per-device blkio weight.' },
);

export const OciThrottleDeviceSchema = Type.Object(
  {
    ...blockDevice,
    rate: u64('The limit: bytes or I/O operations per second.'),
  },
  { additionalProperties: false, description: 'A per-device blkio throttle.' },
);
export type OciThrottleDevice = Static<typeof OciThrottleDeviceSchema>;

const throttle = (what: string) => Type.Optional(list(OciThrottleDeviceSchema, what));

export const OciBlockIoSchema = Type.Object(
  {
    weight: Type.Optional(
      u16('Default weight, 10 to 1000 (blkio.weight / io.bfq.weight).', {
        minimum: 10,
        maximum: 1000,
        default: 500,
      }),
    ),
    leafWeight: Type.Optional(
      u16('Default leaf weight (v1 CFQ only), 10 to 1000.', { minimum: 10, maximum: 1000, default: 500 }),
    ),
    weightDevice: Type.Optional(list(OciWeightDeviceSchema, 'Per-device weights.')),
    throttleReadBpsDevice: throttle(
      'Read bytes per second per device (blkio.throttle.read_bps_device / io.max rbps).',
    ),
    throttleWriteBpsDevice: throttle('Write bytes per second per device (wbps).'),
    throttleReadIOPSDevice: throttle('Read operations per second per device (riops).'),
    throttleWriteIOPSDevice: throttle('Write operations per second per device (wiops).'),
  },
  { additionalProperties: false, description: 'Block I/O controller settings.', default: {} },
);
export type OciBlockIo = Static<typeof OciBlockIoSchema>;

export const OciHugepageLimitSchema = Type.Object(
  {
    pageSize: text('Huge page size as <size><K|M|G>B, e.g. "2MB".', {
      default: '2MB',
      pattern: '^[1-9][0-9]*[KMG]B$',
      patternHint: 'expected a page size such as "2MB" or "1GB"',
    }),
    limit: u64('Limit in bytes of huge pages of that size (hugetlb.<size>.limit_in_bytes / .max).'),
  },
  { additionalProperties: false, description: 'A hugetlb controller limit.' },
);

export const OciNetworkResourcesSchema = Type.Object(
  {
    classID: Type.Optional(u32('net_cls.classid of the container traffic (v1 only).')),
    priorities: Type.Optional(
      list(
        Type.Object(
          {
            name: text('Interface name in the runtime network namespace.', { maxLength: 15 }),
            priority: u32('net_prio.ifpriomap priority for that interface.'),
          },
          { additionalProperties: false, description: 'A net_prio priority for one interface.' },
        ),
        'net_prio.ifpriomap entries (v1 only).',
      ),
    ),
  },
  { additionalProperties: false, description: 'net_cls and net_prio settings (v1 only).', default: {} },
);

export const OciRdmaSchema = Type.Object(
  {
    hcaHandles: Type.Optional(u32('Maximum HCA handles.')),
    hcaObjects: Type.Optional(u32('Maximum HCA objects.')),
  },
  { additionalProperties: false, description: 'rdma controller limits for one device.' },
);

export const OciLinuxResourcesSchema = Type.Object(
  {
    devices: Type.Optional(
      list(OciDeviceCgroupSchema, 'Device access rules, applied in order after denying everything.', {
        limit: 'allowed_devices',
      }),
    ),
    memory: Type.Optional(OciMemorySchema),
    cpu: Type.Optional(OciCpuSchema),
    pids: Type.Optional(
      Type.Object(
        { limit: i64('Maximum number of tasks (pids.max); 0 or -1 = unlimited.', { minimum: -1 }) },
        { additionalProperties: false, description: 'pids controller limit.', default: { limit: -1 } },
      ),
    ),
    blockIO: Type.Optional(OciBlockIoSchema),
    hugepageLimits: Type.Optional(list(OciHugepageLimitSchema, 'hugetlb limits, one per page size.')),
    network: Type.Optional(OciNetworkResourcesSchema),
    rdma: Type.Optional(
      map(
        OciRdmaSchema,
        'rdma limits keyed by device name (e.g. "mlx5_1").',
        'an object of rdma limits by device',
      ),
    ),
    unified: Type.Optional(
      map(
        text('Content written to the file.'),
        'cgroup v2 files written as is, keyed by file name (e.g. "memory.high"); v2 only.',
        'an object of strings',
      ),
    ),
  },
  {
    additionalProperties: false,
    description: 'cgroup limits of the container, written into the cgroup named by cgroupsPath.',
    default: {},
  },
);
export type OciLinuxResources = Static<typeof OciLinuxResourcesSchema>;
