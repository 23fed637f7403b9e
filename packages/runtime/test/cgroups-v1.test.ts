// The v1 manager on the real cgroup v1 hierarchies of this host: limits enforced by the kernel on
// real processes (memory OOM kill, CFS throttling, pids.max, the devices whitelist, the freezer),
// crash recovery of a stale directory, rollback on a bad value, and complete removal at teardown.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requires, useLeakCheck } from '@nsinit/testkit';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  cgroupsOf,
  freeze,
  freezerState,
  type ManagedCgroup,
  readStats,
  statsJson,
  setupCgroups,
  thaw,
} from '../src/cgroups/index.js';
import { type Gated, gated, killAll, ownV1Dir, sweep, V1_CONTROLLERS } from './cgroup-helpers.js';

useLeakCheck();

const parent = `nsinit-test-v1-${process.pid}`;
let n = 0;
const unique = () => `c${++n}`;
const procs: Gated[] = [];
const handles: ManagedCgroup[] = [];

function start(script: string): Gated {
  const g = gated(script);
  procs.push(g);
  return g;
}

async function setup(cgroups: Record<string, unknown>, pid: number): Promise<ManagedCgroup> {
  const cg = await setupCgroups({ cgroups: { parent, allow_all_devices: true, ...cgroups } } as never, pid);
  handles.push(cg!);
  return cg!;
}

afterEach(async () => {
  for (const cg of handles.splice(0)) for (const dir of Object.values(cg.paths)) await killAll(dir);
  for (const p of procs.splice(0)) await p.kill();
  for (const ctrl of V1_CONTROLLERS) sweep(join(ownV1Dir(ctrl), parent));
});

