// Rootless cgroups, for real: a cgroup v2 directory delegated to the user (chowned by the test, the
// caller placed in it) holds the container's cgroup; a limit with nowhere to go is refused by name.
// And rootless cgroup exposure (runc CVE-2023-25809): no write to a cgroup the user owns on the host,
// through a `/sys` bound `rbind,ro` (read-only all the way down) or a `cgroup` mount without cgroupns.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import {
  type CliResult,
  createBundle,
  createOciBundle,
  nsinitBin,
  nsinitOciBin,
  type RootlessSession,
  requires,
  rootlessSession,
  runCommand,
  useLeakCheck,
} from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';

useLeakCheck();

/** The host's cgroup2 mount: /sys/fs/cgroup/unified on this hybrid host, /sys/fs/cgroup on v2. */
const V2 =
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => / - cgroup2 /.test(l))
    .map((l) => l.split(' ')[4]!)
    .sort((a, b) => a.length - b.length)[0] ?? '/sys/fs/cgroup/unified';

async function session(ctx: { skip: (note?: string) => void }): Promise<RootlessSession> {
  requires(ctx, 'root', 'busybox', 'rootless-user');
  if (!existsSync(join(V2, 'cgroup.procs'))) ctx.skip(`no cgroup2 hierarchy at ${V2}`);
  return rootlessSession();
}

/** Run `fn` with a directory of the host's cgroup2 tree delegated to the user as systemd or an
 *  administrator would (cgroup-v2.rst "Delegation": the directory and its cgroup.procs,
 *  cgroup.threads and cgroup.subtree_control chowned); removed after (before the leak check). */
async function delegated(
  s: RootlessSession,
  name: string,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = join(V2, `${name}-${process.pid}-${Date.now()}`);
  mkdirSync(dir);
  try {
    for (const f of ['', 'cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control'])
      chownSync(join(dir, f), s.user.uid, s.user.gid);
    await fn(dir);
  } finally {
    for (const child of readdirSync(dir, { withFileTypes: true }))
      if (child.isDirectory()) rmdirSync(join(dir, child.name));
    rmdirSync(dir);
  }
}

const subdirs = (dir: string) => readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory());

/** `nsinit`/`nsinit-oci` as the user, started in `cgroup` (moved there by root first: moving a
 *  process needs write access to cgroup.procs of the common ancestor, the root cgroup here). */
function inCgroup(s: RootlessSession, cgroup: string, bin: string, args: string[], cwd: string) {
  const setpriv = ['--reuid', String(s.user.uid), '--regid', String(s.user.gid), '--clear-groups'];
  const env = Object.entries(s.env).map(([k, v]) => `${k}=${v}`);
  return runCommand(
    '/bin/sh',
    [
      '-c',
      'echo $$ > "$0/cgroup.procs" && exec "$@"',
      cgroup,
      'setpriv',
      ...setpriv,
      'env',
      '-i',
      ...env,
      bin,
      ...args,
    ],
    { cwd },
  );
}

async function rootlessBundle(s: RootlessSession, edit: (c: ContainerConfig) => void) {
  const spec = await runCommand(nsinitBin, ['spec', '--rootless'], s.spawn);
  const config = JSON.parse(spec.stdout) as ContainerConfig;
  edit(config);
  const b = await createBundle({ config: () => config });
  s.own(b.dir);
  return b;
}

const cgroupLine = (r: CliResult) => /^0::(.*)$/m.exec(r.stdout)?.[1];

describe('rootless cgroups', () => {
  it('nsinit: a delegated cgroup v2 subtree holds the container’s own cgroup, removed at exit', async (ctx) => {
    const s = await session(ctx);
    await delegated(s, 'nsinit-delegated', async (dir) => {
      const b = await rootlessBundle(s, (c) => {
        c.cgroups = { name: 'rl' };
      });
      const r = await inCgroup(s, dir, nsinitBin, ['exec', 'cat', '/proc/self/cgroup'], b.dir);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(cgroupLine(r)).toMatch(new RegExp(`^/${dir.slice(V2.length + 1)}/rl-[0-9a-f]{12}$`));
      expect(subdirs(dir)).toEqual([]);
    });
  });

  it('nsinit-oci: the same below the delegated directory, for a relative cgroupsPath', async (ctx) => {
    const s = await session(ctx);
    await delegated(s, 'nsinit-oci-delegated', async (dir) => {
      const b = await createOciBundle({
        as: s.spawn,
        spec: (spec) => {
          spec.linux.namespaces.push({ type: 'user' });
          spec.linux.uidMappings = [{ containerID: 0, hostID: s.user.uid, size: 1 }];
          spec.linux.gidMappings = [{ containerID: 0, hostID: s.user.gid, size: 1 }];
          spec.linux.cgroupsPath = 'box';
          spec.process.args = ['cat', '/proc/self/cgroup'];
        },
      });
      const r = await inCgroup(
        s,
        dir,
        nsinitOciBin,
        ['--root', b.root, 'run', '--bundle', b.dir, 'd1'],
        b.dir,
      );
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(cgroupLine(r)).toBe(`/${dir.slice(V2.length + 1)}/box`);
      expect(subdirs(dir)).toEqual([]);
    });
  });

  it('a limit the delegated subtree cannot hold, or that has no subtree, is refused naming its field', async (ctx) => {
    const s = await session(ctx);
    await delegated(s, 'nsinit-nolimit', async (dir) => {
      const b = await rootlessBundle(s, (c) => {
        c.cgroups = { name: 'rl', pids_limit: 10 };
      });
      // Delegated, but this cgroup2 offers no pids controller (this host's hybrid cgroup2 has
      // none): refused, nothing created. Where it is offered the limit is applied instead.
      const there = await inCgroup(s, dir, nsinitBin, ['exec', 'cat', '/sys/fs/cgroup/pids.max'], b.dir);
      if (!readFileSync(join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('pids')) {
        expect(there.exitCode).toBe(125);
        expect(there.stderr).toMatch(
          /^nsinit: cgroups\.pids_limit: the pids controller is not available in /,
        );
      } else expect(there.exitCode, there.stderr).not.toBe(0); // our own cgroup has a process: EBUSY
      expect(subdirs(dir)).toEqual([]);
      // Not delegated: refused before anything exists, also by name.
      const none = await runCommand(nsinitBin, ['exec', 'true'], { cwd: b.dir, ...s.spawn });
      expect(none.exitCode).toBe(125);
      expect(none.stderr).toMatch(
        /^nsinit: invalid config: cgroups\.pids_limit: rootless: uid \d+ has no delegated cgroup v2 subtree/,
      );
      // Without limits: one warning, and the container runs without a cgroup of its own.
      b.writeConfig({ ...b.config, cgroups: { name: 'rl' } });
      const warned = await runCommand(nsinitBin, ['exec', 'true'], { cwd: b.dir, ...s.spawn });
      expect(warned.exitCode).toBe(0);
      expect(warned.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^nsinit: warning: rootless: uid \d+ has no delegated cgroup v2 subtree; /),
      ]);
    });
  });
});

