// User namespaces as root, both formats, checked from inside real containers (busybox probes
// reading /proc/self/uid_map, id, mountinfo) and from the host (the owner of files the container
// created, the host ids of its processes): the maps the parent writes, root inside being the
// mapped id outside, devices bound from the host, /sys bound when the network namespace is not
// the container's own, locked mount flags kept on a read-only bind, and a join that enters the
// user namespace and takes the container's ids.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ContainerConfig } from '@nsinit/config';
import { createBundle, requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { open } from '../src/index.js';
import { text } from './api-helpers.js';
import { baseConfig, ociBundle, runOci, startOci, stopOci } from './oci-helpers.js';

useLeakCheck();

const MAP = { container_id: 0, host_id: 100000, size: 65536 };

function userns(c: ContainerConfig): ContainerConfig {
  delete c.cgroups;
  delete c.networks;
  c.namespaces = { ...c.namespaces, NEWUSER: true };
  c.uid_mappings = [MAP];
  c.gid_mappings = [MAP];
  return c;
}

/** Host view of a process's ids: the Uid/Gid lines of /proc/<pid>/status (real effective ...). */
function hostIds(pid: number): { uid: string; gid: string } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (k: string) => new RegExp(`^${k}:\\s*(.*)$`, 'm').exec(status)?.[1]?.split(/\s+/)[0] ?? '';
  return { uid: field('Uid'), gid: field('Gid') };
}

describe('user namespaces (container.json)', () => {
  it('maps root inside to the mapped host id: maps, id, files the container creates and chowns', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: userns });
    const container = await open(bundle.dir);
    const proc = await container.exec([
      'sh',
      '-c',
      'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -g; ' +
        'touch /tmp/mine && touch /tmp/theirs && chown 1000:2000 /tmp/theirs && echo chowned; ' +
        'echo x > /dev/null && echo devnull',
    ]);
    const out = text(proc.stdout);
    const err = text(proc.stderr);
    expect(await proc.wait()).toMatchObject({ exitCode: 0 });
    const lines = (await out).split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
    expect(await err).toBe('');
    expect(lines.slice(0, 7)).toEqual([
      '0 100000 65536',
      '0 100000 65536',
      'allow',
      '0',
      '0',
      'chowned',
      'devnull',
    ]);
    // Created by container root: owned by the mapped host ids; container id 1000 is host 101000.
    expect(statSync(bundle.path('tmp/mine'))).toMatchObject({ uid: 100000, gid: 100000 });
    expect(statSync(bundle.path('tmp/theirs'))).toMatchObject({ uid: 101000, gid: 102000 });
  });

  it('capabilities are the namespace own: SYS_ADMIN mounts in its own mount namespace, MKNOD makes no device', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({
      config: (c) => {
        userns(c);
        c.capabilities = ['SYS_ADMIN', 'MKNOD'];
        return c;
      },
    });
    const container = await open(bundle.dir);
    const proc = await container.exec([
      'sh',
      '-c',
      'grep ^CapEff: /proc/self/status; mount -t tmpfs t /tmp && echo mounted; ' +
        'mknod /tmp/null c 1 3 2>/dev/null && echo mknod || echo mknod-refused',
    ]);
    const out = text(proc.stdout);
    expect(await proc.wait()).toMatchObject({ exitCode: 0 });
    // CAP_MKNOD (27) and CAP_SYS_ADMIN (21), held in the container's user namespace only.
    expect((await out).trim().split('\n')).toEqual([
      `CapEff:\t${((1n << 27n) | (1n << 21n)).toString(16).padStart(16, '0')}`,
      'mounted',
      'mknod-refused',
    ]);
  });

  it('runs a rootfs owned by host root: its files show as nobody, device nodes are the host own', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: userns });
    const container = await open(bundle.dir);
    const proc = await container.exec([
      'sh',
      '-c',
      // busybox stat: owner of the rootfs's own /bin/busybox, then type and device numbers of /dev/null.
      'stat -c "%u %g" /bin/busybox; stat -c "%F %t,%T" /dev/null; touch /bin/denied 2>/dev/null || echo refused',
    ]);
    const out = text(proc.stdout);
    expect(await proc.wait()).toMatchObject({ exitCode: 0 });
    expect((await out).trim().split('\n')).toEqual(['65534 65534', 'character special file 1,3', 'refused']);
  });

  it('a rootfs chowned to the mapped root is the container own: root writes anywhere in it', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: userns, owner: { uid: 100000, gid: 100000 } });
    const container = await open(bundle.dir);
    const proc = await container.exec([
      'sh',
      '-c',
      'stat -c "%u %g" /bin/busybox; touch /made && mkdir /etc/more && echo ok',
    ]);
    const out = text(proc.stdout);
    expect(await proc.wait()).toMatchObject({ exitCode: 0 });
    expect((await out).trim().split('\n')).toEqual(['0 0', 'ok']);
    expect(statSync(bundle.path('made'))).toMatchObject({ uid: 100000, gid: 100000 });
  });

  it('a join enters the user namespace first and runs with the container ids, never the caller ones', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: userns });
    const container = await open(bundle.dir);
    const init = await container.run(['sleep', '1000'], { stdio: 'ignore' });
    try {
      await joinAndCheck(container, init.pid);
    } finally {
      init.kill('SIGKILL');
      await init.wait().catch(() => undefined);
    }
  });

  async function joinAndCheck(container: Awaited<ReturnType<typeof open>>, initPid: number) {
    const joined = await container.exec(['sh', '-c', 'cat /proc/self/uid_map; id -u; read x'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    expect(joined.joined).toBe(true);
    const out = text(joined.stdout);
    // Seen from the host while it runs: the container's root, host uid 100000, not our uid 0.
    expect(hostIds(joined.pid)).toEqual({ uid: '100000', gid: '100000' });
    expect(readFileSync(`/proc/${joined.pid}/uid_map`, 'utf8')).toBe(
      readFileSync(`/proc/${initPid}/uid_map`, 'utf8'),
    );
    joined.stdin!.end('\n');
    expect(await joined.wait()).toMatchObject({ exitCode: 0, joined: true });
    expect((await out).split('\n').map((l) => l.trim().replace(/\s+/g, ' '))).toEqual([
      '0 100000 65536',
      '0',
      '',
    ]);
  }

  it('refuses maps the kernel would refuse, naming the field, before anything is started', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await createBundle({ config: userns });
    bundle.writeConfig({
      ...bundle.config,
      uid_mappings: [MAP, { container_id: 65535, host_id: 300000, size: 2 }],
    });
    await expect(open(bundle.dir)).rejects.toThrow(/\/uid_mappings\/1\/container_id: overlaps/);
  });
});

