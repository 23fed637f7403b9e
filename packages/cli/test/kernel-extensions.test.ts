// The kernel interfaces both formats share, through both commands: the default seccomp profile of
// `nsinit spec` / `nsinit-oci spec` (a filter, its blocked calls refused, ordinary busybox work
// unaffected), a seccomp agent answering a notified syscall, the cgroup namespace (the container
// sees its cgroup as "/") and the time namespace (clocks shifted, joined by a second exec).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultOciSpec, defaultSeccompProfile } from '@nsinit/config';
import { createBundle, createOciBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { background, plain, runCli, waitForPid } from './helpers.js';

useLeakCheck();

const DAY = 86400;
const hostUptime = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);

/** Busybox work a container does all day, then the calls the default profile refuses. */
const PROBE = [
  "grep '^Seccomp:' /proc/self/status",
  'echo hello | tr a-z A-Z',
  'mkdir -p /tmp/w && echo data > /tmp/w/f && cat /tmp/w/f && rm -r /tmp/w',
  'ls / >/dev/null && echo listed',
  'sh -c "exit 3"; echo sub=$?',
  'kill -0 $$ && echo signalled',
  'date +%Y >/dev/null && echo dated',
  'unshare -U true; echo unshare-user=$?',
  'unshare -n true; echo unshare-net=$?',
].join('; ');

function expectDefaultProfile(out: string) {
  expect(out).toMatch(/^Seccomp:\s+2$/m);
  expect(out).toMatch(/^HELLO$/m);
  expect(out).toMatch(/^data$/m);
  expect(out).toMatch(/^listed$/m);
  expect(out).toMatch(/^sub=3$/m);
  expect(out).toMatch(/^signalled$/m);
  expect(out).toMatch(/^dated$/m);
  // A new user namespace needs no capability, so only the filter refuses it.
  expect(out).toMatch(/^unshare-user=1$/m);
  expect(out).toMatch(/^unshare-net=1$/m);
  expect(out).toMatch(/Operation not permitted/);
}

describe('the default seccomp profile', () => {
  it('nsinit spec: a filter is loaded, unshare -U is refused, busybox works', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const spec = JSON.parse((await runCli(['spec'])).stdout);
    expect(spec.seccomp).toEqual(defaultSeccompProfile());
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.seccomp = spec.seccomp;
      },
    });
    const r = await runCli(['exec', 'sh', '-c', PROBE], { cwd: bundle.dir });
    expect(r.exitCode).toBe(0);
    expectDefaultProfile(r.stdout + r.stderr);
  });

  it('nsinit-oci spec: the same in an OCI container (filter loaded after the start gate)', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sh', '-c', PROBE];
        s.linux.seccomp = defaultOciSpec().linux!.seccomp;
      },
    });
    // run in the foreground: the container's output and the command's share one file.
    const r = await b.create('default-profile', [], 'run');
    expect(r.exitCode).toBe(0);
    expectDefaultProfile(b.output('default-profile'));
  });
});

describe('container.json seccomp rules', () => {
  it('an errno rule with an argument condition, and SCMP_ACT_KILL_PROCESS', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [
            // kill(2) with signal 0 only (the second argument).
            {
              names: ['kill'],
              action: 'SCMP_ACT_ERRNO',
              errnoRet: 28,
              args: [{ index: 1, value: 0, op: 'SCMP_CMP_EQ' }],
            },
            { names: ['sethostname'], action: 'SCMP_ACT_KILL_PROCESS' },
          ],
        };
      },
    });
    const probe = [
      'kill -0 $$; echo probe=$?',
      'kill -CONT $$ && echo continued',
      "grep '^Seccomp:' /proc/self/status",
      'sh -c "hostname x"; echo hostname=$?',
    ].join('; ');
    const r = await runCli(['exec', 'sh', '-c', probe], { cwd: bundle.dir });
    expect(r.exitCode).toBe(0);
    const out = r.stdout + r.stderr;
    // ENOSPC (28): the rule's errno, for signal 0 only.
    expect(out).toMatch(/No space left on device/);
    expect(out).toMatch(/^probe=1$/m);
    expect(out).toMatch(/^continued$/m);
    expect(out).toMatch(/^Seccomp:\s+2$/m);
    // SIGSYS (31) killed hostname: 128 + 31.
    expect(out).toMatch(/^hostname=159$/m);
  });
});

describe('a process joining a container runs under its filter', () => {
  const JOINED = "grep '^Seccomp:' /proc/self/status; unshare -U true; echo unshare-user=$?";

  it('a second nsinit exec', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.seccomp = defaultSeccompProfile();
      },
    });
    const first = background(['exec', 'sleep', '1000'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    try {
      const r = await runCli(['exec', 'sh', '-c', JOINED], { cwd: bundle.dir });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^Seccomp:\s+2$/m);
      expect(r.stdout).toMatch(/^unshare-user=1$/m);
    } finally {
      process.kill(pid1, 'SIGKILL');
      await first.done;
    }
  });

  it('nsinit-oci exec', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sleep', '1000'];
        s.linux.seccomp = defaultSeccompProfile();
      },
    });
    const r = await b.create('joined-filter', ['--detach'], 'run');
    expect(r.exitCode).toBe(0);
    const e = await b.oci(['exec', 'joined-filter', 'sh', '-c', JOINED]);
    expect(e.exitCode).toBe(0);
    expect(e.stdout).toMatch(/^Seccomp:\s+2$/m);
    expect(e.stdout).toMatch(/^unshare-user=1$/m);
    await b.oci(['delete', '--force', 'joined-filter']);
  });
});