describe('cgroup v1 manager (real kernel)', () => {
  it('places the process in every controller, under our own cgroup, and removes it all at destroy', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1');
    const p = start('sleep 30');
    const name = unique();
    const cg = await setup({ name }, p.pid);
    const self = readFileSync('/proc/self/cgroup', 'utf8');
    for (const ctrl of ['memory', 'cpu', 'devices', 'freezer', 'pids']) {
      const dir = cg.paths[ctrl]!;
      expect(dir).toBe(join(ownV1Dir(ctrl), parent, name));
      expect(readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim()).toBe(String(p.pid));
    }
    expect(cg.paths.cpuset).toBeUndefined();
    const theirs = readFileSync(`/proc/${p.pid}/cgroup`, 'utf8');
    expect(theirs).toContain(`${parent}/${name}`);
    expect(self).not.toContain(parent);
    // A joined process lands beside PID 1.
    const joiner = start('sleep 30');
    const found = cgroupsOf({ cgroups: { parent, name } } as never, p.pid)!;
    expect(found.paths).toEqual(cg.paths);
    found.add(joiner.pid);
    expect(readFileSync(join(cg.paths.memory!, 'cgroup.procs'), 'utf8')).toContain(String(joiner.pid));
    await p.kill();
    await joiner.kill();
    await cg.destroy();
    for (const dir of Object.values(cg.paths)) expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(ownV1Dir('memory'), parent))).toBe(false);
  });

  it('OOM-kills a process that allocates past cgroups.memory and says so', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1', 'busybox');
    const p = start('exec /bin/busybox dd if=/dev/zero of=/dev/null bs=64M count=1');
    const cg = await setup({ name: unique(), memory: 16 << 20 }, p.pid);
    expect(readFileSync(join(cg.paths.memory!, 'memory.limit_in_bytes'), 'utf8').trim()).toBe(
      String(16 << 20),
    );
    const memsw = join(cg.paths.memory!, 'memory.memsw.limit_in_bytes');
    if (existsSync(memsw)) expect(readFileSync(memsw, 'utf8').trim()).toBe(String(32 << 20));
    expect(cg.oomKilled()).toBe(false);
    p.go();
    expect(await p.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(cg.oomKilled()).toBe(true);
    await cg.destroy();
  });

  it('throttles a busy loop to cpu_quota and the stats show throttled periods', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1');
    const p = start('while :; do :; done');
    const cg = await setup({ name: unique(), cpu_quota: 10000, cpu_period: 100000, cpu_shares: 512 }, p.pid);
    expect(readFileSync(join(cg.paths.cpu!, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('10000');
    expect(readFileSync(join(cg.paths.cpu!, 'cpu.shares'), 'utf8').trim()).toBe('512');
    p.go();
    await new Promise((r) => setTimeout(r, 600));
    const stats = await readStats(cg);
    expect(stats.cpu_stats.throlling_data.throttled_periods).toBeGreaterThan(0);
    expect(stats.cpu_stats.throlling_data.throttled_time).toBeGreaterThan(0);
    // 10 ms per 100 ms: well under half a CPU even with scheduling slack.
    expect(stats.cpu_stats.cpu_usage.percent_usage).toBeLessThan(50);
    expect(stats.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(0);
    await p.kill();
    await cg.destroy();
  });

  it('reports 64-bit counters exactly: the no-limit value 9223372036854771712 stays exact in JSON', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1');
    // exec: the shell becomes sleep, so killing it leaves no child in the cgroup.
    const p = start('exec sleep 30');
    const cg = await setup({ name: unique() }, p.pid);
    p.go();
    // With no memory limit the kernel reports PAGE_COUNTER_MAX pages in bytes, beyond 2^53.
    const file = readFileSync(join(cg.paths.memory!, 'memory.stat'), 'utf8');
    const raw = /^hierarchical_memory_limit (\d+)$/m.exec(file)?.[1];
    expect(raw).toBeDefined();
    expect(BigInt(raw!)).toBeGreaterThan(BigInt(Number.MAX_SAFE_INTEGER));
    const stats = await readStats(cg, 1);
    expect(stats.memory_stats.stats.hierarchical_memory_limit).toBe(BigInt(raw!));
    const json = statsJson(stats);
    expect(json).toContain(`"hierarchical_memory_limit": ${raw},`);
    expect(JSON.parse(json).memory_stats.usage).toBe(stats.memory_stats.usage);
    await p.kill();
    await cg.destroy();
  });

  it('stops a fork loop at pids_limit', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1');
    const p = start('for i in 1 2 3 4 5 6 7 8 9 10; do sleep 30 & done; wait');
    const cg = await setup({ name: unique(), pids_limit: 4 }, p.pid);
    p.go();
    const deadline = Date.now() + 5000;
    const events = join(cg.paths.pids!, 'pids.events');
    while (Date.now() < deadline && !/max [1-9]/.test(readFileSync(events, 'utf8')))
      await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(events, 'utf8')).toMatch(/max [1-9]/);
    expect(Number(readFileSync(join(cg.paths.pids!, 'pids.current'), 'utf8'))).toBeLessThanOrEqual(4);
    const stats = await readStats(cg, 1);
    expect(stats.pids_stats).toMatchObject({ limit: 4 });
    await killAll(cg.paths.pids!);
    const { stderr } = await p.exited;
    expect(stderr).toMatch(/fork|resource temporarily unavailable/i);
    await cg.destroy();
  });

  it('denies a device missing from allowed_devices with EPERM', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1', 'busybox');
    // This host has no /dev/mem: make a 1:1 node of our own (on a filesystem without nodev).
    const dir = mkdtempSync(join(tmpdir(), 'nsinit-dev-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    execFileSync('mknod', ['-m', '0600', join(dir, 'mem'), 'c', '1', '1']);
    const allowed = [{ type: 99, major_number: 1, minor_number: 3, cgroup_permissions: 'rwm' }];
    const p = start(
      `/bin/busybox head -c1 /dev/null && echo null-ok >&2; exec /bin/busybox head -c1 ${join(dir, 'mem')}`,
    );
    const cg = await setup({ name: unique(), allow_all_devices: false, allowed_devices: allowed }, p.pid);
    expect(readFileSync(join(cg.paths.devices!, 'devices.list'), 'utf8').trim()).toBe('c 1:3 rwm');
    p.go();
    const r = await p.exited;
    expect(r.stderr).toContain('null-ok');
    expect(r.stderr).toContain(`${join(dir, 'mem')}: Operation not permitted`);
    expect(r.code).not.toBe(0);
    await cg.destroy();
  });

  it('pauses and resumes with the freezer', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1');
    const p = start('while :; do :; done');
    const cg = await setup({ name: unique() }, p.pid);
    p.go();
    await freeze(cg);
    expect(freezerState(cg)).toBe('FROZEN');
    const usage = () => Number(readFileSync(join(cg.paths.cpuacct!, 'cpuacct.usage'), 'utf8'));
    const before = usage();
    await new Promise((r) => setTimeout(r, 200));
    expect(usage()).toBe(before);
    expect((await readStats(cg, 1)).freezer_stats.self_state).toBe('FROZEN');
    await thaw(cg);
    expect(freezerState(cg)).toBe('THAWED');
    await new Promise((r) => setTimeout(r, 200));
    expect(usage()).toBeGreaterThan(before);
    await p.kill();
    await cg.destroy();
  });

  it('starts FROZEN when cgroups.freezer says so', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1');
    const p = start('sleep 30');
    const cg = await setup({ name: unique(), freezer: 'FROZEN' }, p.pid);
    expect(readFileSync(join(cg.paths.freezer!, 'freezer.state'), 'utf8').trim()).toBe('FROZEN');
    await thaw(cg);
    await p.kill();
    await cg.destroy();
  });

  it('cleans a stale directory left by a crash and refuses one that still has processes', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1');
    const name = unique();
    for (const ctrl of ['memory', 'pids']) mkdirSync(join(ownV1Dir(ctrl), parent, name), { recursive: true });
    const p = start('sleep 30');
    const cg = await setup({ name }, p.pid);
    expect(readFileSync(join(cg.paths.memory!, 'cgroup.procs'), 'utf8').trim()).toBe(String(p.pid));
    const q = start('sleep 30');
    await expect(setupCgroups({ cgroups: { parent, name } } as never, q.pid)).rejects.toMatchObject({
      code: 'ERR_NSINIT_CGROUP_BUSY',
      message: expect.stringContaining(`is in use by pid ${p.pid}`),
    });
    await p.kill();
    await cg.destroy();
  });

  it('rolls back on a value the kernel rejects: the process moves back and no directory stays', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1');
    const p = start('sleep 30');
    const name = unique();
    const err = await setupCgroups({ cgroups: { parent, name, cpuset_cpus: '999' } } as never, p.pid).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ syscall: 'write', path: expect.stringMatching(/cpuset\.cpus$/) });
    expect(['EINVAL', 'ERANGE']).toContain(err.code); // the kernel's errno for a CPU it does not have
    expect(err.message).toMatch(/^cgroups\.cpuset_cpus: cannot write '999' to /);
    for (const ctrl of V1_CONTROLLERS) expect(existsSync(join(ownV1Dir(ctrl), parent))).toBe(false);
    expect(readFileSync(`/proc/${p.pid}/cgroup`, 'utf8')).not.toContain(parent);
  });

  it('applies cpuset_cpus after copying cpus and mems down', async (ctx) => {
    requires(ctx, 'root', 'cgroup-v1');
    const p = start('sleep 30');
    const cg = await setup({ name: unique(), cpuset_cpus: '0' }, p.pid);
    expect(readFileSync(join(cg.paths.cpuset!, 'cpuset.cpus'), 'utf8').trim()).toBe('0');
    expect(readFileSync(join(cg.paths.cpuset!, 'cpuset.mems'), 'utf8').trim()).not.toBe('');
    expect(readFileSync(`/proc/${p.pid}/status`, 'utf8')).toMatch(/Cpus_allowed_list:\s+0\n/);
    await p.kill();
    await cg.destroy();
  });
});
