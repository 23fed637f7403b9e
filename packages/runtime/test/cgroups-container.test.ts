// Cgroup limits on real containers started through the runtime API and the CLI: OOM kill reported
// with its reason, CFS throttling visible in `nsinit stats`, pause/resume, the devices whitelist
// against a node created by device_nodes, pids.max against a fork loop, and joins placed beside
// PID 1. Every container runs under a bundle-unique cgroup name (tests run in parallel).
import { readFileSync, writeFileSync } from 'node:fs';
import type { ContainerConfig } from '@nsinit/config';
import { createBundle, requires, runCli, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { exec } from '../src/index.js';
import { UNTIL_STOPPED, waitForPid } from './net-helpers.js';

useLeakCheck();

/** A bundle with no networks (loopback needs nothing, but keep these about cgroups) and `cgroups` extras. */
function bundle(cgroups: Record<string, unknown>, edit: (c: ContainerConfig) => void = () => {}) {
  return createBundle({
    config: (c) => {
      c.networks = [];
      c.cgroups = { ...c.cgroups!, ...cgroups };
      edit(c);
    },
  });
}

async function run(dir: string, argv: string[]) {
  const proc = await exec(dir, argv, { stdio: 'pipe' });
  proc.stdin?.end();
  let stdout = '';
  let stderr = '';
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const result = await proc.wait();
  return { ...result, stdout, stderr };
}

describe('cgroups on real containers', () => {
  it('reports an OOM kill as SIGKILL with oomKilled, and not for a run within the limit', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const b = await bundle({ memory: 16 << 20 });
    const ok = await run(b.dir, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1M', 'count=4']);
    expect(ok).toMatchObject({ exitCode: 0, signal: null, oomKilled: false });
    const oom = await run(b.dir, ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
    expect(oom).toMatchObject({ exitCode: null, signal: 'SIGKILL', oomKilled: true });
    const cli = await runCli(['exec', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], {
      cwd: b.dir,
    });
    expect(cli.exitCode).toBe(137);
    expect(cli.stderr).toContain('nsinit: the container was killed (SIGKILL): out of memory');
  });

  it('throttles a busy loop to cpu_quota; nsinit stats shows it; pause and resume freeze it', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const b = await bundle({ cpu_quota: 10000, cpu_period: 100000 });
    const proc = await exec(b.dir, ['sh', '-c', 'while [ ! -e /tmp/stop ]; do :; done'], { stdio: 'ignore' });
    try {
      const pid = await waitForPid(b.dir);
      await new Promise((r) => setTimeout(r, 600));
      const json = await runCli(['stats', '--json'], { cwd: b.dir });
      expect(json).toMatchObject({ exitCode: 0, stderr: '' });
      // 64-bit values are printed digit for digit (9223372036854771712, not ...772000).
      const memPath = /^\d+:memory:(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))![1];
      const memStat = readFileSync(`/sys/fs/cgroup/memory${memPath}/memory.stat`, 'utf8');
      const limit = /^hierarchical_memory_limit (\d+)$/m.exec(memStat)![1];
      expect(json.stdout).toContain(`"hierarchical_memory_limit": ${limit}`);
      const stats = JSON.parse(json.stdout);
      expect(stats.cpu_stats.throlling_data.throttled_periods).toBeGreaterThan(0);
      expect(stats.cpu_stats.cpu_usage.percent_usage).toBeLessThan(50);
      expect(stats.memory_stats.usage).toBeGreaterThan(0);
      expect(stats.freezer_stats.self_state).toBe('THAWED');
      const table = await runCli(['stats'], { cwd: b.dir });
      expect(table.stdout).toMatch(/^cpu throttling\s+[1-9]\d* of \d+ periods/m);

      expect(await runCli(['pause'], { cwd: b.dir })).toMatchObject({ exitCode: 0, stderr: '' });
      const frozen = JSON.parse((await runCli(['stats', '--json'], { cwd: b.dir })).stdout);
      expect(frozen.freezer_stats.self_state).toBe('FROZEN');
      expect(frozen.cpu_stats.cpu_usage.current_usage).toBe(0);
      // A paused container says so, and refuses a join (which would freeze before it ran) at once.
      const status = await runCli(['status'], { cwd: b.dir });
      expect(status).toMatchObject({ exitCode: 0, stdout: expect.stringMatching(/^paused: pid \d+/) });
      const joinPaused = await runCli(['exec', 'true'], { cwd: b.dir, timeout: 10_000 });
      expect(joinPaused).toMatchObject({ exitCode: 125, signal: null });
      expect(joinPaused.stderr).toMatch(/the container is paused; run 'nsinit resume' first/);
      expect(await runCli(['resume'], { cwd: b.dir })).toMatchObject({ exitCode: 0, stderr: '' });
      expect((await runCli(['status'], { cwd: b.dir })).stdout).toMatch(/^running: pid \d+/);
      const thawed = JSON.parse((await runCli(['stats', '--json'], { cwd: b.dir })).stdout);
      expect(thawed.freezer_stats.self_state).toBe('THAWED');
      expect(thawed.cpu_stats.cpu_usage.current_usage).toBeGreaterThan(0);
    } finally {
      // A failed assertion above may leave it frozen: thaw it so it can see the stop file and exit.
      await runCli(['resume'], { cwd: b.dir });
      writeFileSync(b.path('tmp/stop'), '');
      await proc.wait();
    }
    expect(await runCli(['stats'], { cwd: b.dir })).toMatchObject({ exitCode: 1 });
  });

  it('denies /dev/mem (1:1, created via device_nodes) when allowed_devices lacks it', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const b = await bundle({ allow_all_devices: false }, (c) => {
      c.device_nodes = [
        ...(c.device_nodes ?? []),
        { type: 99, path: '/dev/mem', major_number: 1, minor_number: 1, file_mode: 0o600 },
      ];
    });
    expect(b.config.cgroups?.allowed_devices?.some((d) => d.major_number === 1 && d.minor_number === 1)).toBe(
      false,
    );
    const r = await run(b.dir, [
      'sh',
      '-c',
      'head -c1 /dev/null && echo null-ok; ls -l /dev/mem; head -c1 /dev/mem',
    ]);
    expect(r.stdout).toMatch(/^null-ok$/m);
    expect(r.stdout).toMatch(/^crw-------\s+1 root\s+root\s+1,\s+1 .* \/dev\/mem$/m);
    expect(r.stderr).toContain('/dev/mem: Operation not permitted');
    expect(r.exitCode).toBe(1);
  });

  it('stops a fork loop at pids_limit', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const b = await bundle({ pids_limit: 8 });
    // busybox sh exits (status 2) when fork(2) fails with EAGAIN from pids.max.
    const r = await run(b.dir, [
      'sh',
      '-c',
      'i=0; while [ $i -lt 30 ]; do sleep 5 & i=$((i+1)); echo $i; done',
    ]);
    expect(r.stderr).toMatch(/can't fork: Resource temporarily unavailable/);
    expect(r.exitCode).toBe(2);
    const started = Math.max(...r.stdout.split('\n').filter(Boolean).map(Number));
    // PID 1 plus its sleeps stay within 8 tasks.
    expect(started).toBe(7);
  });

  it('places a joined process in the same cgroup as PID 1', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const b = await bundle({});
    const first = await exec(b.dir, UNTIL_STOPPED, { stdio: 'ignore' });
    try {
      const pid1 = await waitForPid(b.dir);
      const mine = readFileSync(`/proc/${pid1}/cgroup`, 'utf8').match(/^\d+:memory:(.*)$/m)![1]!;
      // One leaf per instance: `<cgroups.name>-<instance id>`.
      expect(mine).toMatch(new RegExp(`/${b.config.cgroups!.name}-[0-9a-f]{12}$`));
      const joined = await run(b.dir, ['cat', '/proc/self/cgroup']);
      expect(joined.joined).toBe(true);
      expect(joined.stdout).toMatch(new RegExp(`^\\d+:memory:${mine.replace(/[/.]/g, '\\$&')}$`, 'm'));
      expect(joined.stdout).toMatch(new RegExp(`^\\d+:pids:.*/${b.config.cgroups!.name}-[0-9a-f]{12}$`, 'm'));
    } finally {
      writeFileSync(b.path('tmp/stop'), '');
      await first.wait();
    }
  });
});
