// tty: true. `nsinit exec /bin/sh` driven through a real pseudo-terminal: an interactive shell
// that answers, sees the caller's window size (also after a resize), exits with its status, and
// leaves the caller's terminal modes exactly as they were. Without a terminal on stdin the pty is
// still allocated, so scripts work.
import { dirname } from 'node:path';
import { createBundle, nsinitBin, requires, runCli, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { background, PROMPT, plain, ptySession, waitForPid } from './helpers.js';

useLeakCheck();

const ttyBundle = () => createBundle({ config: (c) => void Object.assign(plain(c), { tty: true }) });
const env = { ...process.env, TERM: 'xterm', PATH: `${dirname(process.execPath)}:${process.env.PATH}` };

describe('nsinit exec with a terminal', () => {
  it('is a usable interactive shell and restores the terminal modes', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ttyBundle();
    // The host shell prints its terminal settings before and after nsinit.
    const script = `stty -g; echo BEFORE-DONE; ${nsinitBin} exec /bin/sh; echo "rc=$?"; stty -g`;
    const session = ptySession('/bin/sh', ['-c', script], { cwd: bundle.dir, env, cols: 101, rows: 37 });
    await session.expect(/BEFORE-DONE\r*\n/);
    await session.expect(PROMPT);
    session.write('echo answer-$((40+2))\r');
    await session.expect(/answer-42/);
    // Raw mode: only the container's terminal echoes what we type; a cooked outer terminal
    // would echo the line a second time.
    expect(session.output().split('echo answer-$((40+2))').length - 1).toBe(1);
    // ...and no second output post-processing: the container's \r\n reaches us unchanged.
    expect(session.output().split('BEFORE-DONE')[1]).not.toMatch(/\r\r\n/);
    session.write('stty size\r');
    await session.expect(/\n37 101\r*\n/);
    session.resize(120, 50);
    // SIGWINCH reaches nsinit, which copies the new size to the container's pty.
    await expect
      .poll(
        async () => {
          session.write('stty size\r');
          await new Promise((r) => setTimeout(r, 100));
          return /\n50 120\r*\n/.test(session.output());
        },
        { timeout: 5000 },
      )
      .toBe(true);
    session.write('exit 3\r');
    await session.expect(/rc=3\r*\n.*\r*\n/s);
    const status = await session.exit();
    expect(status).toEqual({ exitCode: 0, signal: null });
    const out = session.output();
    const before = /^(\S+)\r*\nBEFORE-DONE/m.exec(out)?.[1];
    const after = /rc=3\r*\n(\S+)\r*\n/.exec(out)?.[1];
    expect(before).toMatch(/^[0-9a-f:]+$/);
    expect(after).toBe(before);
  });

  it('restores the terminal when the container is killed', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ttyBundle();
    const script = `stty -g; echo BEFORE-DONE; ${nsinitBin} exec /bin/sh; echo "rc=$?"; stty -g`;
    const session = ptySession('/bin/sh', ['-c', script], { cwd: bundle.dir, env });
    await session.expect(PROMPT);
    session.write('kill -9 $$\r'); // ignored by PID 1 from inside; then kill it from outside
    const { readFileSync } = await import('node:fs');
    process.kill(Number(readFileSync(bundle.path('pid'), 'utf8')), 'SIGKILL');
    await session.expect(/rc=137\r*\n\S+\r*\n/, 15_000);
    await session.exit();
    const out = session.output();
    expect(/rc=137\r*\n(\S+)\r*\n/.exec(out)?.[1]).toBe(/^(\S+)\r*\nBEFORE-DONE/m.exec(out)?.[1]);
  });

  it('gives a joined process its own terminal too', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ttyBundle();
    const init = background(['exec', 'sleep', '1000'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    try {
      const r = await runCli(['exec', 'sh', '-c', '[ -t 0 ] && [ -t 1 ] && echo joined-tty $$'], {
        cwd: bundle.dir,
      });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^joined-tty (?!1\r)\d+\r\n$/);
    } finally {
      process.kill(pid1, 'SIGKILL');
      await init.done;
    }
  });

  it('still allocates the pty when stdin is not a terminal', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ttyBundle();
    const r = await runCli(['exec', 'sh', '-c', '[ -t 0 ] && [ -t 1 ] && echo stdio-is-a-tty'], {
      cwd: bundle.dir,
    });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'stdio-is-a-tty\r\n' });
    // A script on stdin ends with EOF (typed as ^D on the pty).
    const piped = await runCli(['exec', 'sh'], { cwd: bundle.dir, input: 'echo from-stdin\nexit 4\n' });
    expect(piped.exitCode).toBe(4);
    expect(piped.stdout).toMatch(/from-stdin/);
  });
});
