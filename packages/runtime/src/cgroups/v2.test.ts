// The v2 manager against a temp-dir root that plays the kernel: mkdir populates the interface
// files a real cgroup2 directory has (controller files only for controllers the parent enabled).
// The same manager runs for real on /sys/fs/cgroup/unified in test/cgroups-v2.test.ts.
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemError } from '@nsinit/native';
import { createNativeFake } from '@nsinit/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CgroupFs, realFs } from './cgroupfs.js';
import { freeze, freezerState, thaw } from './freezer.js';
import { cgroupsOf, setupCgroups } from './index.js';
import { readStats } from './stats.js';

const CONTROLLER_FILES: Record<string, string[]> = {
  memory: ['memory.max', 'memory.low', 'memory.swap.max', 'memory.events', 'memory.current', 'memory.stat'],
  cpu: ['cpu.weight', 'cpu.max'],
  pids: ['pids.max', 'pids.current'],
  cpuset: ['cpuset.cpus'],
};

/** realFs plus what the kernel does on mkdir/rmdir/write of cgroup2 core files. */
function kernelFs(writes: string[]): CgroupFs {
  const read = (p: string) => readFileSync(p, 'utf8');
  const populate = (dir: string) => {
    const enabled = read(join(dir, '..', 'cgroup.subtree_control'))
      .split(/\s+/)
      .filter(Boolean);
    const files: Record<string, string> = {
      'cgroup.procs': '',
      'cgroup.controllers': enabled.join(' '),
      'cgroup.subtree_control': '',
      'cgroup.events': 'populated 0\nfrozen 0\n',
      'cgroup.freeze': '0\n',
      'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n',
    };
    for (const c of enabled)
      for (const f of CONTROLLER_FILES[c] ?? []) files[f] = f === 'memory.events' ? 'oom_kill 0\n' : 'max\n';
    for (const [f, v] of Object.entries(files)) writeFileSync(join(dir, f), v);
  };
  return {
    ...realFs,
    mkdir(dir) {
      const made = realFs.mkdir(dir);
      if (made) populate(dir);
      return made;
    },
    rmdir(dir) {
      for (const f of readdirSync(dir, { withFileTypes: true }))
        if (f.isFile()) unlinkSync(join(dir, f.name));
      realFs.rmdir(dir);
    },
    write(path, value) {
      writes.push(`${path}=${value}`);
      realFs.write(path, value);
      if (path.endsWith('cgroup.subtree_control')) {
        const set = new Set(
          read(path)
            .split(/\s+/)
            .filter((w) => w && !w.startsWith('+')),
        );
        const added = value.split(' ').map((w) => w.slice(1));
        for (const w of added) set.add(w);
        writeFileSync(path, [...set].join(' '));
        // The kernel creates the newly enabled controllers' files in every existing child.
        const dir = join(path, '..');
        for (const child of readdirSync(dir, { withFileTypes: true })) {
          if (!child.isDirectory()) continue;
          writeFileSync(join(dir, child.name, 'cgroup.controllers'), [...set].join(' '));
          for (const c of added) {
            for (const f of CONTROLLER_FILES[c] ?? []) {
              writeFileSync(join(dir, child.name, f), f === 'memory.events' ? 'oom_kill 0\n' : 'max\n');
            }
          }
        }
      }
      if (path.endsWith('cgroup.freeze'))
        writeFileSync(join(path, '..', 'cgroup.events'), `populated 1\nfrozen ${value.trim()}\n`);
    },
  };
}

let root: string;
let writes: string[];
let fs: CgroupFs;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nsinit-v2-'));
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids');
  writeFileSync(join(root, 'cgroup.subtree_control'), '');
  writeFileSync(join(root, 'cgroup.procs'), '');
  writes = [];
  fs = kernelFs(writes);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const rel = (p: string) => p.slice(root.length);
const opts = () => ({ version: 2 as const, v2: { root, self: '/', fs } });

