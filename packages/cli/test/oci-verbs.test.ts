// The rest of nsinit-oci's command line as engines drive it: run (foreground status, --detach),
// exec (waited, detached with --pid-file, overrides, --process), list, ps, pause/resume, kill
// --all, --preserve-fds, spec, features, and the global flags (--log-format json, --version,
// --systemd-cgroup, urfave-style flag spellings).
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { OCI_VERSION } from '@nsinit/config';
import { createOciBundle, nsinitOciBin, requires, runCommand, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { alive, until } from './helpers.js';
import { created, OCI_PATHS, outputContains, stateOf, useOciPath, waitStatus } from './oci-helpers.js';

useLeakCheck();

const sleeper = (s: Record<string, any>) => {
  s.process.args = ['sh', '-c', 'echo up; exec sleep 1000'];
};

describe('nsinit-oci run and exec', () => {
  it('run in the foreground exits with the container status and deletes it; --detach leaves it running', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sh', '-c', 'echo ran; exit 3'];
      },
    });
    const r = await b.create('fg', ['--bundle', b.dir], 'run');
    expect(r.exitCode).toBe(3);
    expect(b.output('fg')).toBe('ran\n');
    expect(existsSync(`${b.root}/fg`)).toBe(false);
    // Killed by a signal: 128 + its number (not as PID 1 of a PID namespace, which ignores it).
    b.writeSpec({
      ...b.spec,
      process: { ...b.spec.process, args: ['sh', '-c', 'kill -KILL $$'] },
      linux: {
        ...b.spec.linux,
        namespaces: b.spec.linux.namespaces.filter((n: { type: string }) => n.type !== 'pid'),
      },
    });
    expect((await b.create('sig', [], 'run')).exitCode).toBe(137);
    b.writeSpec({
      ...b.spec,
      linux: { ...b.spec.linux, namespaces: [...b.spec.linux.namespaces, { type: 'pid' }] },
    });

    b.writeSpec({
      ...b.spec,
      process: { ...b.spec.process, args: ['sh', '-c', 'echo up; exec sleep 1000'] },
    });
    const d = await b.create('bg', ['-d', '--pid-file', b.path('bg.pid')], 'run');
    expect(d.exitCode).toBe(0);
    const st = await stateOf(b, 'bg');
    expect(st.status).toBe('running');
    expect(Number(readFileSync(b.path('bg.pid'), 'utf8'))).toBe(st.pid);
    await outputContains(b, 'bg', 'up');
    expect((await b.oci(['delete', '-f', 'bg'])).exitCode).toBe(0);
  });

  it('exec runs in the container: waited with its status, overrides, --process, detached with --pid-file', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({ spec: sleeper });
    const st = await created(b, 'x');
    expect((await b.oci(['start', 'x'])).exitCode).toBe(0);
    const r = await b.oci(['exec', 'x', 'sh', '-c', 'hostname; echo $$; exit 4']);
    expect(r.exitCode).toBe(4);
    const [hostname, pid] = r.stdout.trim().split('\n');
    expect(hostname).toBe('oci-test');
    expect(Number(pid)).toBeGreaterThan(1); // its own pid in the container's PID namespace

    const o = await b.oci([
      'exec',
      '--user',
      '1000:1000',
      '--cwd',
      '/home/user',
      '-e',
      'FOO=bar',
      '--env=BAZ=qux',
      'x',
      'sh',
      '-c',
      'id -u; id -g; pwd; echo $FOO $BAZ',
    ]);
    expect(o.stderr).toBe('');
    expect(o.stdout.split('\n')).toEqual(['1000', '1000', '/home/user', 'bar qux', '']);
    // runc's --additional-gids: appended to the process's supplementary groups.
    const g = await b.oci([
      'exec',
      '--user',
      '1000:1000',
      '--additional-gids',
      '10',
      '-g',
      '20',
      'x',
      'id',
      '-G',
    ]);
    expect(g.stderr).toBe('');
    expect(g.stdout.trim().split(' ').sort()).toEqual(['10', '1000', '20']);
    const badGid = await b.oci(['exec', '--additional-gids', '-1', 'x', 'true']);
    expect(badGid.exitCode).toBe(1);
    expect(badGid.stderr).toMatch(/--additional-gids: '-1' is not a group id/);

    writeFileSync(
      b.path('proc.json'),
      JSON.stringify({
        args: ['sh', '-c', 'echo from-process-file $A'],
        env: ['A=1', 'PATH=/bin'],
        cwd: '/',
        user: { uid: 0, gid: 0 },
      }),
    );
    const p = await b.oci(['exec', '--process', b.path('proc.json'), 'x']);
    expect(p.stdout).toBe('from-process-file 1\n');
    const both = await b.oci(['exec', '--process', b.path('proc.json'), '-g', '5', 'x']);
    expect(both.exitCode).toBe(1);
    expect(both.stderr).toMatch(/--additional-gids cannot be combined with --process/);

    const d = await b.detached(['exec', '-d', '--pid-file', b.path('x.pid'), 'x', 'sleep', '1000']);
    expect(d.exitCode).toBe(0);
    const execPid = Number(readFileSync(b.path('x.pid'), 'utf8'));
    expect(alive(execPid)).toBe(true);
    const ps = await b.oci(['ps', '--format', 'json', 'x']);
    expect(JSON.parse(ps.stdout)).toEqual(expect.arrayContaining([st.pid, execPid]));
    const table = await b.oci(['ps', 'x']);
    expect(table.stdout.split('\n')[0]).toMatch(/PID/);
    expect(table.stdout).toContain(String(execPid));

    const bad = await b.oci(['exec', 'x', '/nonexistent']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/nonexistent/);
    expect((await b.oci(['delete', '-f', 'x'])).exitCode).toBe(0);
    await until('the exec process to die with the container', () => !alive(execPid));
    const gone = await b.oci(['exec', 'x', 'true']);
    expect(gone.stderr).toMatch(/container 'x' does not exist/);
  });

  it('--preserve-fds passes fds 3.. to the container; others stay closed', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        s.process.args = ['sh', '-c', 'echo via-fd3 >&3; ls /proc/self/fd'];
      },
    });
    const extra = b.path('fd3.txt');
    const out = openSync(b.path('out.txt'), 'w');
    const fd3 = openSync(extra, 'w');
    const child = spawn(nsinitOciBin, ['--root', b.root, 'run', '--preserve-fds', '1', 'pf'], {
      cwd: b.dir,
      stdio: ['ignore', out, out, fd3],
    });
    closeSync(out);
    closeSync(fd3);
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(readFileSync(extra, 'utf8')).toBe('via-fd3\n');
    // 0-2, the preserved 3, and ls's own directory fd: nothing of nsinit-oci.
    expect(readFileSync(b.path('out.txt'), 'utf8').trim().split(/\s+/).sort()).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
    ]);
  });
});

