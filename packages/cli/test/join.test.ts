// Joining a live container: with `sleep` as PID 1, a second `nsinit exec` runs inside the same
// namespaces (compared through /proc/<pid>/ns links from outside), sees PID 1, returns its own
// exit status, and dies with the container when PID 1 is killed.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { alive, background, plain, runCli, until, waitForPid } from './helpers.js';

useLeakCheck();

const NAMESPACES = ['ipc', 'mnt', 'net', 'pid', 'uts'];

describe('nsinit exec into a live container', () => {
  it('joins PID 1 namespaces, sees it, and returns the joined exit code', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.hostname = 'joinhost';
      },
    });
    const first = background(['exec', 'sleep', '1000'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);

    const status = await runCli(['status'], { cwd: bundle.dir });
    expect(status).toMatchObject({ exitCode: 0, stderr: '' });
    expect(status.stdout).toMatch(new RegExp(`^running: pid ${pid1} since \\d{4}-\\d\\d-\\d\\dT`));

    const ps = await runCli(['exec', 'ps', '-o', 'pid,args'], { cwd: bundle.dir });
    expect(ps.exitCode).toBe(0);
    expect(ps.stdout).toMatch(/^\s*1 sleep 1000$/m);
    expect(ps.stderr).toBe('');

    const probe = await runCli(
      ['exec', 'sh', '-c', `hostname; for n in ${NAMESPACES.join(' ')}; do readlink /proc/self/ns/$n; done`],
      { cwd: bundle.dir },
    );
    expect(probe.exitCode).toBe(0);
    const [hostname, ...links] = probe.stdout.trim().split('\n');
    expect(hostname).toBe('joinhost');
    expect(links).toEqual(NAMESPACES.map((n) => readlinkSync(`/proc/${pid1}/ns/${n}`)));
    expect(links).not.toEqual(NAMESPACES.map((n) => readlinkSync(`/proc/self/ns/${n}`)));

    expect((await runCli(['exec', 'sh', '-c', 'exit 7'], { cwd: bundle.dir })).exitCode).toBe(7);
    // The joins did not replace the container's pid files.
    expect(await waitForPid(bundle.dir)).toBe(pid1);

    process.kill(pid1, 'SIGKILL');
    const r = await first.done;
    expect(r.exitCode).toBe(137);
    expect(existsSync(bundle.path('pid'))).toBe(false);
    expect(existsSync(bundle.path('start'))).toBe(false);
    expect(await runCli(['status'], { cwd: bundle.dir })).toMatchObject({
      exitCode: 1,
      stdout: 'not running\n',
    });
  });

  it('kills the joined processes when PID 1 dies, and removes the pid files', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: plain });
    const first = background(['exec', 'sleep', '1000'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    const joined = background(['exec', 'sh', '-c', 'echo joined $$; exec sleep 999'], { cwd: bundle.dir });
    // Wait until the joined sleep runs inside (its host pid is a child of the container's ns).
    const inner = await until('the joined sleep', () => {
      const out = readProcs().find((p) => p.args === 'sleep 999');
      return out?.pid;
    });
    process.kill(pid1, 'SIGKILL');
    const [a, b] = await Promise.all([first.done, joined.done]);
    expect(a.exitCode).toBe(137);
    // The kernel SIGKILLs every process of a PID namespace when its init dies.
    expect(b.exitCode).toBe(137);
    expect(b.stdout).toMatch(/^joined \d+$/m);
    expect(alive(inner)).toBe(false);
    expect(existsSync(bundle.path('pid'))).toBe(false);
  });
});

function readProcs(): { pid: number; args: string }[] {
  const out: { pid: number; args: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      out.push({ pid: Number(entry), args });
    } catch {
      // exited
    }
  }
  return out;
}
