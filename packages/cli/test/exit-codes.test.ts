// Exit status of `nsinit exec`, each provoked for real: the command's own (0, 3), 128+N for a
// death by signal N, 125 when nsinit fails before the command runs, 126 when it cannot be
// executed, 127 when it is not found; and argv passed through untouched, dashes included.
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { background, plain, runCli, until, waitForPid } from './helpers.js';

useLeakCheck();

describe('nsinit exec exit status', () => {
  it('returns the command status: 0 and 3', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    expect(await runCli(['exec', 'true'], { cwd: bundle.dir })).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await runCli(['exec', 'sh', '-c', 'exit 3'], { cwd: bundle.dir })).toMatchObject({
      exitCode: 3,
      stderr: '',
    });
  });

  it('returns 128+9 when the container init is killed by SIGKILL', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const bg = background(['exec', 'sleep', '1000'], { cwd: bundle.dir });
    process.kill(await waitForPid(bundle.dir), 'SIGKILL');
    expect(await bg.done).toMatchObject({ exitCode: 128 + 9, signal: null });
  });

  it('forwards SIGTERM to the container (a shell init with a trap exits 143-style on its own terms)', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const bg = background(
      ['exec', 'sh', '-c', "trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.1; done"],
      {
        cwd: bundle.dir,
      },
    );
    await waitForPid(bundle.dir);
    // The trap is set once the shell says so; a SIGTERM before it would be ignored by PID 1.
    await until('ready', () => bg.stdoutSoFar().includes('ready'));
    process.kill(bg.pid, 'SIGTERM');
    expect(await bg.done).toMatchObject({ exitCode: 42, stdout: 'ready\ngot-term\n' });
  });

  it('returns 125 with a clear message when nsinit fails before the command runs', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    bundle.writeConfig({ ...bundle.config, hostname: 42 });
    const invalid = await runCli(['exec', 'true'], { cwd: bundle.dir });
    expect(invalid.exitCode).toBe(125);
    expect(invalid.stderr).toMatch(/^nsinit: .*container\.json/);
    expect(invalid.stderr).toMatch(/\/hostname/);

    bundle.writeConfig({
      ...plain(bundle.config),
      hostname: 'ok',
      mounts: [{ type: 'bind', source: '/nonexistent/nsinit-src', destination: '/mnt' }],
    });
    const setup = await runCli(['exec', 'true'], { cwd: bundle.dir });
    expect(setup.exitCode).toBe(125);
    expect(setup.stderr).toMatch(
      /^nsinit: container setup failed at step 'bind': ENOENT: .*'\/nonexistent\/nsinit-src'/,
    );
    expect(setup.stderr.trim().split('\n')).toHaveLength(1);
    const debug = await runCli(['--debug', 'exec', 'true'], { cwd: bundle.dir });
    expect(debug.stderr).toMatch(/caused by: .*ENOENT/);
    expect(debug.stderr).toMatch(/^ {2}syscall: \w+$/m);
  });

  it('returns 126 when the command cannot be executed', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain, files: { 'bin/not-executable': 'echo hi\n' } });
    const r = await runCli(['exec', 'not-executable'], { cwd: bundle.dir });
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toMatch(
      /^nsinit: cannot execute 'not-executable': permission denied \(the file is not executable\)\n$/,
    );
  });

  it('returns 127 when the command is not found', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const r = await runCli(['exec', 'no-such-command', '-x'], { cwd: bundle.dir });
    expect(r.exitCode).toBe(127);
    expect(r.stderr).toBe("nsinit: cannot execute 'no-such-command': not found in the container's PATH\n");
    expect((await runCli(['exec', '/bin/no/such/path'], { cwd: bundle.dir })).exitCode).toBe(127);
  });

  it('passes arguments through untouched, dashes included', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain, files: { 'data/.hidden': '' } });
    const ls = await runCli(['exec', 'ls', '-la', '/data'], { cwd: bundle.dir });
    expect(ls.exitCode).toBe(0);
    expect(ls.stdout).toMatch(/ \.hidden$/m);
    const args = await runCli(
      ['exec', 'sh', '-c', 'for a in "$@"; do echo "[$a]"; done', 'sh', '-x', '--root', '--', '', 'a b'],
      {
        cwd: bundle.dir,
      },
    );
    expect(args.stdout).toBe('[-x]\n[--root]\n[--]\n[]\n[a b]\n');
    const dashdash = await runCli(['exec', '--', 'echo', '--help'], { cwd: bundle.dir });
    expect(dashdash).toMatchObject({ exitCode: 0, stdout: '--help\n' });
  });
});
