// Both config formats onto the one resources model, and the model onto v1 and v2 files: the
// OCI fields with runc's conventions (0 unset, -1 unlimited, default device rules), the 2014
// fields through the same writers, and the fields a hierarchy cannot apply refused by name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromOci } from '../spec/from-oci.js';
import { resourcesFrom2014, v1Writes, v2Writes } from './limits.js';
import { checkResources, ociPointer, type Resources } from './resources.js';
import { DEFAULT_DEVICE_RULES, resourcesFromOci } from './resources-oci.js';
import { v1ResourceWrites, v1Unsupported } from './writes-v1.js';
import {
  blkioToIoWeight,
  v2ControllersFor,
  v2DeviceFilter,
  v2ResourceWrites,
  v2Unsupported,
} from './writes-v2.js';

const full = {
  memory: {
    limit: 64 << 20,
    reservation: 32 << 20,
    swap: 128 << 20,
    kernelTCP: 16 << 20,
    swappiness: 10,
    disableOOMKiller: true,
  },
  cpu: {
    shares: 512,
    quota: 20000,
    period: 100000,
    realtimeRuntime: 1000,
    realtimePeriod: 100000,
    cpus: '0',
    mems: '0',
    idle: 0,
  },
  pids: { limit: 32 },
  blockIO: {
    weight: 500,
    leafWeight: 300,
    weightDevice: [{ major: 8, minor: 0, weight: 100 }],
    throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
    throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 2097152 }],
    throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
    throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 200 }],
  },
  hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
  network: { classID: 1048577, priorities: [{ name: 'eth0', priority: 5 }] },
  devices: [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' },
    { allow: false, type: 'b', major: 8 },
  ],
};

const files = (w: { file: string; value: string }[]) => w.map((x) => `${x.file}=${x.value}`);