describe('user namespaces (config.json)', () => {
  const mapped = (c: ReturnType<typeof baseConfig>) => {
    c.linux!.namespaces!.push({ type: 'user' });
    c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    return c;
  };

  it('writes linux.uidMappings and gidMappings; default devices are bound, sysfs is its own', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ociBundle();
    const config = mapped(
      baseConfig([
        'sh',
        '-c',
        'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; stat -c "%t,%T" /dev/zero; ls /sys/class/net; touch /tmp/made',
      ]),
    );
    const r = await runOci(config, bundle.dir);
    expect(r.failure).toBeNull();
    expect(r.exit.exitCode).toBe(0);
    const lines = r.output
      .trim()
      .split('\n')
      .map((l) => l.trim().replace(/\s+/g, ' '));
    // A fresh sysfs of the container's own network namespace: only lo.
    expect(lines).toEqual(['0 100000 65536', '0 200000 65536', '0', '0', '1,5', 'lo']);
    expect(statSync(bundle.path('tmp/made'))).toMatchObject({ uid: 100000, gid: 200000 });
  });

  it('binds /sys (read-only) when the network namespace is not the container own', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ociBundle();
    const config = mapped(
      baseConfig(['sh', '-c', 'grep " /sys " /proc/self/mountinfo; touch /sys/x 2>/dev/null || echo ro']),
    );
    config.linux!.namespaces = config.linux!.namespaces!.filter((n) => n.type !== 'network');
    const r = await runOci(config, bundle.dir);
    expect(r.failure).toBeNull();
    expect(r.exit.exitCode).toBe(0);
    const [mount, ro] = r.output.trim().split('\n');
    expect(mount).toMatch(/ \/sys ro,nosuid,nodev,noexec[^ ]*( .*)? - sysfs /);
    expect(ro).toBe('ro');
  });

  it('keeps the flags the kernel locks (nosuid, nodev, noexec) on a read-only bind of a host mount', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ociBundle();
    const host = mkdtempSync(join(tmpdir(), 'nsinit-locked-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'nosuid,nodev,noexec,size=1m', 'locked', host]);
    try {
      const config = mapped(baseConfig(['sh', '-c', 'grep " /home " /proc/self/mountinfo']));
      config.mounts!.push({ destination: '/home', type: 'bind', source: host, options: ['rbind', 'ro'] });
      const r = await runOci(config, bundle.dir);
      expect(r.failure).toBeNull();
      expect(r.exit.exitCode).toBe(0);
      expect(r.output).toMatch(/ \/home ro,nosuid,nodev,noexec[^ ]* /);
    } finally {
      execFileSync('umount', [host]);
      rmSync(host, { recursive: true });
    }
  });

  it('joins a user namespace by path first: its new namespaces belong to it (a pod sharing one)', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const infraBundle = await ociBundle();
    const infra = await startOci(mapped(baseConfig(['sleep', '1000'])), infraBundle.dir);
    try {
      expect(infra.failure).toBeNull();
      const pid = infra.spawned.pid;
      const bundle = await ociBundle();
      const config = baseConfig([
        'sh',
        '-c',
        'cat /proc/self/uid_map; readlink /proc/self/ns/user; readlink /proc/self/ns/net; ls /sys/class/net; id -u; touch /tmp/pod',
      ]);
      // user and network from the "infra" container; mount, pid, ipc and uts new, inside its userns.
      config.linux!.namespaces = [
        { type: 'user', path: `/proc/${pid}/ns/user` },
        { type: 'network', path: `/proc/${pid}/ns/net` },
        { type: 'mount' },
        { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
      ];
      const r = await runOci(config, bundle.dir);
      expect(r.failure).toBeNull();
      expect(r.exit.exitCode).toBe(0);
      const [uidMap, userNs, netNs, ...rest] = r.output
        .trim()
        .split('\n')
        .map((l) => l.trim().replace(/\s+/g, ' '));
      expect(uidMap).toBe('0 100000 65536');
      expect(userNs).toBe(readlinkSync(`/proc/${pid}/ns/user`));
      expect(netNs).toBe(readlinkSync(`/proc/${pid}/ns/net`));
      // sysfs is mounted (the joined network namespace belongs to the joined user namespace).
      expect(rest).toEqual(['lo', '0']);
      expect(statSync(bundle.path('tmp/pod'))).toMatchObject({ uid: 100000, gid: 200000 });
    } finally {
      await stopOci(infra);
    }
  });

  it('joins host-owned namespaces by path from a new user namespace: entered around the clone', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const ownNet = readlinkSync('/proc/thread-self/ns/net');
    const infraBundle = await ociBundle();
    // An "infra" container without a user namespace: its network and IPC namespaces are the host's
    // user namespace's, which a child already in a new user namespace may not join itself.
    const infra = await startOci(baseConfig(['sleep', '1000']), infraBundle.dir);
    try {
      expect(infra.failure).toBeNull();
      const pid = infra.spawned.pid;
      const bundle = await ociBundle();
      const config = mapped(
        baseConfig([
          'sh',
          '-c',
          'cat /proc/self/uid_map; readlink /proc/self/ns/net; readlink /proc/self/ns/ipc',
        ]),
      );
      config.linux!.namespaces = [
        { type: 'user' },
        { type: 'network', path: `/proc/${pid}/ns/net` },
        { type: 'ipc', path: `/proc/${pid}/ns/ipc` },
        { type: 'mount' },
        { type: 'pid' },
        { type: 'uts' },
      ];
      const r = await runOci(config, bundle.dir);
      expect(r.failure).toBeNull();
      expect(r.exit.exitCode).toBe(0);
      expect(
        r.output
          .trim()
          .split('\n')
          .map((l) => l.trim().replace(/\s+/g, ' ')),
      ).toEqual(['0 100000 65536', readlinkSync(`/proc/${pid}/ns/net`), readlinkSync(`/proc/${pid}/ns/ipc`)]);
      // The runtime's own thread went back to its namespaces.
      expect(readlinkSync('/proc/thread-self/ns/net')).toBe(ownNet);
      // A mount namespace cannot be entered that way: refused naming the field.
      const mnt = structuredClone(config);
      mnt.linux!.namespaces![3] = { type: 'mount', path: `/proc/${pid}/ns/mnt` };
      await expect(runOci(mnt, bundle.dir)).rejects.toThrow(
        /\/linux\/namespaces\/3\/path: a mount namespace joined by path cannot be entered from a new user namespace/,
      );
    } finally {
      await stopOci(infra);
    }
  });
});
