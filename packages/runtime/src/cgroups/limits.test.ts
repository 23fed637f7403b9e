import { REFERENCE_MISSING, sampleText } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import {
  checkCgroups,
  deviceRule,
  memswLimit,
  sharesToWeight,
  v1Controllers,
  v1Writes,
  v2ControllersFor,
  v2Writes,
} from './limits.js';

// The 2014 sample's cgroups, read from beside the repository (see testkit's reference.ts).
const sampleJson = sampleText();
const sample = sampleJson === null ? null : JSON.parse(sampleJson).cgroups;
const needSample = (ctx: { skip: (note: string) => never }) => {
  if (sample === null) ctx.skip(REFERENCE_MISSING);
};

describe('2014 cgroups fields → v1 files', () => {
  it('writes the sample whitelist after a deny-all, with -1 as * and an omitted minor as 0', (ctx) => {
    needSample(ctx);
    const w = v1Writes(sample);
    expect(w[0]).toMatchObject({ controller: 'devices', file: 'devices.deny', value: 'a' });
    expect(w.slice(1).map((x) => x.value)).toEqual([
      'c *:* m',
      'b *:* m',
      'c 5:1 rwm',
      'c 4:0 rwm',
      'c 4:1 rwm',
      'c 136:* rwm',
      'c 5:2 rwm',
      'c 10:200 rwm',
      'c 1:3 rwm',
      'c 1:5 rwm',
      'c 1:7 rwm',
      'c 5:0 rwm',
      'c 1:9 rwm',
      'c 1:8 rwm',
    ]);
    expect(w.every((x) => x.file.startsWith('devices.'))).toBe(true);
  });

  it('leaves the devices cgroup alone with allow_all_devices', (ctx) => {
    needSample(ctx);
    expect(v1Writes({ name: 'x', allow_all_devices: true, allowed_devices: sample.allowed_devices })).toEqual(
      [],
    );
  });

  it('maps memory, cpu, cpuset and pids in an order the kernel accepts', () => {
    const w = v1Writes({
      name: 'x',
      allow_all_devices: true,
      memory: 64 << 20,
      memory_reservation: 32 << 20,
      cpu_shares: 512,
      cpu_quota: 20000,
      cpu_period: 100000,
      cpuset_cpus: '0',
      pids_limit: 32,
    });
    expect(w.map((x) => `${x.file}=${x.value}`)).toEqual([
      `memory.limit_in_bytes=${64 << 20}`,
      `memory.soft_limit_in_bytes=${32 << 20}`,
      `memory.memsw.limit_in_bytes=${128 << 20}`,
      'cpu.shares=512',
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=20000',
      'cpuset.cpus=0',
      'pids.max=32',
    ]);
  });

  it('honours memory_swap: >0 as the memsw limit, -1 unlimited, absent = 2014 2×memory (optional file)', () => {
    expect(memswLimit({ memory: 100 })).toBe(200);
    expect(memswLimit({ memory: 100, memory_swap: 150 })).toBe(150);
    expect(memswLimit({ memory: 100, memory_swap: -1 })).toBeNull();
    expect(memswLimit({ memory_swap: 100 })).toBeNull();
    const derived = v1Writes({ name: 'x', allow_all_devices: true, memory: 100 }).find((w) =>
      w.file.includes('memsw'),
    );
    expect(derived?.optional).toBe(true);
    const explicit = v1Writes({ name: 'x', allow_all_devices: true, memory: 100, memory_swap: 300 }).find(
      (w) => w.file.includes('memsw'),
    );
    expect(explicit).toMatchObject({ value: '300', optional: false });
  });

  it('joins cpuset only when cpuset_cpus is set', () => {
    expect(v1Controllers({ name: 'x' })).not.toContain('cpuset');
    expect(v1Controllers({ name: 'x', cpuset_cpus: '0-1' })).toContain('cpuset');
  });
});

describe('2014 cgroups fields → v2 files', () => {
  it('maps every limit to its unified file and lists the controllers to enable', () => {
    const w = v2Writes({
      name: 'x',
      memory: 100 << 20,
      memory_reservation: 50 << 20,
      memory_swap: 300 << 20,
      cpu_shares: 1024,
      cpu_quota: 50000,
      cpu_period: 200000,
      cpuset_cpus: '1',
      pids_limit: 10,
    });
    expect(w.map((x) => `${x.file}=${x.value}`)).toEqual([
      `memory.max=${100 << 20}`,
      `memory.low=${50 << 20}`,
      `memory.swap.max=${200 << 20}`,
      'cpu.weight=39',
      'cpu.max=50000 200000',
      'cpuset.cpus=1',
      'pids.max=10',
    ]);
    expect(v2ControllersFor(w)).toEqual(['memory', 'cpu', 'cpuset', 'pids']);
  });

  it('writes a period without a quota as "max <period>" and nothing for an empty config', () => {
    expect(v2Writes({ name: 'x', cpu_period: 50000 })).toEqual([
      expect.objectContaining({ file: 'cpu.max', value: 'max 50000', field: 'cgroups.cpu_period' }),
    ]);
    expect(v2Writes({ name: 'x' })).toEqual([]);
  });

  it('converts cpu.shares to cpu.weight keeping the ends of both ranges', () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(262144)).toBe(10000);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(1)).toBe(1);
  });

  it('formats device rules with wildcards', () => {
    expect(deviceRule({ type: 98, major_number: 8, minor_number: -1, cgroup_permissions: 'rw' })).toBe(
      'b 8:* rw',
    );
    expect(deviceRule({ type: 97, major_number: -1, minor_number: -1 })).toBe('a *:* rwm');
  });
});

describe('checkCgroups', () => {
  it('accepts the sample and names each bad field', (ctx) => {
    needSample(ctx);
    expect(checkCgroups(sample)).toEqual([]);
    expect(
      checkCgroups({
        name: '..',
        parent: 'a/../../b',
        memory: 100,
        memory_swap: 50,
        cpu_quota: 10,
        freezer: 'PAUSED',
        allowed_devices: [{ type: 120 }],
      }).map((p) => p.path),
    ).toEqual([
      'cgroups.name',
      'cgroups.parent',
      'cgroups.memory_swap',
      'cgroups.cpu_quota',
      'cgroups.freezer',
      'cgroups.allowed_devices[0].type',
    ]);
    expect(checkCgroups({})).toEqual([{ path: 'cgroups.name', message: 'is required when cgroups is set' }]);
  });
});