describe.each(OCI_PATHS)('nsinit-oci list, pause, resume, kill --all ($path)', ({ env }) => {
  useOciPath(env);

  it('lists containers; pause/resume follow the state; kill --all signals every process', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({ spec: sleeper });
    await created(b, 'l1');
    const st = await created(b, 'l2');
    expect((await b.oci(['start', 'l2'])).exitCode).toBe(0);
    const json = JSON.parse((await b.oci(['list', '--format', 'json'])).stdout) as {
      id: string;
      status: string;
    }[];
    expect(json.map((c) => [c.id, c.status]).sort()).toEqual([
      ['l1', 'created'],
      ['l2', 'running'],
    ]);
    expect((await b.oci(['list', '-q'])).stdout.split('\n').sort()).toEqual(['', 'l1', 'l2']);
    expect((await b.oci(['list'])).stdout).toMatch(/^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER\n/);

    expect((await b.oci(['pause', 'l2'])).exitCode).toBe(0);
    expect((await stateOf(b, 'l2')).status).toBe('paused');
    const del = await b.oci(['delete', 'l2']);
    expect(del.stderr).toMatch(/not stopped: paused/);
    expect((await b.oci(['pause', 'l2'])).stderr).toMatch(/cannot pause a paused container/);
    expect((await b.oci(['resume', 'l2'])).exitCode).toBe(0);
    expect((await stateOf(b, 'l2')).status).toBe('running');

    const d = await b.detached(['exec', '-d', '--pid-file', b.path('e.pid'), 'l2', 'sleep', '1000']);
    expect(d.exitCode).toBe(0);
    const execPid = Number(readFileSync(b.path('e.pid'), 'utf8'));
    expect((await b.oci(['kill', '--all', 'l2', 'KILL'])).exitCode).toBe(0);
    await waitStatus(b, 'l2', 'stopped');
    await until('every process of l2 to die', () => !alive(execPid) && !alive(st.pid));
    expect((await b.oci(['delete', 'l2'])).exitCode).toBe(0);
    expect((await b.oci(['delete', 'l1'])).exitCode).toBe(0);
    expect((await b.oci(['list', '-q'])).stdout).toBe('');
  });
});

