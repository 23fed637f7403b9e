// Stale pid files: one naming a live but unrelated process (pid reuse) or a dead one, and the
// state a crashed supervisor leaves. nsinit must warn, clean up and start a fresh container,
// never join the wrong process.
import { spawn } from 'node:child_process';
import { existsSync, readlinkSync, writeFileSync } from 'node:fs';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { alive, background, plain, runCli, until, waitForPid } from './helpers.js';

useLeakCheck();

describe('stale pid files', () => {
  it('does not join a live unrelated process a pid file names (no trusted record backs it)', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: (c) => void Object.assign(plain(c), { hostname: 'fresh' }) });
    const unrelated = spawn('sleep', ['1000'], { stdio: 'ignore' });
    const exited = new Promise((r) => unrelated.on('exit', r));
    try {
      writeFileSync(bundle.path('pid'), String(unrelated.pid));
      writeFileSync(bundle.path('start'), '1');
      const r = await runCli(['exec', 'sh', '-c', 'hostname; readlink /proc/self/ns/uts'], {
        cwd: bundle.dir,
      });
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toMatch(
        /^nsinit: warning: removing stale pid file in '.*': .*\/pid names no container started here; ignoring it/,
      );
      const [hostname, uts] = r.stdout.trim().split('\n');
      expect(hostname).toBe('fresh');
      expect(uts).not.toBe(readlinkSync(`/proc/${unrelated.pid}/ns/uts`));
      expect(alive(unrelated.pid!)).toBe(true);
      expect(existsSync(bundle.path('pid'))).toBe(false);
    } finally {
      // Here, not in onTestFinished: the leak check runs before those.
      unrelated.kill('SIGKILL');
      await exited;
    }
  });

  it('cleans up after a supervisor that was SIGKILLed (parent-death signal)', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const first = background(['exec', 'sleep', '1000'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    process.kill(first.pid, 'SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    // PR_SET_PDEATHSIG: the container's init dies with its supervisor.
    await until('the orphaned container to die', () => !alive(pid1));
    expect(existsSync(bundle.path('pid'))).toBe(true); // left behind by the crash
    const r = await runCli(['exec', 'echo', 'again'], { cwd: bundle.dir });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'again\n' });
    expect(r.stderr).toMatch(new RegExp(`warning: removing stale pid file .*process ${pid1} is gone`));
    expect(existsSync(bundle.path('pid'))).toBe(false);
  });
});