describe('a seccomp agent (SCMP_ACT_NOTIFY)', () => {
  let dir = '';
  let agentBin = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nsinit-agent-'));
    agentBin = join(dir, 'seccomp-agent');
    const source = fileURLToPath(new URL('../../runtime/test/fixtures/seccomp-agent.c', import.meta.url));
    execFileSync('cc', ['-O1', '-o', agentBin, source]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function agent() {
    const socket = join(dir, `a${process.hrtime.bigint()}.sock`);
    const child = spawn(agentBin, [socket], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    await vi.waitFor(() => expect(out).toMatch(/^ready$/m), { timeout: 5000 });
    return { socket, out: () => out, exited };
  }

  const SCRIPT = 'mkdir /tmp/by-agent; echo mkdir=$?; test -d /tmp/by-agent; echo exists=$?';
  const notify = (socket: string) => ({
    defaultAction: 'SCMP_ACT_ALLOW' as const,
    listenerPath: socket,
    listenerMetadata: 'cli',
    syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' as const }],
  });

  it('container.json: the agent gets the fd and the state, and answers mkdir', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const a = await agent();
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.seccomp = notify(a.socket);
      },
    });
    const r = await runCli(['exec', 'sh', '-c', SCRIPT], { cwd: bundle.dir });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'mkdir=0\nexists=1\n' });
    expect(await a.exited).toBe(0);
    const state = JSON.parse(a.out().split('\n')[1]!);
    expect(state).toMatchObject({ fds: ['seccompFd'], metadata: 'cli', state: { status: 'creating' } });
  });

  for (const nnp of [true, false]) {
    it(`nsinit-oci run: create or start hands the fd over (noNewPrivileges ${nnp})`, async (ctx) => {
      requires(ctx, 'root', 'busybox');
      const a = await agent();
      const b = await createOciBundle({
        spec: (s) => {
          s.process.args = ['sh', '-c', SCRIPT];
          s.process.noNewPrivileges = nnp;
          s.linux.seccomp = notify(a.socket);
        },
      });
      const r = await b.create(`notify-${nnp}`, [], 'run');
      expect(r.exitCode).toBe(0);
      expect(b.output(`notify-${nnp}`)).toBe('mkdir=0\nexists=1\n');
      expect(await a.exited).toBe(0);
      const state = JSON.parse(a.out().split('\n')[1]!);
      expect(state).toMatchObject({ fds: ['seccompFd'], state: { id: `notify-${nnp}` } });
    });
  }
});

describe('container.json namespaces NEWCGROUP and NEWTIME', () => {
  it('NEWCGROUP: the container sees its own cgroup as "/" in every hierarchy', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({
      config: (c) => {
        delete c.networks;
        c.namespaces = { ...c.namespaces, NEWCGROUP: true };
      },
    });
    const r = await runCli(['exec', 'cat', '/proc/self/cgroup'], { cwd: bundle.dir });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^\d+:[^:]*:\/$/);
  });

  it('NEWTIME with time_offsets: uptime shifted, and a second exec joins the same time namespace', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.namespaces = { ...c.namespaces, NEWTIME: true };
        c.time_offsets = { boottime: { secs: 7 * DAY }, monotonic: { secs: DAY, nanosecs: 5 } };
      },
    });
    const first = background(['exec', 'sleep', '1000'], { cwd: bundle.dir });
    const pid1 = await waitForPid(bundle.dir);
    try {
      const before = hostUptime();
      const r = await runCli(
        ['exec', 'sh', '-c', 'cut -d" " -f1 /proc/uptime; readlink /proc/self/ns/time'],
        {
          cwd: bundle.dir,
        },
      );
      const after = hostUptime();
      expect(r.exitCode).toBe(0);
      const [uptime, ns] = r.stdout.trim().split('\n');
      expect(Number(uptime)).toBeGreaterThanOrEqual(before + 7 * DAY);
      expect(Number(uptime)).toBeLessThanOrEqual(after + 7 * DAY);
      expect(ns).toBe(readlinkSync(`/proc/${pid1}/ns/time`));
      expect(ns).not.toBe(readlinkSync('/proc/self/ns/time'));
    } finally {
      process.kill(pid1, 'SIGKILL');
      await first.done;
    }
  });

  it('domainname and personality', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({
      config: (c) => {
        plain(c);
        c.domainname = 'example.test';
        c.personality = 'LINUX32';
      },
    });
    const r = await runCli(['exec', 'sh', '-c', 'cat /proc/sys/kernel/domainname; uname -m'], {
      cwd: bundle.dir,
    });
    expect(r.exitCode).toBe(0);
    const [domain, machine] = r.stdout.trim().split('\n');
    expect(domain).toBe('example.test');
    expect(machine).toMatch(/^(i686|armv8l|armv7l)$/);
  });
});

describe('OCI time namespace and exec', () => {
  it('nsinit-oci exec enters the container’s time namespace', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sleep', '1000'];
        s.linux.namespaces.push({ type: 'time' });
        s.linux.timeOffsets = { boottime: { secs: 5 * DAY } };
      },
    });
    const r = await b.create('timens', ['--detach'], 'run');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const before = hostUptime();
    const e = await b.oci(['exec', 'timens', 'cut', '-d', ' ', '-f1', '/proc/uptime']);
    expect(e.stderr).toBe('');
    expect(e.exitCode).toBe(0);
    expect(Number(e.stdout.trim())).toBeGreaterThanOrEqual(before + 5 * DAY);
    expect(Number(e.stdout.trim())).toBeLessThan(hostUptime() + 5 * DAY + 1);
    await b.oci(['delete', '--force', 'timens']);
  });
});