describe('nsinit-oci update and events', () => {
  it('update writes new limits (flags and a JSON document on stdin); events --stats reports runc-shaped stats', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({ spec: sleeper });
    await created(b, 'u');
    expect((await b.oci(['start', 'u'])).exitCode).toBe(0);
    const record = JSON.parse(readFileSync(`${b.root}/u/state.json`, 'utf8'));
    const v2 = record.cgroup.version === 2;
    const memFile = v2
      ? `${record.cgroup.paths.unified}/memory.max`
      : `${record.cgroup.paths.memory}/memory.limit_in_bytes`;
    const pidsFile = v2 ? `${record.cgroup.paths.unified}/pids.max` : `${record.cgroup.paths.pids}/pids.max`;
    const r = await b.oci(['update', '--memory', '64m', '--pids-limit=50', 'u']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(readFileSync(memFile, 'utf8').trim()).toBe(String(64 << 20));
    expect(readFileSync(pidsFile, 'utf8').trim()).toBe('50');
    const j = await b.oci(['update', '-r', '-', 'u'], {
      input: JSON.stringify({ memory: { limit: 32 << 20 }, pids: { limit: 40 } }),
    });
    expect(j.exitCode).toBe(0);
    expect(readFileSync(memFile, 'utf8').trim()).toBe(String(32 << 20));
    expect(readFileSync(pidsFile, 'utf8').trim()).toBe('40');
    const bad = await b.oci(['update', '--memory', 'lots', 'u']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/--memory: 'lots' is not a size/);

    const ev = await b.oci(['events', '--stats', 'u']);
    expect(ev.exitCode).toBe(0);
    const event = JSON.parse(ev.stdout);
    expect(event).toMatchObject({ type: 'stats', id: 'u' });
    expect(event.data.pids.current).toBeGreaterThanOrEqual(1);
    expect(event.data.pids.limit).toBe(40);
    expect(event.data.memory.usage.limit).toBe(32 << 20);
    expect((await b.oci(['kill', 'u', 'KILL'])).exitCode).toBe(0);
    await waitStatus(b, 'u', 'stopped');
    expect((await b.oci(['update', '--memory', '64m', 'u'])).stderr).toMatch(
      /cannot update a stopped container/,
    );
    expect((await b.oci(['delete', 'u'])).exitCode).toBe(0);
    expect(existsSync(memFile)).toBe(false);
  });
});

describe.each(OCI_PATHS)('nsinit-oci documents and global flags ($path)', ({ env }) => {
  useOciPath(env);

  it('spec writes a config.json create accepts; features tells what is supported', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle();
    const dir = b.path('specdir');
    await runCommand('mkdir', [dir]);
    expect((await runCommand(nsinitOciBin, ['spec', '--bundle', dir])).exitCode).toBe(0);
    const spec = JSON.parse(readFileSync(`${dir}/config.json`, 'utf8'));
    expect(spec).toMatchObject({ ociVersion: expect.stringMatching(/^1\./), root: { path: 'rootfs' } });
    const again = await runCommand(nsinitOciBin, ['spec', '-b', dir]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/exists/);
    const f = JSON.parse((await runCommand(nsinitOciBin, ['features'])).stdout);
    expect(f).toMatchObject({ ociVersionMin: '1.0.0', linux: { seccomp: { enabled: true } } });
    expect(f.linux.seccomp.actions).toContain('SCMP_ACT_NOTIFY');
    expect(f.linux.namespaces).toContain('time');
    expect(f.hooks).toContain('createRuntime');
    expect(f.linux.capabilities).toContain('CAP_SYS_ADMIN');
  });

  it('logs errors as JSON lines to --log; --version; refuses --systemd-cgroup and unknown flags', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle();
    const log = b.path('log.json');
    const r = await b.oci(['--log', log, '--log-format=json', 'state', 'nosuch']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe("nsinit-oci: container 'nosuch' does not exist\n");
    const entry = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1)!);
    expect(entry).toMatchObject({ level: 'error', msg: "container 'nosuch' does not exist" });
    expect(Number.isNaN(Date.parse(entry.time))).toBe(false);
    // runc's format; the spec line is the runtime-spec version the state and `spec` carry.
    expect((await runCommand(nsinitOciBin, ['--version'])).stdout).toMatch(
      new RegExp(
        `^nsinit-oci version \\d[^\\n]*\\n(commit: [0-9a-f]{40}(-dirty)?\\n)?spec: ${OCI_VERSION}\\n$`,
      ),
    );
    expect((await runCommand(nsinitOciBin, ['-v'])).exitCode).toBe(0);
    const sd = await b.oci(['--systemd-cgroup', 'state', 'x']);
    expect(sd.exitCode).toBe(1);
    expect(sd.stderr).toMatch(/systemd cgroup driver is not supported/);
    const unk = await b.oci(['create', '--bogus', 'x']);
    expect(unk.stderr).toMatch(/flag provided but not defined: -bogus/);
    // runc's spellings: single-dash long flags and --flag=value.
    const st = await created(b, 'sp', ['-bundle', b.dir, `--pid-file=${b.path('sp.pid')}`]);
    expect(Number(readFileSync(b.path('sp.pid'), 'utf8'))).toBe(st.pid);
    expect((await b.oci(['delete', 'sp'])).exitCode).toBe(0);
  });
});
