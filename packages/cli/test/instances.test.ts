// Instance identity (issue 11): every start is an instance whose id names its cgroup leaf
// (`<cgroups.name>-<id>`) and trusted record. Two default containers run at once; a start in the
// window between PID 1's exit and its supervisor's teardown waits for that teardown, which then
// touches only its own instance; a SIGKILLed supervisor's leftovers are cleaned by the next start.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import { type Bundle, createBundle, nsinitTestHooksBin, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { alive, background, runCli, until, waitForPid } from './helpers.js';

useLeakCheck();

/** What `nsinit spec` and scripts/busybox-rootfs give: cgroups name and parent "nsinit". */
const specDefaults = (c: ContainerConfig) => {
  c.cgroups = { ...c.cgroups!, name: 'nsinit', parent: 'nsinit' };
  delete c.networks;
  return c;
};

function memoryCgroup(pid: number): string {
  return /^\d+:memory:(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))![1]!;
}

/** Host pids whose command line is exactly `argv`. */
function pidsOf(argv: string[]): number[] {
  const want = `${argv.join('\0')}\0`;
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8') === want;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function stop(pid1: number, done: Promise<unknown>) {
  if (alive(pid1)) process.kill(pid1, 'SIGKILL');
  await done;
}

describe('two containers made with the defaults', () => {
  it('run at once, each in its own leaf, and are each torn down completely', {
    timeout: 30_000,
  }, async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const bundles: Bundle[] = [
      await createBundle({ config: specDefaults }),
      await createBundle({ config: specDefaults }),
    ];
    const sups = bundles.map((b) => background(['exec', 'sleep', '1010'], { cwd: b.dir }));
    const pids = [await waitForPid(bundles[0]!.dir), await waitForPid(bundles[1]!.dir)];
    try {
      const paths = pids.map(memoryCgroup);
      for (const p of paths) expect(p).toMatch(/\/nsinit\/nsinit-[0-9a-f]{12}$/);
      expect(paths[0]).not.toBe(paths[1]);
      for (const [i, b] of bundles.entries()) {
        const s = JSON.parse((await runCli(['status', '--json'], { cwd: b.dir })).stdout);
        expect(s).toMatchObject({ running: true, pid: pids[i] });
        expect(paths[i]).toMatch(new RegExp(`nsinit-${s.instance}$`));
      }
      // The first one's teardown leaves the second (and the shared parent it is in) alone.
      await stop(pids[0]!, sups[0]!.done);
      expect(alive(pids[1]!)).toBe(true);
      const mount = '/sys/fs/cgroup/memory';
      expect(existsSync(join(mount, paths[0]!))).toBe(false);
      expect(existsSync(join(mount, paths[1]!))).toBe(true);
      await stop(pids[1]!, sups[1]!.done);
      // The last one out removes the shared `nsinit` parent too (the leak check sees the rest).
      expect(existsSync(join(mount, paths[1]!, '..'))).toBe(false);
    } finally {
      for (const [i, s] of sups.entries()) await stop(pids[i]!, s.done);
    }
  });
});

describe('the window between PID 1 exit and its teardown', () => {
  it('a start waits for the teardown, which never touches the new container', {
    timeout: 40_000,
  }, async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    // No PID namespace: a teardown that took the new container's cgroup would SIGKILL it.
    const bundle = await createBundle({
      config: (c) => {
        specDefaults(c);
        c.namespaces = { ...c.namespaces, NEWPID: false };
        return c;
      },
    });
    const pause = join(tmpdir(), `nsinit-pause-${process.pid}-teardown`);
    rmSync(pause, { force: true });
    const first = background(['exec', 'true'], {
      cwd: bundle.dir,
      env: { ...process.env, NSINIT_TEST_PAUSE: `before-teardown:${pause}` },
      bin: nsinitTestHooksBin,
    });
    try {
      await until('the first PID 1 to exit', () => existsSync(pause));
      const status = await runCli(['status'], { cwd: bundle.dir });
      expect(status.stdout).toMatch(
        /^not running \(stale pid file: process \d+ has exited; its teardown is running\)$/m,
      );
      const second = background(['exec', 'sh', '-c', 'echo started; sleep 1; echo survived'], {
        cwd: bundle.dir,
      });
      await new Promise((r) => setTimeout(r, 1500));
      expect(second.stdoutSoFar()).toBe(''); // still waiting for the first teardown
      rmSync(pause); // let the first supervisor tear down
      expect(await first.done).toMatchObject({ exitCode: 0 });
      expect(await second.done).toMatchObject({ exitCode: 0, stdout: 'started\nsurvived\n', stderr: '' });
    } finally {
      rmSync(pause, { force: true });
      await first.done;
    }
  });
});