describe('OCI linux.resources → model', () => {
  it('keeps every set field, treats 0 and "" as unset and Go int64 max as unlimited', () => {
    const r = resourcesFromOci({
      memory: { limit: 0, reservation: 2 ** 63, swap: -1, swappiness: 0 },
      cpu: { shares: 0, quota: -1, cpus: '' },
      pids: { limit: 0 },
    });
    expect(r.memory).toEqual({ reservation: -1, swap: -1, swappiness: 0 });
    expect(r.cpu).toEqual({ quota: -1 });
    expect(r.pids).toBeUndefined();
    expect(resourcesFromOci({ pids: { limit: -1 } }).pids).toEqual({ limit: -1 });
  });

  it('starts the device rules from deny-all and ends them with runc defaults and the linux.devices nodes', () => {
    const r = resourcesFromOci(
      { devices: [{ allow: true, type: 'c', major: 10, access: 'r' }] },
      {
        devices: [
          { path: '/dev/fuse', type: 'c', major: 10, minor: 229 },
          { path: '/dev/p', type: 'p' },
        ],
      },
    );
    expect(r.devices).toEqual([
      { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
      { allow: true, type: 'c', major: 10, minor: -1, access: 'r' },
      ...DEFAULT_DEVICE_RULES,
      { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' },
    ]);
    expect(resourcesFromOci({ memory: { limit: 1 } }, { withDevices: false }).devices).toBeUndefined();
  });

  it('names every malformed field with its linux.resources path', () => {
    const err = (() => {
      try {
        resourcesFromOci({
          memory: { limit: 1.5, swap: 'lots' },
          cpu: { shares: -2 },
          devices: [{ type: 'x', access: 'rwx' }],
          hugepageLimits: {},
          rdma: {},
        });
      } catch (e) {
        return e as { code: string; errors: { path: string }[] };
      }
    })();
    expect(err?.code).toBe('ERR_NSINIT_INVALID_CONFIG');
    expect(err?.errors.map((e) => e.path)).toEqual([
      'linux.resources.memory.limit',
      'linux.resources.memory.swap',
      'linux.resources.cpu.shares',
      'linux.resources.hugepageLimits',
      'linux.resources.rdma',
      'linux.resources.devices[0].allow',
      'linux.resources.devices[0].type',
      'linux.resources.devices[0].access',
    ]);
  });

  it('checks ranges the kernel would reject only after other limits were written', () => {
    const r: Resources = {
      memory: { limit: 100, swap: 50, swappiness: 101 },
      cpu: { period: 10, quota: 5, cpus: '0-', shares: 1 },
      blockIO: { weight: 5 },
      hugepageLimits: [{ pageSize: '2M', limit: 1 }],
      unified: { '../memory.max': '1', 'cgroup.procs': '1', 'memory.high': 'max' },
    };
    expect(checkResources(r).map((p) => p.path)).toEqual([
      'linux.resources.memory.swap',
      'linux.resources.memory.swappiness',
      'linux.resources.cpu.period',
      'linux.resources.cpu.quota',
      'linux.resources.cpu.shares',
      'linux.resources.cpu.cpus',
      'linux.resources.blockIO.weight',
      'linux.resources.hugepageLimits[0].pageSize',
      'linux.resources.unified["../memory.max"]',
      'linux.resources.unified["cgroup.procs"]',
    ]);
  });
});

describe('field names', () => {
  it('spells model paths as config.json pointers for the OCI lifecycle', () => {
    expect(ociPointer('memory.limit')).toBe('/linux/resources/memory/limit');
    expect(ociPointer('devices[2]')).toBe('/linux/resources/devices/2');
    expect(ociPointer('blockIO.weightDevice[0].weight')).toBe(
      '/linux/resources/blockIO/weightDevice/0/weight',
    );
    expect(ociPointer('unified["memory.high"]')).toBe('/linux/resources/unified/memory.high');
    expect(ociPointer('unified["a/b~c"]')).toBe('/linux/resources/unified/a~1b~0c');
  });
});

describe('model → v1 files', () => {
  it('writes every field to its v1 file, devices first, in an order the kernel accepts', () => {
    const r = resourcesFromOci(full, { withDevices: false });
    r.devices = resourcesFromOci({ devices: full.devices }).devices!.slice(0, 4);
    expect(files(v1ResourceWrites(r))).toEqual([
      'devices.deny=a',
      'devices.deny=a',
      'devices.allow=c 1:3 rw',
      'devices.deny=b 8:* rwm',
      `memory.limit_in_bytes=${64 << 20}`,
      `memory.soft_limit_in_bytes=${32 << 20}`,
      `memory.memsw.limit_in_bytes=${128 << 20}`,
      `memory.kmem.tcp.limit_in_bytes=${16 << 20}`,
      'memory.swappiness=10',
      'memory.oom_control=1',
      'cpu.shares=512',
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=20000',
      'cpu.rt_period_us=100000',
      'cpu.rt_runtime_us=1000',
      'cpu.idle=0',
      'cpuset.cpus=0',
      'cpuset.mems=0',
      'pids.max=32',
      'blkio.bfq.weight=500',
      'blkio.leaf_weight=300',
      'blkio.bfq.weight_device=8:0 100',
      'blkio.throttle.read_bps_device=8:0 1048576',
      'blkio.throttle.write_bps_device=8:0 2097152',
      'blkio.throttle.read_iops_device=8:0 100',
      'blkio.throttle.write_iops_device=8:0 200',
      'hugetlb.2MB.limit_in_bytes=4194304',
      'net_cls.classid=1048577',
      'net_prio.ifpriomap=eth0 5',
    ]);
    expect(v1ResourceWrites(r).find((w) => w.file === 'blkio.bfq.weight')?.fallback).toEqual({
      file: 'blkio.weight',
      value: '500',
    });
    expect(v1ResourceWrites(r).find((w) => w.file === 'cpu.cfs_quota_us')?.field).toBe(
      'linux.resources.cpu.quota',
    );
  });

  it('orders memory and memsw on an update so the kernel never sees memory > memsw', () => {
    const r: Resources = { memory: { limit: 200, swap: 400 } };
    const cur = (limit: bigint) => () => limit;
    expect(files(v1ResourceWrites(r, undefined, cur(100n)))).toEqual([
      'memory.memsw.limit_in_bytes=400',
      'memory.limit_in_bytes=200',
    ]);
    expect(files(v1ResourceWrites(r, undefined, cur(1000n)))).toEqual([
      'memory.limit_in_bytes=200',
      'memory.memsw.limit_in_bytes=400',
    ]);
    expect(files(v1ResourceWrites({ memory: { limit: 200, swap: -1 } }))).toEqual([
      'memory.memsw.limit_in_bytes=-1',
      'memory.limit_in_bytes=200',
    ]);
    expect(files(v1ResourceWrites({ pids: { limit: -1 } }))).toEqual(['pids.max=max']);
  });

  it('refuses unified on v1', () => {
    expect(v1Unsupported({ unified: { 'memory.high': '1' } })).toEqual([
      { path: 'linux.resources.unified', message: expect.stringContaining('only available on cgroup v2') },
    ]);
    expect(v1Unsupported(resourcesFromOci(full))).toEqual([]);
  });
});

describe('model → v2 files', () => {
  it('writes the v2 equivalents, converting swap, shares and weights, unified last', () => {
    const { memory: _m, ...rest } = resourcesFromOci(full, { withDevices: false });
    const r: Resources = {
      ...rest,
      memory: { limit: 64 << 20, reservation: 32 << 20, swap: 96 << 20 },
      cpu: { shares: 1024, quota: 50000, period: 200000, cpus: '0-1', mems: '0', idle: 1, burst: 1000 },
      blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 10 }] },
      unified: { 'memory.high': '50000000', 'memory.max': '70000000' },
    };
    expect(files(v2ResourceWrites(r))).toEqual([
      `memory.max=${64 << 20}`,
      `memory.low=${32 << 20}`,
      `memory.swap.max=${32 << 20}`,
      'cpu.weight=39',
      'cpu.max=50000 200000',
      'cpu.max.burst=1000',
      'cpu.idle=1',
      'cpuset.cpus=0-1',
      'cpuset.mems=0',
      'pids.max=32',
      'io.bfq.weight=500',
      'io.max=8:0 rbps=10',
      'hugetlb.2MB.max=4194304',
      'memory.high=50000000',
      'memory.max=70000000',
    ]);
    expect(v2ResourceWrites(r).find((w) => w.file === 'io.bfq.weight')?.fallback).toEqual({
      file: 'io.weight',
      value: String(blkioToIoWeight(500)),
    });
    expect(v2ControllersFor(v2ResourceWrites(r))).toEqual([
      'memory',
      'cpu',
      'cpuset',
      'pids',
      'io',
      'hugetlb',
    ]);
  });

  it('maps unlimited values to "max" and keeps the other half of cpu.max on an update', () => {
    expect(
      files(v2ResourceWrites({ memory: { limit: -1 }, cpu: { quota: -1 }, pids: { limit: -1 } })),
    ).toEqual(['memory.max=max', 'memory.swap.max=max', 'cpu.max=max 100000', 'pids.max=max']);
    const current = (file: string) => (file === 'cpu.max' ? '20000 50000\n' : null);
    expect(files(v2ResourceWrites({ cpu: { quota: 30000 } }, undefined, current))).toEqual([
      'cpu.max=30000 50000',
    ]);
    expect(files(v2ResourceWrites({ cpu: { period: 80000 } }, undefined, current))).toEqual([
      'cpu.max=20000 80000',
    ]);
    expect(files(v2ResourceWrites({ memory: { limit: 100, swap: 100 } }))).toEqual([
      'memory.max=100',
      'memory.swap.max=0',
    ]);
  });

  it('refuses the v1-only fields by name before anything is written', () => {
    expect(v2Unsupported(resourcesFromOci(full)).map((p) => p.path)).toEqual([
      'linux.resources.memory.kernelTCP',
      'linux.resources.memory.swappiness',
      'linux.resources.memory.disableOOMKiller',
      'linux.resources.cpu.realtimeRuntime',
      'linux.resources.blockIO.leafWeight',
      'linux.resources.network.classID',
      'linux.resources.network.priorities',
    ]);
    expect(v2Unsupported({ memory: { swap: 100 } }).map((p) => p.path)).toEqual([
      'linux.resources.memory.swap',
    ]);
  });

  it('turns the rules into the device program, dropping the leading deny-all the program implies', () => {
    const r = resourcesFromOci({ devices: full.devices });
    const rules = v2DeviceFilter(r)!;
    expect(rules.slice(0, 2)).toEqual([
      { type: 'c', major: 1, minor: 3, access: 'rw', allow: true },
      { type: 'b', major: 8, minor: -1, access: 'rwm', allow: false },
    ]);
    expect(rules).toHaveLength(2 + DEFAULT_DEVICE_RULES.length);
    expect(v2DeviceFilter({})).toBeNull();
  });
});

