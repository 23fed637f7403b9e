// The list limits: at the limit a config validates, one past it is one error naming the list, and
// hostile sizes (a million entries) are refused without exhausting the stack or listing each entry.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fullConfig } from '../test/fixtures.js';
import { type ContainerConfig, defaultOciSpec, validateConfig, validateOciConfig } from './index.js';
import { deviceDirectories, execBudget, LIST_LIMITS, normalisePath } from './limits.js';

type Mutable = Record<string, any>;

/** One valid entry per list, distinct per index where the list needs it. */
const ENTRY: Record<keyof typeof LIST_LIMITS, (i: number) => unknown> = {
  environment: (i) => `V${i}=x`,
  capabilities: () => 'CHOWN',
  mounts: (i) => ({ type: 'bind', source: '/tmp', destination: `/m${i}` }),
  device_nodes: (i) => ({ type: 99, path: `/dev/n${i}`, major_number: 1, minor_number: 3, file_mode: 438 }),
  networks: () => ({ type: 'loopback', mtu: 65536 }),
  routes: () => ({ gateway: '10.0.0.1', interface_name: 'eth0' }),
  rlimits: () => ({ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }),
  allowed_devices: (i) => ({ type: 99, major_number: 1, minor_number: i, cgroup_permissions: 'rwm' }),
  // Short numbers: 340 lines must also fit the one write (under a page) the kernel reads a map from.
  uid_mappings: (i) => ({ container_id: i, host_id: 1000 + i, size: 1 }),
  gid_mappings: (i) => ({ container_id: i, host_id: 1000 + i, size: 1 }),
};

function withList(name: keyof typeof LIST_LIMITS, n: number): ContainerConfig {
  const c = { ...fullConfig(), namespaces: { NEWNS: true, NEWNET: true, NEWUSER: true } } as Mutable;
  delete c.rlimits;
  // What needs the namespaces this config drops.
  delete c.domainname;
  delete c.sysctl;
  delete c.time_offsets;
  const items = Array.from({ length: n }, (_, i) => ENTRY[name](i));
  if (name === 'allowed_devices') c.cgroups = { ...c.cgroups, allowed_devices: items };
  else c[name] = items;
  return c as ContainerConfig;
}

const at = (name: keyof typeof LIST_LIMITS) =>
  name === 'allowed_devices' ? '/cgroups/allowed_devices' : `/${name}`;

