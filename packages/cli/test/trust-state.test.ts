// The trusted state (issue 11): what a container can write never decides what the host does. A
// forged pid/start, an edited container.json and a lock held inside the rootfs are reported or
// irrelevant; status, stats and joins follow the record under /run/nsinit/state only.
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import { type Bundle, createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { alive, background, parseCaps, runCli, waitForPid } from './helpers.js';

useLeakCheck();

/** A running `sleep` container; stop() kills its PID 1 and waits for the supervisor's teardown. */
async function running(bundle: Bundle, seconds: number) {
  const sup = background(['exec', 'sleep', String(seconds)], { cwd: bundle.dir });
  const pid1 = await waitForPid(bundle.dir);
  return {
    pid1,
    async stop() {
      if (alive(pid1)) process.kill(pid1, 'SIGKILL');
      await sup.done;
    },
  };
}

const noNetwork = (c: ContainerConfig) => {
  delete c.networks;
  c.hostname = 'inside';
  return c;
};

/** Field 22 of /proc/<pid>/stat: the start time the runtime checks identity by. */
function startTicks(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

describe('forged pid and start files', () => {
  it('never lead exec, status or stats to a host process', { timeout: 30_000 }, async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const bundle = await createBundle({ config: noNetwork });
    const c = await running(bundle, 1001);
    try {
      // Inside, the data files are masked: empty, read-only, and cannot be replaced by rename.
      const inside = await runCli(
        [
          'exec',
          'sh',
          '-c',
          'echo "[$(cat /pid)][$(cat /start)]"; printf 1 > /pid.new; mv /pid.new /pid 2>/dev/null; echo mv=$?; (printf 1 > /pid) 2>/dev/null; echo write=$?; rm -f /pid.new',
        ],
        { cwd: bundle.dir },
      );
      expect(inside).toMatchObject({ exitCode: 0, stdout: '[][]\nmv=1\nwrite=1\n' });
      // What a container with CAP_SYS_ADMIN (which can unmount the mask) or any host user could
      // still do: point the files at a host process, with its true start time.
      const host = process.pid;
      writeFileSync(bundle.path('pid'), String(host));
      writeFileSync(bundle.path('start'), startTicks(host));
      const status = await runCli(['status', '--json'], { cwd: bundle.dir });
      expect(status.exitCode).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ running: true, pid: c.pid1 });
      expect(status.stderr).toBe(
        `nsinit: warning: ${bundle.path('pid')} was changed (the container's is ${c.pid1}); ignoring it\n` +
          `nsinit: warning: ${bundle.path('start')} was changed (the container's is ${startTicks(c.pid1)}); ignoring it\n`,
      );
      const joined = await runCli(['exec', 'sh', '-c', 'hostname; readlink /proc/self/ns/mnt'], {
        cwd: bundle.dir,
      });
      expect(joined).toMatchObject({ exitCode: 0 });
      expect(joined.stdout).toBe(`inside\n${readlinkSync(`/proc/${c.pid1}/ns/mnt`)}\n`);
      expect(joined.stdout).not.toContain(readlinkSync('/proc/self/ns/mnt'));
      expect(joined.stderr).toMatch(/^nsinit: warning: .*\/pid was changed/);
      const stats = await runCli(['stats', '--json'], { cwd: bundle.dir });
      expect(stats.exitCode).toBe(0);
      // The container's own memory cgroup (a sleep: tiny), not the test runner's.
      expect(JSON.parse(stats.stdout).memory_stats.usage).toBeLessThan(64 * 1024 * 1024);
      expect(alive(host)).toBe(true);
    } finally {
      await c.stop();
    }
  });
});