describe('2014 cgroups → the same model', () => {
  it('maps the 2014 fields onto the model and writes through the same writers', () => {
    const c = {
      name: 'x',
      memory: 100,
      memory_reservation: 50,
      cpu_shares: 512,
      cpu_quota: 20000,
      cpuset_cpus: '0',
      pids_limit: 5,
      allowed_devices: [{ type: 99, major_number: 1, minor_number: 3 }],
    };
    expect(resourcesFrom2014(c)).toEqual({
      devices: [
        { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
        { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
      ],
      memory: { limit: 100, reservation: 50, swap: 200, swapIfAccounted: true },
      cpu: { shares: 512, quota: 20000, cpus: '0' },
      pids: { limit: 5 },
    });
    const r = resourcesFrom2014(c);
    expect(files(v1Writes(c))).toEqual(files(v1ResourceWrites(r)));
    expect(v1Writes(c).find((w) => w.file === 'pids.max')?.field).toBe('cgroups.pids_limit');
    expect(v1Writes(c)[1]?.field).toBe('cgroups.allowed_devices[0]');
    expect(files(v2Writes(c))).toEqual(files(v2ResourceWrites(r)));
  });
});

describe("the engines' config.json through fromOci", () => {
  const fixture = (name: string) =>
    JSON.parse(readFileSync(join(import.meta.dirname, '../../../config/test/oci', name), 'utf8'));

  it('puts containerd CRI resources in the spec as the model, ready for the v2 writer', () => {
    const config = fixture('containerd-cri.json');
    delete config.process.apparmorProfile; // no AppArmor on the test hosts: refused by name otherwise
    const spec = fromOci(config, '/bundle');
    const r = spec.cgroup!.resources!;
    expect({ ...r, devices: r.devices!.length }).toEqual({
      memory: { limit: 268435456, swap: 268435456 },
      cpu: { shares: 256, quota: 50000, period: 100000 },
      pids: { limit: 4096 },
      hugepageLimits: [
        { pageSize: '2MB', limit: 0 },
        { pageSize: '1GB', limit: 0 },
      ],
      unified: { 'memory.oom.group': '1', 'memory.swap.max': '0' },
      devices: 2 + DEFAULT_DEVICE_RULES.length,
    });
    expect(spec.cgroup!.path).toMatch(/^\/kubepods\/burstable\/pod/);
    expect(v2Unsupported(r)).toEqual([]);
    expect(files(v2ResourceWrites(r)).slice(-2)).toEqual(['memory.oom.group=1', 'memory.swap.max=0']);
    // On a v1 host the same config is refused by name, as runc refuses it.
    expect(v1Unsupported(r).map((p) => p.path)).toEqual(['linux.resources.unified']);
  });

  it("gives a config without resources runc's device policy", () => {
    const spec = fromOci(fixture('runc-spec.json'), '/bundle');
    expect(spec.cgroup!.resources).toEqual({
      devices: [
        { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
        { allow: false, type: 'a', major: -1, minor: -1, access: 'rwm' },
        ...DEFAULT_DEVICE_RULES,
      ],
    });
  });
});