describe('v2 manager (temp-dir root)', () => {
  it('enables controllers top-down, writes every limit, then places the pid', async () => {
    const cg = await setupCgroups(
      {
        cgroups: {
          name: 'c1',
          parent: 'nsinit/test',
          memory: 64 << 20,
          cpu_quota: 20000,
          cpu_shares: 2048,
          pids_limit: 16,
        },
      } as never,
      4242,
      opts(),
    );
    expect(cg?.paths).toEqual({ unified: join(root, 'nsinit/test/c1') });
    expect(writes.map(rel)).toEqual([
      '/cgroup.subtree_control=+memory +cpu +pids',
      '/nsinit/cgroup.subtree_control=+memory +cpu +pids',
      '/nsinit/test/cgroup.subtree_control=+memory +cpu +pids',
      `/nsinit/test/c1/memory.max=${64 << 20}`,
      `/nsinit/test/c1/memory.swap.max=${64 << 20}`,
      '/nsinit/test/c1/cpu.weight=79',
      '/nsinit/test/c1/cpu.max=20000 100000',
      '/nsinit/test/c1/pids.max=16',
      '/nsinit/test/c1/cgroup.procs=4242',
    ]);
    await cg!.destroy();
    expect(readdirSync(root).filter((f) => !f.startsWith('cgroup.'))).toEqual([]);
  });

  it('names the field when a controller is not offered, and leaves nothing behind', async () => {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu');
    await expect(
      setupCgroups({ cgroups: { name: 'c2', parent: 'p', pids_limit: 5 } } as never, 1, opts()),
    ).rejects.toThrow(
      expect.objectContaining({
        code: 'ERR_NSINIT_CGROUP_CONTROLLER',
        message: expect.stringContaining('cgroups.pids_limit: the pids controller is not available'),
      }),
    );
    expect(readdirSync(root).filter((f) => !f.startsWith('cgroup.'))).toEqual([]);
  });

  it('recreates a stale leaf with an empty cgroup.procs and refuses a live one', async () => {
    fs.mkdir(join(root, 'c3'));
    writes.length = 0;
    const cg = await setupCgroups({ cgroups: { name: 'c3' } } as never, 77, opts());
    expect(writes.map(rel)).toEqual(['/c3/cgroup.procs=77']);
    writeFileSync(join(root, 'c3', 'cgroup.procs'), '77\n');
    await expect(setupCgroups({ cgroups: { name: 'c3' } } as never, 78, opts())).rejects.toMatchObject({
      code: 'ERR_NSINIT_CGROUP_BUSY',
    });
    writeFileSync(join(root, 'c3', 'cgroup.procs'), '');
    await cg!.destroy();
  });

  it('freezes and thaws through cgroup.freeze and reports oom_kill from memory.events', async () => {
    const cg = (await setupCgroups({ cgroups: { name: 'c4', memory: 1 << 20 } } as never, 9, opts()))!;
    expect(freezerState(cg)).toBe('THAWED');
    await freeze(cg);
    expect(freezerState(cg)).toBe('FROZEN');
    await thaw(cg);
    expect(freezerState(cg)).toBe('THAWED');
    expect(cg.oomKilled()).toBe(false);
    writeFileSync(join(root, 'c4', 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    expect(cg.oomKilled()).toBe(true);
    const stats = await readStats(cg, 1);
    expect(stats.cgroup_version).toBe(2);
    expect(stats.memory_stats.failcnt).toBe(3);
    expect(stats.cpu_stats.cpu_usage.total_usage).toBe(1_500_000);
    await cg.destroy();
  });

  it('attaches the device program after the limits and before the pid, with 2014 rule defaults', async () => {
    const native = createNativeFake();
    const order: string[] = [];
    const orig = native.cgroupDeviceFilter;
    native.cgroupDeviceFilter = (dir, rules) => {
      order.push(`bpf ${rel(dir)}`, ...writes.splice(0).map(rel));
      orig(dir, rules);
    };
    const allowed = [
      { type: 99, major_number: 1, minor_number: 3, cgroup_permissions: 'rwm' },
      { type: 98, major_number: -1, minor_number: -1, cgroup_permissions: 'm' },
      { type: 99, major_number: 136 },
    ];
    const cg = await setupCgroups(
      { cgroups: { name: 'd1', allow_all_devices: false, allowed_devices: allowed } } as never,
      31,
      { ...opts(), v2: { ...opts().v2, native } },
    );
    order.push(...writes.map(rel));
    expect(order).toEqual(['bpf /d1', '/d1/cgroup.procs=31']);
    expect(native.calls).toEqual([
      {
        name: 'cgroupDeviceFilter',
        args: [
          join(root, 'd1'),
          [
            { type: 'c', major: 1, minor: 3, access: 'rwm', allow: true },
            { type: 'b', major: -1, minor: -1, access: 'm', allow: true },
            { type: 'c', major: 136, minor: 0, access: 'rwm', allow: true },
          ],
        ],
      },
    ]);
    await cg!.destroy();
  });

  it('attaches nothing when every device is allowed or no list is given', async () => {
    const native = createNativeFake();
    const o = { ...opts(), v2: { ...opts().v2, native } };
    const rules = [{ type: 99, major_number: 1, minor_number: 3 }];
    const a = await setupCgroups(
      { cgroups: { name: 'd2', allow_all_devices: true, allowed_devices: rules } } as never,
      1,
      o,
    );
    const b = await setupCgroups({ cgroups: { name: 'd3' } } as never, 2, o);
    expect(native.calls).toEqual([]);
    await a!.destroy();
    await b!.destroy();
  });

  it('names /cgroups/allowed_devices when the program cannot be attached, and leaves nothing behind', async () => {
    const native = createNativeFake({
      fail: { cgroupDeviceFilter: systemError(-1, 'bpf', join(root, 'd4')) },
    });
    const err = await setupCgroups(
      {
        cgroups: {
          name: 'd4',
          parent: 'p',
          allowed_devices: [{ type: 99, major_number: 1, minor_number: 3 }],
        },
      } as never,
      5,
      { ...opts(), v2: { ...opts().v2, native } },
    ).catch((e) => e);
    expect(err).toMatchObject({
      code: 'EPERM',
      errno: -1,
      syscall: 'bpf',
      path: join(root, 'd4'),
      message: expect.stringMatching(
        /^\/cgroups\/allowed_devices: cannot attach the device program to .*: EPERM/,
      ),
    });
    expect(err.cause).toBeDefined();
    expect(writes.some((w) => w.includes('cgroup.procs'))).toBe(false);
    expect(readdirSync(root).filter((f) => !f.startsWith('cgroup.'))).toEqual([]);
  });

  it('returns null without cgroups and finds nothing for a pid outside the container', () => {
    expect(cgroupsOf({} as never, process.pid, opts())).toBeNull();
    expect(cgroupsOf({ cgroups: { name: 'nope' } } as never, process.pid, opts())).toBeNull();
  });
});