describe('the data files inside the container', () => {
  it('are empty and read-only; no lock or temporary file is in the rootfs', {
    timeout: 30_000,
  }, async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: (c) => void delete noNetwork(c).cgroups });
    const c = await running(bundle, 1002);
    try {
      const r = await runCli(
        [
          'exec',
          'sh',
          '-c',
          'wc -c < /container.json; (echo {} > /container.json) 2>/dev/null; echo write=$?; ls -a / | grep -e "lock$" -e "[.]tmp$"; echo done',
        ],
        { cwd: bundle.dir },
      );
      expect(r).toMatchObject({ exitCode: 0, stdout: '0\nwrite=1\ndone\n', stderr: '' });
      // The host still has the real file and the 2014 pid file.
      expect(JSON.parse(readFileSync(bundle.configPath, 'utf8'))).toEqual(bundle.config);
      expect(readFileSync(bundle.path('pid'), 'utf8')).toBe(String(c.pid1));
    } finally {
      await c.stop();
    }
  });

  it('a lock held inside the rootfs cannot stall a join', { timeout: 30_000 }, async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: (c) => void delete noNetwork(c).cgroups });
    const c = await running(bundle, 1003);
    try {
      // The 2014-era lock name, held for the container's lifetime by a process inside it.
      const hold = await runCli(
        ['exec', 'sh', '-c', 'flock -x /.nsinit.lock sleep 1000 </dev/null >/dev/null 2>&1 & echo held'],
        { cwd: bundle.dir },
      );
      expect(hold.stdout).toBe('held\n');
      const t0 = Date.now();
      const r = await runCli(['exec', 'true'], { cwd: bundle.dir });
      expect(r).toMatchObject({ exitCode: 0, stderr: '' });
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await c.stop();
    }
  });
});

describe('an edited container.json', () => {
  it('does not change what a join gets: it uses the started config', { timeout: 30_000 }, async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: (c) => void delete noNetwork(c).cgroups });
    const c = await running(bundle, 1004);
    try {
      // Rewritten on the host (the container itself cannot: its copy is masked): SYS_ADMIN and a
      // bind mount of the host's / would make the next join root on the host.
      bundle.writeConfig({
        ...bundle.config,
        capabilities: [...(bundle.config.capabilities ?? []), 'SYS_ADMIN'],
        mounts: [{ type: 'bind', source: '/', destination: '/hostroot', writable: true }],
      });
      const r = await runCli(['exec', 'sh', '-c', 'grep ^Cap /proc/self/status; ls -d /hostroot 2>&1'], {
        cwd: bundle.dir,
      });
      const CAP_SYS_ADMIN = 21n;
      expect((parseCaps(r.stdout).CapEff! >> CAP_SYS_ADMIN) & 1n).toBe(0n);
      expect(r.stdout).toMatch(/\/hostroot: No such file or directory/);
      expect(r.stderr).toBe(
        `nsinit: warning: ${bundle.configPath} differs from the config the running container was started with; the join uses the started config\n`,
      );
    } finally {
      await c.stop();
    }
  });
});

describe('a data directory inside the rootfs, below its root', () => {
  it('renamed and replaced by a symlink from inside: the host never writes or unlinks through it', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: (c) => void delete noNetwork(c).cgroups });
    const data = bundle.path('var', 'nsinit');
    mkdirSync(data, { recursive: true });
    copyFileSync(bundle.configPath, join(data, 'container.json'));
    const canary = mkdtempSync(join(tmpdir(), 'nsinit-canary-'));
    try {
      writeFileSync(join(canary, 'pid'), 'canary');
      writeFileSync(join(canary, 'start'), 'canary');
      const r = await runCli(
        [
          '--root',
          data,
          'exec',
          'sh',
          '-c',
          `mv /var/nsinit /var/old && ln -s ${canary} /var/nsinit && echo swapped`,
        ],
        { cwd: bundle.dir },
      );
      expect(r).toMatchObject({ exitCode: 0, stdout: 'swapped\n' });
      // Swapped before the pid file was written (a race the container may win): it is not written.
      expect(r.stderr).toMatch(
        /^(nsinit: warning: the data directory '.*' was replaced; not writing its pid file\n)?$/,
      );
      // The teardown's unlink of pid and start did not follow the planted symlink to the host.
      expect(readFileSync(join(canary, 'pid'), 'utf8')).toBe('canary');
      expect(readFileSync(join(canary, 'start'), 'utf8')).toBe('canary');
    } finally {
      rmSync(canary, { recursive: true, force: true });
    }
  });
});