describe('a supervisor SIGKILLed without a PID namespace', () => {
  it("leaves PID 1's children; the next start kills them and cleans up", { timeout: 40_000 }, async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const bundle = await createBundle({
      config: (c) => {
        specDefaults(c);
        c.namespaces = { ...c.namespaces, NEWPID: false };
        return c;
      },
    });
    const orphan = ['sleep', '1011'];
    // The orphan's stdio goes nowhere: a pipe it held would keep the supervisor's streams open.
    const script = `${orphan.join(' ')} </dev/null >/dev/null 2>&1 & exec sleep 1012`;
    const sup = background(['exec', 'sh', '-c', script], {
      cwd: bundle.dir,
    });
    const pid1 = await waitForPid(bundle.dir);
    const [child] = await until('the child', () => pidsOf(orphan).length === 1 && pidsOf(orphan));
    const leaf = memoryCgroup(child!);
    try {
      process.kill(sup.pid, 'SIGKILL');
      await sup.done;
      await until('PID 1 to die (parent-death signal)', () => !alive(pid1));
      expect(alive(child!)).toBe(true); // nothing else kills it
      const r = await runCli(['exec', 'echo', 'fresh'], { cwd: bundle.dir });
      expect(r).toMatchObject({ exitCode: 0, stdout: 'fresh\n' });
      expect(r.stderr).toMatch(
        new RegExp(`^nsinit: warning: removing stale pid file in '.*': process ${pid1} is gone`),
      );
      await until('the orphan to be killed', () => !alive(child!));
      expect(existsSync(join('/sys/fs/cgroup/memory', leaf))).toBe(false);
    } finally {
      for (const p of pidsOf(orphan)) process.kill(p, 'SIGKILL');
    }
  });
});

describe('a crashed instance whose data directory was deleted', () => {
  it('is swept by the next start in any directory', { timeout: 40_000 }, async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const gone = await createBundle({ config: specDefaults });
    const sup = background(['exec', 'sleep', '1013'], { cwd: gone.dir });
    const pid1 = await waitForPid(gone.dir);
    const leaf = memoryCgroup(pid1);
    const instance = JSON.parse((await runCli(['status', '--json'], { cwd: gone.dir })).stdout).instance;
    process.kill(sup.pid, 'SIGKILL');
    await sup.done;
    await until('PID 1 to die (parent-death signal)', () => !alive(pid1));
    // Made first, so it cannot reuse the deleted directory's inode (that would make the record
    // its own, cleaned as its stale instance instead).
    const other = await createBundle({ config: specDefaults });
    await gone.cleanup(); // nobody will ever start there again
    const trusted = () =>
      readdirSync('/run/nsinit/state').filter((d) =>
        existsSync(join('/run/nsinit/state', d, `${instance}.supervisor`)),
      );
    expect(trusted()).toHaveLength(1);
    expect(existsSync(join('/sys/fs/cgroup/memory', leaf))).toBe(true);
    const r = await runCli(['exec', 'echo', 'elsewhere'], { cwd: other.dir });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'elsewhere\n', stderr: '' });
    expect(trusted()).toEqual([]);
    expect(existsSync(join('/sys/fs/cgroup/memory', leaf))).toBe(false);
  });
});