describe('list limits', () => {
  it.each(
    Object.keys(LIST_LIMITS).filter(
      (k) => k !== 'environment' && k !== 'rlimits',
    ) as (keyof typeof LIST_LIMITS)[],
  )('%s: validates at the limit and names the list one past it', (name) => {
    const max = LIST_LIMITS[name];
    const ok = validateConfig(withList(name, max));
    expect(ok.ok ? [] : ok.errors).toEqual([]);
    const over = validateConfig(withList(name, max + 1));
    expect(over.ok ? [] : over.errors).toEqual([
      {
        path: at(name),
        message: expect.stringMatching(
          new RegExp(`^must have at most ${max} entries \\(.+\\), got ${max + 1}$`),
        ),
      },
    ]);
  });

  it('rlimits: one per resource, duplicates are errors before the count limit matters', () => {
    const over = validateConfig(withList('rlimits', LIST_LIMITS.rlimits + 1));
    expect(over.ok).toBe(false);
    expect(over.ok ? [] : over.errors.map((e) => e.path)).toEqual(['/rlimits']);
  });

  it('a million capabilities or 200k device nodes: one error each, no stack exhaustion, no flood', () => {
    for (const [name, n] of [
      ['capabilities', 1_000_000],
      ['device_nodes', 200_000],
      ['environment', 300_000],
      ['mounts', 200_000],
    ] as const) {
      const r = validateConfig(withList(name, n));
      expect(r.ok).toBe(false);
      expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual([at(name)]);
      expect(r.warnings.length).toBeLessThan(10);
    }
    const dup = validateConfig({ ...withList('environment', 0), environment: Array(300_000).fill('A=1') });
    expect(dup.ok ? [] : dup.errors.map((e) => e.path)).toEqual(['/environment']);
  });

  it('the OCI validator too: a million capabilities or duplicate env entries never exhaust the stack', () => {
    const spec = defaultOciSpec();
    const caps = {
      ...spec,
      process: { ...spec.process!, capabilities: { bounding: Array(1_000_000).fill('CAP_CHOWN') } },
    };
    const r = validateOciConfig(caps);
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(['/process/capabilities/bounding']);
    const env = { ...spec, process: { ...spec.process!, env: Array(300_000).fill('A=1') } };
    expect(() => validateOciConfig(env)).not.toThrow();
  });

  it("environment: fills half of execve's argument space, no more", () => {
    // 1 MiB under the default 8 MiB stack; each entry costs its bytes, a NUL and a pointer.
    const half = execBudget(undefined) / 2;
    expect(half).toBe(1 << 20);
    const entry = (i: number, len: number) => `E${String(i).padStart(5, '0')}=${'x'.repeat(len - 7)}`;
    const n = 1024;
    const fits = Array.from({ length: n }, (_, i) => entry(i, half / n - 9));
    const ok = validateConfig({ ...withList('environment', 0), environment: fits });
    expect(ok.ok ? [] : ok.errors).toEqual([]);
    const over = validateConfig({ ...withList('environment', 0), environment: [...fits, 'X=1'] });
    expect(over.ok ? [] : over.errors.map((e) => [e.path, e.message])).toEqual([
      ['/environment', expect.stringMatching(/take 1048588 bytes .* at most 1048576 fit/)],
    ]);
    // A lower RLIMIT_STACK in the config lowers the budget: a quarter of it, at least ARG_MAX.
    const small = validateConfig({
      ...withList('environment', 0),
      environment: fits,
      rlimits: [{ type: 'RLIMIT_STACK', soft: 1 << 20, hard: 1 << 20 }],
    });
    expect(small.ok ? [] : small.errors.map((e) => e.path)).toEqual(['/environment']);
    expect(execBudget(1 << 20)).toBe(256 << 10);
    expect(execBudget(4096)).toBe(128 << 10);
    expect(execBudget(-1)).toBe(6 << 20);
  });

  it('device nodes: their parent directories count as plan steps too', () => {
    expect(deviceDirectories(['/dev/a/b/c', '/dev/a/d', '/dev/null', '/x/../dev/e/f'])).toEqual([
      '/dev/a',
      '/dev/a/b',
      '/dev/e',
    ]);
    const deep = Array.from({ length: 40 }, (_, i) => `/dev/${`d${i}/`.repeat(30)}n`);
    const r = validateConfig({
      ...withList('device_nodes', 0),
      device_nodes: deep.map((path) => ({ type: 99, path, major_number: 1, minor_number: 3 })),
    });
    expect(r.ok ? [] : r.errors.map((e) => [e.path, e.message])).toEqual([
      ['/device_nodes', expect.stringMatching(/need 1200 directories below \/dev; at most 1024/)],
    ]);
    const root = validateConfig({
      ...withList('device_nodes', 0),
      device_nodes: [{ type: 99, path: '/dev/..', major_number: 1, minor_number: 3 }],
    });
    expect(root.ok ? [] : root.errors.map((e) => e.path)).toEqual(['/device_nodes/0/path']);
    expect(normalisePath('//a/./b/../c')).toBe('/a/c');
  });

  it('device nodes the devices cgroup would refuse to mknod are errors (EPERM at start otherwise)', () => {
    const c = {
      ...withList('device_nodes', 0),
      device_nodes: [
        { type: 99, path: '/dev/null', major_number: 1, minor_number: 3 },
        { type: 99, path: '/dev/fuse', major_number: 10, minor_number: 229 },
        { type: 98, path: '/dev/sda', major_number: 8, minor_number: 0 },
      ],
      cgroups: {
        name: 'x',
        allowed_devices: [
          { type: 99, major_number: 1, minor_number: -1, cgroup_permissions: 'rwm' },
          { type: 99, major_number: 10, minor_number: 229, cgroup_permissions: 'rw' },
          { type: 98, major_number: -1, minor_number: -1, cgroup_permissions: 'm' },
        ],
      },
    };
    const r = validateConfig(c);
    expect(r.ok ? [] : r.errors.map((e) => [e.path, e.message])).toEqual([
      [
        '/device_nodes/1',
        expect.stringMatching(/no rule allowing mknod \("m"\) of c 10:229, so \/dev\/fuse/),
      ],
    ]);
    const all = validateConfig({ ...c, cgroups: { ...c.cgroups, allow_all_devices: true } });
    expect(all.ok ? [] : all.errors).toEqual([]);
  });

  it('the plan bytes: long mount paths at the count limit are refused at /mounts', () => {
    const long = (i: number) => `/${String(i).padStart(4, '0')}${'p'.repeat(4000)}`;
    const mounts = Array.from({ length: 1024 }, (_, i) => ({
      type: 'bind',
      source: long(i),
      destination: long(i),
    }));
    const r = validateConfig({ ...withList('mounts', 0), mounts });
    expect(r.ok ? [] : r.errors.map((e) => [e.path, e.message])).toEqual([
      ['/mounts', expect.stringMatching(/take \d+ bytes of the container's plan; at most 4194304 fit/)],
    ]);
  });

  it('property: any list size validates only within its limit and never throws', () => {
    const names = Object.keys(LIST_LIMITS) as (keyof typeof LIST_LIMITS)[];
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.oneof(fc.integer({ min: -3, max: 3 }), fc.integer({ min: 4, max: 2000 })),
        (name, delta) => {
          const n = Math.max(0, LIST_LIMITS[name] + delta);
          const r = validateConfig(withList(name, n));
          if (r.ok) expect(n).toBeLessThanOrEqual(LIST_LIMITS[name]);
          if (n > LIST_LIMITS[name]) expect(r.ok ? [] : r.errors.map((e) => e.path)).toContain(at(name));
        },
      ),
      { numRuns: 60 },
    );
  });
});
