// Rootless mode, for real: the user scripts/setup creates (`nsinit-rootless`) runs busybox with both
// front ends from the configs their `spec --rootless` print, in a rootfs it owns, with a private
// XDG_RUNTIME_DIR. Checked inside (id, uid_map, lo) and on the host (file owners, where the state
// went); none of its processes may outlive a test; under CI a missing user fails these cases.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { ContainerConfig } from '@nsinit/config';
import {
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
import { background, until } from './helpers.js';

useLeakCheck();

async function session(ctx: { skip: (note?: string) => void }): Promise<RootlessSession> {
  requires(ctx, 'root', 'busybox', 'rootless-user');
  return rootlessSession();
}

/** A busybox container directory the user owns, holding what `nsinit spec --rootless` prints for it. */
async function rootlessBundle(s: RootlessSession, edit?: (c: ContainerConfig) => void) {
  const spec = await runCommand(nsinitBin, ['spec', '--rootless'], s.spawn);
  expect(spec.exitCode).toBe(0);
  const config = JSON.parse(spec.stdout) as ContainerConfig;
  edit?.(config);
  const b = await createBundle({ config: () => config });
  s.own(b.dir);
  return b;
}

const mapLine = (text: string | undefined) => text?.trim().split(/\s+/);

/** nsinit-oci as the user with its stdout and stderr in `file` (the init of `create` inherits
 *  them and outlives the command). */
function detached(
  s: RootlessSession,
  args: string[],
  file: string,
): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const out = openSync(file, 'a');
    const child = spawn(nsinitOciBin, args, { stdio: ['ignore', out, out], ...s.spawn });
    closeSync(out);
    child.on('error', reject);
    child.on('exit', (exitCode) => resolve({ exitCode, output: readFileSync(file, 'utf8') }));
  });
}

describe('nsinit, rootless', () => {
  it('root inside is the user outside, what container root writes is the user’s, lo is up', async (ctx) => {
    const s = await session(ctx);
    const b = await rootlessBundle(s);
    const r = await runCommand(
      nsinitBin,
      [
        'exec',
        'sh',
        '-c',
        'id -u; head -n 1 /proc/self/uid_map; touch /made; ip -4 addr show lo | grep -o "inet [0-9./]*"',
      ],
      { cwd: b.dir, ...s.spawn },
    );
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const [uid, map, inet] = r.stdout.trim().split('\n');
    expect(uid).toBe('0');
    expect(mapLine(map)).toEqual(['0', String(s.user.uid), '1']);
    expect(inet).toBe('inet 127.0.0.1/8'); // brought up by the child itself (link-up)
    expect(statSync(b.path('made')).uid).toBe(s.user.uid);
    // Its trusted state lives under its own XDG_RUNTIME_DIR, and is gone with the container.
    expect(readdirSync(join(s.runtimeDir, 'nsinit', 'state'))).toEqual([]);
  });

  it('joins a running rootless container: the user namespace first, as its root', async (ctx) => {
    const s = await session(ctx);
    const b = await rootlessBundle(s);
    const init = background(['exec', '--stop-timeout', '0', 'sleep', '1000'], { cwd: b.dir, ...s.spawn });
    await until('the container to run', () => existsSync(b.path('pid')));
    const r = await runCommand(
      nsinitBin,
      ['exec', 'sh', '-c', 'id -u; head -n 1 /proc/self/uid_map; cat /proc/1/comm'],
      {
        cwd: b.dir,
        ...s.spawn,
      },
    );
    expect(r.stderr).toBe('');
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l, i) => (i === 1 ? mapLine(l)?.join(' ') : l)),
    ).toEqual(['0', `0 ${s.user.uid} 1`, 'sleep']);
    // status from the user's own trusted state
    const st = await runCommand(nsinitBin, ['status'], { cwd: b.dir, ...s.spawn });
    expect(st.stdout).toMatch(/^running: pid \d+ since /);
    // The stop policy, with no grace: sleep as PID 1 ignores SIGTERM, so SIGKILL follows at once.
    process.kill(init.pid, 'SIGTERM');
    expect((await init.done).exitCode).toBe(137);
  }, 30_000);

  it('with a subuid range (newuidmap): chown 1000 inside is the mapped id on the host', async (ctx) => {
    const s = await session(ctx);
    const sub = s.user.subuid!;
    const subg = s.user.subgid!;
    const b = await rootlessBundle(s, (c) => {
      c.uid_mappings = [
        { container_id: 0, host_id: s.user.uid, size: 1 },
        { container_id: 1, host_id: sub.start, size: sub.count },
      ];
      c.gid_mappings = [
        { container_id: 0, host_id: s.user.gid, size: 1 },
        { container_id: 1, host_id: subg.start, size: subg.count },
      ];
    });
    const r = await runCommand(
      nsinitBin,
      ['exec', 'sh', '-c', 'touch /tmp/f && chown 1000:1000 /tmp/f && wc -l < /proc/self/uid_map'],
      {
        cwd: b.dir,
        ...s.spawn,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('2');
    const st = statSync(b.path('tmp/f'));
    expect([st.uid, st.gid]).toEqual([sub.start + 999, subg.start + 999]);
  });

  it('refuses, naming the field, what needs host root or has no place rootless', async (ctx) => {
    const s = await session(ctx);
    const cases: [(c: ContainerConfig) => void, string][] = [
      [
        (c) => {
          c.networks = [
            { type: 'veth', mtu: 1500, address: '10.9.0.2/24', context: { bridge: 'br0', prefix: 'v' } },
          ];
        },
        "nsinit: invalid config: /networks/0/type: rootless: 'veth' needs root on the host",
      ],
      [
        (c) => {
          c.cgroups = { name: 'rl', memory: 64 << 20 };
        },
        'nsinit: invalid config: cgroups.memory: rootless: uid ',
      ],
      [
        (c) => {
          delete c.namespaces!.NEWUSER;
          delete c.uid_mappings;
          delete c.gid_mappings;
        },
        'nsinit: invalid config: /namespaces/NEWUSER: rootless: a non-root user needs a user namespace',
      ],
    ];
    for (const [edit, message] of cases) {
      const b = await rootlessBundle(s, edit);
      const r = await runCommand(nsinitBin, ['exec', 'true'], { cwd: b.dir, ...s.spawn });
      expect(r.exitCode).toBe(125);
      expect(r.stderr.startsWith(message), r.stderr).toBe(true);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(readdirSync(b.dir)).not.toContain('pid');
    }
  });
});

