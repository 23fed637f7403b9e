// The freezer never hangs a start or a join. `"freezer": "FROZEN"` in a config starts the container
// and freezes it once its execve is confirmed (as `run` then `pause` would leave it): status says
// paused, joins are refused, `resume` lets it go on. A pause that wins the race with a join (after
// the joiner was placed in the container's cgroup, before GO) fails the join with
// ERR_NSINIT_CONTAINER_PAUSED instead of leaving it frozen: the joiner is thawed, killed and reaped.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import { createBundle, nsinitTestHooksBin, requires, runCommand, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { alive, background, runCli, until, waitForPid } from './helpers.js';

useLeakCheck();

/** cgroups kept (the freezer lives there), no networks. Should a start or join hang after all
 *  (a regression), its killed supervisor's child is thawed when the test ends, so the pending
 *  SIGKILL ends it instead of leaving it frozen (cgroup v1). */
async function withCgroups(edit: (c: ContainerConfig) => void = () => {}) {
  const bundle = await createBundle({
    config: (c) => {
      delete c.networks;
      edit(c);
    },
  });
  const name = bundle.config.cgroups!.name;
  onTestFinished(() => {
    for (const dir of readdirSync(FREEZER).filter((d) => d.startsWith(`${name}-`))) {
      try {
        writeFileSync(join(FREEZER, dir, 'freezer.state'), 'THAWED');
      } catch {
        // removed meanwhile
      }
    }
  });
  return bundle;
}

const FREEZER = '/sys/fs/cgroup/freezer';

/** Polls `nsinit status` until its output matches. */
async function statusUntil(dir: string, want: RegExp): Promise<string> {
  for (const end = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 50))) {
    const out = (await runCli(['status'], { cwd: dir })).stdout;
    if (want.test(out) || Date.now() > end) return out;
  }
}

describe('the freezer', () => {
  it('"freezer": "FROZEN" starts the container, then freezes it; resume lets it run', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const bundle = await withCgroups((c) => {
      c.cgroups!.freezer = 'FROZEN';
    });
    const first = background(['exec', 'sleep', '1000'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    expect(await statusUntil(bundle.dir, /paused/)).toMatch(/paused/);
    // It did exec before it froze.
    expect(readFileSync(`/proc/${pid1}/cmdline`, 'utf8')).toBe('sleep\u00001000\u0000');
    const joined = await runCli(['exec', 'true'], { cwd: bundle.dir });
    expect(joined).toMatchObject({ exitCode: 125 });
    expect(joined.stderr).toMatch(/the container is paused; run 'nsinit resume' first/);
    expect(await runCli(['resume'], { cwd: bundle.dir })).toMatchObject({ exitCode: 0 });
    expect(await runCli(['exec', 'true'], { cwd: bundle.dir })).toMatchObject({ exitCode: 0 });
    process.kill(pid1, 'SIGKILL');
    expect((await first.done).exitCode).toBe(137);
  });

  it('a pause that wins the race with a join fails the join; the joiner is reaped', async (ctx) => {
    requires(ctx, 'root', 'busybox', 'cgroup-v1');
    const bundle = await withCgroups();
    const first = background(['exec', 'sleep', '1000'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    const hook = join(tmpdir(), `nsinit-freeze-race-${process.pid}-${Date.now()}`);
    try {
      const joining = runCommand(nsinitTestHooksBin, ['exec', 'echo', 'joined'], {
        cwd: bundle.dir,
        env: { ...process.env, NSINIT_TEST_PAUSE: `join-before-go:${hook}` },
      });
      const joiner = Number(
        await until('the joiner to stop', () => existsSync(hook) && readFileSync(hook, 'utf8')),
      );
      // The joiner is in the container's cgroups, blocked before GO; now the container pauses.
      expect(await runCli(['pause'], { cwd: bundle.dir })).toMatchObject({ exitCode: 0 });
      rmSync(hook);
      const r = await joining;
      expect(r).toMatchObject({ exitCode: 125, stdout: '' });
      expect(r.stderr).toMatch(/the container is paused; run 'nsinit resume' first/);
      expect(alive(joiner)).toBe(false);
      expect(await runCli(['resume'], { cwd: bundle.dir })).toMatchObject({ exitCode: 0 });
      expect(await runCli(['exec', 'echo', 'joined'], { cwd: bundle.dir })).toMatchObject({
        exitCode: 0,
        stdout: 'joined\n',
      });
    } finally {
      rmSync(hook, { force: true });
      await runCli(['resume'], { cwd: bundle.dir });
      process.kill(pid1, 'SIGKILL');
      await first.done;
    }
  });
});
