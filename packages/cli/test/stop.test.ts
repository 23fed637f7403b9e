// The stop policy of `nsinit exec`, for real: SIGTERM sends the stop signal and SIGKILL follows
// after --stop-timeout (PID 1 `sleep` ignores SIGTERM), SIGHUP likewise, ^C is passed on then
// escalates, and a terminal that goes away (its pty master closed) stops the container; nsinit
// then exits with the container's status, not with a Node assertion (status 134).
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { createBundle, nsinitBin, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { alive, background, plain, PROMPT, ptySession, until, waitForPid } from './helpers.js';

useLeakCheck();

const env = { ...process.env, TERM: 'xterm', PATH: `${dirname(process.execPath)}:${process.env.PATH}` };

async function stopped(dir: string, pid1: number): Promise<void> {
  await until('the container to be gone', () => !alive(pid1) && !existsSync(`${dir}/pid`), 5000);
}

describe('nsinit exec stop policy', () => {
  it('SIGTERM: the stop signal, then SIGKILL after --stop-timeout', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const bg = background(['exec', '--stop-timeout', '1', 'sleep', '100'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    const sent = Date.now();
    process.kill(bg.pid, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    expect(alive(pid1)).toBe(true); // PID 1 ignores SIGTERM: the grace is running
    expect(await bg.done).toMatchObject({ exitCode: 128 + 9, stderr: '' });
    expect(Date.now() - sent).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - sent).toBeLessThan(8000);
    await stopped(bundle.dir, pid1);
  });

  it('waits 10 s by default, as docker stop', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const bg = background(['exec', 'sleep', '100'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    const sent = Date.now();
    process.kill(bg.pid, 'SIGTERM');
    expect(await bg.done).toMatchObject({ exitCode: 128 + 9 });
    expect(Date.now() - sent).toBeGreaterThanOrEqual(10_000);
    expect(Date.now() - sent).toBeLessThan(20_000);
    await stopped(bundle.dir, pid1);
  }, 60_000);

  it('--stop-signal chooses the signal a trap can honour', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const script = "trap 'echo got-usr1; exit 5' USR1; echo ready; while :; do sleep 0.05; done";
    const bg = background(['exec', '--stop-signal', 'USR1', 'sh', '-c', script], { cwd: bundle.dir });
    await until('ready', () => bg.stdoutSoFar().includes('ready'));
    process.kill(bg.pid, 'SIGTERM');
    expect(await bg.done).toMatchObject({ exitCode: 5, stdout: 'ready\ngot-usr1\n' });
  });

  it('SIGHUP: SIGHUP to the process, then SIGKILL after the grace', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const bg = background(['exec', '--stop-timeout', '0.5', 'sleep', '100'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    process.kill(bg.pid, 'SIGHUP');
    expect(await bg.done).toMatchObject({ exitCode: 128 + 9, stderr: '' });
    await stopped(bundle.dir, pid1);
  });

  it('^C is passed on; a second one stops, a third kills at once', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const bg = background(['exec', '--stop-timeout', '60', 'sleep', '100'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    process.kill(bg.pid, 'SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(pid1)).toBe(true); // passed on, and ignored by PID 1
    process.kill(bg.pid, 'SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(pid1)).toBe(true); // stopping: SIGTERM sent, SIGKILL due in 60 s
    const third = Date.now();
    process.kill(bg.pid, 'SIGINT');
    const r = await bg.done;
    expect(Date.now() - third).toBeLessThan(5000);
    expect(r.exitCode).toBe(128 + 9);
    expect(r.stderr).toBe('nsinit: stopping: SIGTERM, then SIGKILL in 60 s (interrupt again to kill now)\n');
    await stopped(bundle.dir, pid1);
  });
});

describe('nsinit exec when its terminal goes away', () => {
  for (const tty of [true, false]) {
    it(`stops the container and exits with its status (tty: ${tty})`, async (ctx) => {
      requires(ctx, 'root', 'busybox');
      const bundle = await createBundle({ config: (c) => void Object.assign(plain(c), { tty }) });
      // nsinit is the session leader of the pty, as under `script` or an ssh session.
      const args = ['exec', '--stop-timeout', '1', ...(tty ? ['/bin/sh'] : ['sleep', '100'])];
      const session = ptySession(nsinitBin, args, { cwd: bundle.dir, env });
      const pid1 = await waitForPid(bundle.dir);
      if (tty) await session.expect(PROMPT);
      session.hangup();
      const status = await session.exit();
      // SIGKILL after the grace (an interactive PID 1 shell ignores SIGHUP), never SIGABRT/134.
      expect(status).toEqual({ exitCode: 128 + 9, signal: null });
      await stopped(bundle.dir, pid1);
    });
  }

  for (const tty of [true, false]) {
    it(`notices the hangup when no SIGHUP reaches it (tty: ${tty})`, async (ctx) => {
      requires(ctx, 'root', 'busybox');
      const bundle = await createBundle({ config: (c) => void Object.assign(plain(c), { tty }) });
      // The shell ignores SIGHUP and so survives the hangup: nsinit, its foreground job, gets no
      // SIGHUP from the kernel. With a pty its terminal input ends; with inherited stdio it sees
      // its terminal stop being one.
      const rc = bundle.path('nsinit-rc');
      const cmd = tty ? '/bin/sh' : 'sleep 100';
      const script = `trap '' HUP; ${nsinitBin} exec --stop-timeout 1 ${cmd}; echo $? > ${rc}`;
      const session = ptySession('/bin/sh', ['-c', script], { cwd: bundle.dir, env });
      const pid1 = await waitForPid(bundle.dir);
      if (tty) await session.expect(PROMPT);
      session.hangup();
      await session.exit();
      await stopped(bundle.dir, pid1);
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(rc, 'utf8')).toBe(`${128 + 9}\n`);
    });
  }
});