describe('nsinit-oci, rootless', () => {
  it('spec --rootless, then run: root inside is the user outside, its files are the user’s', async (ctx) => {
    const s = await session(ctx);
    const b = await createOciBundle({ as: s.spawn });
    rmSync(b.path('config.json'));
    const spec = await runCommand(nsinitOciBin, ['spec', '--rootless', '--bundle', b.dir], s.spawn);
    expect(spec).toMatchObject({ exitCode: 0, stderr: '' });
    const config = JSON.parse(readFileSync(b.path('config.json'), 'utf8'));
    expect(config.linux.uidMappings).toEqual([{ containerID: 0, hostID: s.user.uid, size: 1 }]);
    config.process.terminal = false;
    config.root.readonly = false;
    config.process.args = [
      'sh',
      '-c',
      'id -u; head -n 1 /proc/self/uid_map; touch /made; ls /sys/fs/cgroup | wc -l',
    ];
    b.writeSpec(config);
    const r = await b.create('r1', ['--bundle', b.dir], 'run');
    const text = b.output('r1');
    expect(r.exitCode, text).toBe(0);
    // One warning (no delegated cgroup v2 subtree here), and the container's own lines.
    const warnings = text.split('\n').filter((l) => l.includes('level=warning'));
    expect(warnings, text).toEqual([
      expect.stringMatching(/msg="rootless: uid \d+ has no delegated cgroup v2 subtree/),
    ]);
    const own = text.split('\n').filter((l) => l !== '' && !l.includes('level='));
    expect(
      own.map((l, i) => (i === 1 ? mapLine(l)?.join(' ') : l)),
      text,
    ).toEqual([
      '0',
      `0 ${s.user.uid} 1`,
      '0', // /sys/fs/cgroup is an empty read-only tmpfs: nothing of the host's tree
    ]);
    expect(statSync(join(b.rootfs, 'made')).uid).toBe(s.user.uid);
  });

  it('create, start, exec into it as its root, kill, delete; state under XDG_RUNTIME_DIR by default', async (ctx) => {
    const s = await session(ctx);
    const b = await createOciBundle({
      as: s.spawn,
      spec: (spec) => {
        spec.linux.namespaces.push({ type: 'user' });
        spec.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 1 }];
        spec.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 1 }];
        spec.process.args = ['sleep', '1000'];
      },
    });
    const spec = b.spec;
    spec.linux.uidMappings[0].hostID = s.user.uid;
    spec.linux.gidMappings[0].hostID = s.user.gid;
    b.writeSpec(spec);
    // No --root: the default for a rootless caller is $XDG_RUNTIME_DIR/nsinit-oci.
    const oci = (args: string[]) => runCommand(nsinitOciBin, args, { cwd: b.dir, ...s.spawn });
    // create's init keeps its stdio: a file, not a pipe the command's caller would wait on.
    const c = await detached(s, ['create', '--bundle', b.dir, 'x1'], b.path('x1.out'));
    try {
      expect(c).toMatchObject({ exitCode: 0 });
      expect(readdirSync(join(s.runtimeDir, 'nsinit-oci'))).toEqual(['x1']);
      expect(await oci(['start', 'x1'])).toMatchObject({ exitCode: 0 });
      const e = await oci([
        'exec',
        'x1',
        'sh',
        '-c',
        'id -u; head -n 1 /proc/self/uid_map; cat /proc/1/comm',
      ]);
      expect(e.stderr).toBe('');
      expect(
        e.stdout
          .trim()
          .split('\n')
          .map((l, i) => (i === 1 ? mapLine(l)?.join(' ') : l)),
      ).toEqual(['0', `0 ${s.user.uid} 1`, 'sleep']);
      expect(await oci(['kill', 'x1', 'KILL'])).toMatchObject({ exitCode: 0 });
    } finally {
      await oci(['delete', '--force', 'x1']);
    }
    expect(readdirSync(join(s.runtimeDir, 'nsinit-oci'))).toEqual([]);
  });

  it('with a subuid range (newuidmap): chown 1000 inside is the mapped id on the host', async (ctx) => {
    const s = await session(ctx);
    const sub = s.user.subuid!;
    const subg = s.user.subgid!;
    const b = await createOciBundle({
      as: s.spawn,
      spec: (spec) => {
        spec.linux.namespaces.push({ type: 'user' });
        spec.linux.uidMappings = [
          { containerID: 0, hostID: s.user.uid, size: 1 },
          { containerID: 1, hostID: sub.start, size: sub.count },
        ];
        spec.linux.gidMappings = [
          { containerID: 0, hostID: s.user.gid, size: 1 },
          { containerID: 1, hostID: subg.start, size: subg.count },
        ];
        spec.process.args = [
          'sh',
          '-c',
          'touch /tmp/f && chown 1000:1000 /tmp/f && wc -l < /proc/self/uid_map',
        ];
      },
    });
    const r = await b.create('u1', ['--bundle', b.dir], 'run');
    expect(r.exitCode, b.output('u1')).toBe(0);
    expect(b.output('u1')).toMatch(/^2$/m);
    const st = statSync(join(b.rootfs, 'tmp/f'));
    expect([st.uid, st.gid]).toEqual([sub.start + 999, subg.start + 999]);
  });

  it('without XDG_RUNTIME_DIR, or with someone else’s, says so in one line and creates nothing', async (ctx) => {
    const s = await session(ctx);
    const b = await createOciBundle({ as: s.spawn });
    const { XDG_RUNTIME_DIR: _own, ...env } = s.env;
    for (const e of [env, { ...env, XDG_RUNTIME_DIR: '/run' }]) {
      const r = await runCommand(nsinitOciBin, ['create', '--bundle', b.dir, 'n1'], { ...s.spawn, env: e });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(
        /^nsinit-oci: rootless: XDG_RUNTIME_DIR (is not set|'\/run' is owned by uid 0, not by you)/m,
      );
      // The log line (stderr without --log), then the error, each one line: no stack.
      expect(r.stderr.trim().split('\n')).toHaveLength(2);
    }
    // A --root another user owns is refused too (never a shared root-owned place).
    const r = await runCommand(nsinitOciBin, ['--root', '/run', 'list'], s.spawn);
    expect(r.stderr).toMatch(
      /^nsinit-oci: rootless: the state directory '\/run' is owned by uid 0, not by you/m,
    );
    expect(readdirSync(s.runtimeDir)).toEqual([]);
  });
});