describe('rootless cgroup exposure (runc CVE-2023-25809)', () => {
  // What the container tries against a host cgroup directory its user owns.
  const attack = (dir: string) =>
    `mkdir ${dir}/escape 2>&1 && echo WROTE-DIR; echo $$ 2>&1 > ${dir}/cgroup.procs && echo WROTE-PROCS; echo done`;

  it('a /sys bound `rbind,ro` is read-only all the way down: the user’s host cgroups stay unwritable', async (ctx) => {
    const s = await session(ctx);
    await delegated(s, 'nsinit-cve-sys', async (dir) => {
      const inside = `${V2}/${dir.slice(V2.length + 1)}`;
      const b = await createOciBundle({
        as: s.spawn,
        spec: (spec) => {
          spec.linux.namespaces = spec.linux.namespaces.filter((n: { type: string }) => n.type !== 'network');
          spec.linux.namespaces.push({ type: 'user' });
          spec.linux.uidMappings = [{ containerID: 0, hostID: s.user.uid, size: 1 }];
          spec.linux.gidMappings = [{ containerID: 0, hostID: s.user.gid, size: 1 }];
          // runc's rootless spec without its cgroup mount: /sys is the host's, bound read-only.
          spec.mounts = spec.mounts.map((m: { destination: string }) =>
            m.destination === '/sys'
              ? {
                  destination: '/sys',
                  type: 'none',
                  source: '/sys',
                  options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'],
                }
              : m,
          );
          spec.process.args = ['sh', '-c', `ls -d ${inside} && ${attack(inside)}`];
        },
      });
      const r = await b.create('c1', ['--bundle', b.dir], 'run');
      const out = b.output('c1');
      expect(r.exitCode, out).toBe(0);
      expect(out).toContain(inside); // the user's host cgroup is visible ...
      expect(out).toMatch(/Read-only file system/); // ... but not writable
      expect(out).not.toMatch(/WROTE/);
      expect(subdirs(dir)).toEqual([]);
    });
  });

  it('a `cgroup` mount without a cgroup namespace or a cgroup of its own shows nothing, read-only', async (ctx) => {
    const s = await session(ctx);
    await delegated(s, 'nsinit-cve-mount', async (dir) => {
      const b = await createOciBundle({ as: s.spawn });
      execFileSync('rm', [b.path('config.json')]);
      expect(
        (await runCommand(nsinitOciBin, ['spec', '--rootless', '--bundle', b.dir], s.spawn)).exitCode,
      ).toBe(0);
      const config = JSON.parse(readFileSync(b.path('config.json'), 'utf8'));
      config.process.terminal = false;
      config.process.args = ['sh', '-c', `ls -A /sys/fs/cgroup | wc -l; ${attack('/sys/fs/cgroup')}`];
      b.writeSpec(config);
      const r = await b.create('c2', ['--bundle', b.dir], 'run');
      const out = b.output('c2');
      expect(r.exitCode, out).toBe(0);
      expect(out).toMatch(/^0$/m);
      expect(out).toMatch(/Read-only file system/);
      expect(out).not.toMatch(/WROTE/);
      expect(subdirs(dir)).toEqual([]);
    });
  });

  it('nsinit: a user namespace without its own network namespace binds /sys read-only all the way down', async (ctx) => {
    const s = await session(ctx);
    await delegated(s, 'nsinit-cve-2014', async (dir) => {
      const inside = `${V2}/${dir.slice(V2.length + 1)}`;
      const b = await rootlessBundle(s, (c) => {
        delete c.namespaces!.NEWNET;
        delete c.networks;
      });
      const r = await runCommand(nsinitBin, ['exec', 'sh', '-c', `ls -d ${inside} && ${attack(inside)}`], {
        cwd: b.dir,
        ...s.spawn,
      });
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toContain(inside);
      expect(r.stdout).toMatch(/Read-only file system/);
      expect(r.stdout).not.toMatch(/WROTE/);
      expect(subdirs(dir)).toEqual([]);
    });
  });
});
