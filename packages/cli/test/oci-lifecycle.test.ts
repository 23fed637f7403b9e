// nsinit-oci's lifecycle through the real executable: create leaves the init waiting in its
// namespaces and cgroups with no nsinit process behind, start lets it exec, state follows every
// transition, and each refusal the runtime-spec and runc make (start twice, delete running,
// kill stopped, ...) fails with a one-line error and changes nothing. Every case runs on both
// paths of the verbs after create: the native program and Node (OCI_PATHS).
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createOciBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { alive, until } from './helpers.js';
import {
  created,
  nsOf,
  OCI_PATHS,
  outputContains,
  ppidOf,
  stateOf,
  useOciPath,
  waitStatus,
} from './oci-helpers.js';

useLeakCheck();

const sleeper = (s: Record<string, any>) => {
  s.process.args = ['sh', '-c', 'echo started; exec sleep 1000'];
};

describe.each(OCI_PATHS)('nsinit-oci create/start/state/kill/delete ($path)', ({ env }) => {
  useOciPath(env);

  it('create leaves the init waiting in its namespaces and cgroup; start runs the process', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({ spec: sleeper });
    const pidFile = b.path('init.pid');
    const st = await created(b, 'c1', ['--bundle', b.dir, '--pid-file', pidFile]);
    expect(st).toMatchObject({ ociVersion: '1.0.2', id: 'c1', status: 'created', bundle: b.dir });
    // --pid-file holds the init's host pid, the same the state reports.
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(st.pid);
    // In its own namespaces already, and not yet running the user's program: nothing printed,
    // and it is still the runtime's clone (its executable is not busybox).
    for (const ns of ['mnt', 'pid', 'uts', 'ipc', 'net']) expect(nsOf(st.pid, ns)).not.toBe(nsOf('self', ns));
    expect(b.output('c1')).toBe('');
    expect(readlinkSync(`/proc/${st.pid}/exe`)).not.toMatch(/busybox/);
    // Nothing of `create` stays open in the waiting init: its stdio and the start gate only (no
    // lock file, no pipes or sockets of the caller beyond 0-2).
    const fds = readdirSync(`/proc/${st.pid}/fd`)
      .map(Number)
      .sort((a, b) => a - b);
    expect(fds.slice(0, 3)).toEqual([0, 1, 2]);
    expect(fds.length).toBe(4);
    expect(readlinkSync(`/proc/${st.pid}/fd/${fds[3]}`)).toMatch(/^socket:/);
    // In the container's cgroup (named after --root and the id when cgroupsPath is absent).
    expect(readFileSync(`/proc/${st.pid}/cgroup`, 'utf8')).toMatch(/nsinit-oci-[0-9a-f]{8}-c1\n/);
    // No nsinit process stays behind: the init's parent is not an nsinit-oci.
    const parent = ppidOf(st.pid);
    expect(readFileSync(`/proc/${parent}/cmdline`, 'utf8')).not.toMatch(/nsinit-oci/);

    const r = await b.oci(['start', 'c1']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(await outputContains(b, 'c1', 'started')).toBe('started\n');
    expect((await stateOf(b, 'c1')).status).toBe('running');
    expect(readlinkSync(`/proc/${st.pid}/exe`)).toMatch(/busybox/);

    expect((await b.oci(['kill', 'c1', 'KILL'])).exitCode).toBe(0);
    await waitStatus(b, 'c1', 'stopped');
    const d = await b.oci(['delete', 'c1']);
    expect(d.stderr).toBe('');
    expect(d.exitCode).toBe(0);
    expect(existsSync(`${b.root}/c1`)).toBe(false);
    const gone = await b.oci(['state', 'c1']);
    expect(gone.exitCode).toBe(1);
    expect(gone.stderr).toMatch(/container 'c1' does not exist/);
  });

  it('refuses what the status does not allow, with one line and no change', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({ spec: sleeper });
    await created(b, 'c2');
    // A created container cannot be paused or resumed; a second create with its id fails.
    for (const [args, message] of [
      [['pause', 'c2'], /cannot pause a created container/],
      [['resume', 'c2'], /cannot resume a created container/],
    ] as const) {
      const r = await b.oci([...args]);
      expect(r.exitCode).toBe(1);
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(message);
    }
    const again = await b.create('c2');
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/container with id 'c2' already exists/);
    expect((await stateOf(b, 'c2')).status).toBe('created');

    expect((await b.oci(['start', 'c2'])).exitCode).toBe(0);
    await outputContains(b, 'c2', 'started');
    const twice = await b.oci(['start', 'c2']);
    expect(twice.exitCode).toBe(1);
    expect(twice.stderr).toMatch(/cannot start an already running container/);
    const del = await b.oci(['delete', 'c2']);
    expect(del.exitCode).toBe(1);
    expect(del.stderr).toMatch(/cannot delete container that is not stopped: running/);
    expect((await stateOf(b, 'c2')).status).toBe('running');

    expect((await b.oci(['kill', 'c2', '9'])).exitCode).toBe(0);
    await waitStatus(b, 'c2', 'stopped');
    const startStopped = await b.oci(['start', 'c2']);
    expect(startStopped.exitCode).toBe(1);
    expect(startStopped.stderr).toMatch(/cannot start a container that has stopped/);
    const killStopped = await b.oci(['kill', 'c2']);
    expect(killStopped.exitCode).toBe(1);
    expect(killStopped.stderr).toMatch(/container not running/);
    expect((await b.oci(['delete', 'c2'])).exitCode).toBe(0);
  });

  it('deletes a created container (killing its init) and a running one with --force', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({ spec: sleeper });
    const a = await created(b, 'a');
    expect((await b.oci(['delete', 'a'])).exitCode).toBe(0);
    expect(alive(a.pid)).toBe(false);
    const r = await created(b, 'r');
    expect((await b.oci(['start', 'r'])).exitCode).toBe(0);
    await outputContains(b, 'r', 'started');
    const f = await b.oci(['delete', '--force', 'r']);
    expect(f.stderr).toBe('');
    expect(f.exitCode).toBe(0);
    await until('the init to be gone', () => !alive(r.pid));
    expect(b.output('r')).toBe('started\n');
    // --force on a missing container succeeds, as runc's does.
    expect((await b.oci(['delete', '-f', 'nosuch'])).exitCode).toBe(0);
    const missing = await b.oci(['delete', 'nosuch']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/container 'nosuch' does not exist/);
  });

  it('kill on a created container signals its waiting init; SIGKILL stops it', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({ spec: sleeper });
    const st = await created(b, 'k');
    expect((await b.oci(['kill', 'k', 'SIGKILL'])).exitCode).toBe(0);
    await waitStatus(b, 'k', 'stopped');
    expect(alive(st.pid)).toBe(false);
    expect(b.output('k')).toBe('');
    const start = await b.oci(['start', 'k']);
    expect(start.exitCode).toBe(1);
    expect(start.stderr).toMatch(/cannot start a container that has stopped/);
    expect((await b.oci(['delete', 'k'])).exitCode).toBe(0);
  });

  it('a seccomp profile denying close_range (loaded before the gate without no_new_privs) still leaves nothing of create open', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({
      spec: (s) => {
        sleeper(s);
        s.process.noNewPrivileges = false;
        s.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['close_range'], action: 'SCMP_ACT_ERRNO' }],
        };
      },
    });
    const st = await created(b, 'sc');
    expect(readdirSync(`/proc/${st.pid}/fd`).length).toBe(4);
    // start takes the lock the init would otherwise still hold.
    const r = await b.oci(['start', 'sc'], { timeout: 10_000 });
    expect(r.exitCode).toBe(0);
    await outputContains(b, 'sc', 'started');
    expect((await b.oci(['delete', '-f', 'sc'])).exitCode).toBe(0);
  });

  it('refuses ids that are not one safe path component, creating nothing', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const b = await createOciBundle({ spec: sleeper });
    for (const id of ['../escape', 'a/b', '..', '.', 'sp ace', 'x\ny']) {
      const r = await b.create(id);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/invalid container id/);
    }
    expect(existsSync(b.root)).toBe(false);
    expect(existsSync(b.path('escape'))).toBe(false);
  });
});
