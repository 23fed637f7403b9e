// The filesystem and namespace side of an OCI config.json, compiled by compileOci and run through
// the native spawn path, checked from inside real containers: mount options, read-only root and
// paths, masks, devices, root propagation, cgroup mounts, and namespaces joined by path.
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, onTestFinished } from 'vitest';
import { baseConfig, ociBundle, run, runOci, startOci, stopOci } from './oci-helpers.js';

useLeakCheck();

describe('OCI mounts', () => {
  it('applies mount options: tmpfs size/mode, ro/nosuid/noexec binds, atime modes, remount,ro', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ociBundle();
    const vol = mkdtempSync(join(tmpdir(), 'nsinit-oci-vol-'));
    onTestFinished(() => rmSync(vol, { recursive: true, force: true }));
    writeFileSync(join(vol, 'f'), 'volume\n');
    const config = baseConfig([
      'sh',
      '-c',
      'touch /scratch/x && echo scratch-rw; stat -c %a /scratch; cat /vol/f; touch /vol/y 2>/dev/null || echo vol-ro; ' +
        'touch /again/z 2>/dev/null || echo again-ro; cat /proc/self/mountinfo',
    ]);
    config.mounts!.push(
      {
        destination: '/scratch',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'nodev', 'noatime', 'size=2m', 'mode=1770'],
      },
      {
        destination: '/vol',
        type: 'bind',
        source: vol,
        options: ['rbind', 'ro', 'nosuid', 'noexec', 'rprivate'],
      },
      { destination: '/again', type: 'bind', source: vol, options: ['bind'] },
      { destination: '/again', options: ['remount', 'ro', 'nodiratime'] },
    );
    {
      const r = await runOci(config, bundle.dir);
      expect(r.failure).toBeNull();
      const lines = r.output.trimEnd().split('\n');
      expect(lines.slice(0, 5)).toEqual(['scratch-rw', '1770', 'volume', 'vol-ro', 'again-ro']);
      const info = Object.fromEntries(
        lines.slice(5).map((l) => {
          const [left, right] = l.split(' - ');
          const f = left!.split(' ');
          return [f[4], { opts: f[5]!.split(','), sb: right!.split(' ')[2]!.split(',') }];
        }),
      );
      expect(info['/scratch']!.opts).toEqual(expect.arrayContaining(['rw', 'nosuid', 'nodev', 'noatime']));
      expect(info['/scratch']!.sb).toEqual(expect.arrayContaining(['size=2048k', 'mode=1770']));
      expect(info['/vol']!.opts).toEqual(expect.arrayContaining(['ro', 'nosuid', 'noexec']));
      // The read-only remount kept what the mount had and added what was asked.
      expect(info['/again']!.opts).toEqual(expect.arrayContaining(['ro', 'nodiratime']));
      expect(existsSync(join(vol, 'y'))).toBe(false);
    }
  });

  it('gives a tmpfs the propagation its options ask (runc: shared)', async (ctx) => {
    const { lines } = await run(
      ctx,
      (c) => {
        c.mounts!.push(
          { destination: '/tmp/shared', type: 'tmpfs', source: 'tmpfs', options: ['shared'] },
          { destination: '/tmp/private', type: 'tmpfs', source: 'tmpfs', options: ['rprivate'] },
        );
      },
      "awk '$5 ~ /^\\/tmp\\//' /proc/self/mountinfo",
    );
    const byTarget = Object.fromEntries(
      lines.map((l) => [l.split(' ')[4], l.split(' - ')[0]!.split(' ').slice(6).join(' ')]),
    );
    expect(byTarget['/tmp/shared']).toMatch(/shared:\d+/);
    expect(byTarget['/tmp/private']).toBe('');
  });

  it('makes only / read-only for root.readonly, applies readonlyPaths and maskedPaths', async (ctx) => {
    const { lines } = await run(
      ctx,
      (c) => {
        c.root!.readonly = true;
        c.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs' });
        c.linux!.readonlyPaths = ['/proc/sys', '/proc/sysrq-trigger'];
        c.linux!.maskedPaths = ['/proc/keys', '/proc/timer_list', '/proc/no-such-file', '/sys/firmware'];
      },
      'touch /etc/x 2>/dev/null || echo root-ro; touch /tmp/x && echo tmp-rw; touch /dev/x && echo dev-rw; ' +
        '(echo 1 > /proc/sys/kernel/shmmni) 2>/dev/null || echo procsys-ro; ' +
        'wc -c < /proc/timer_list; wc -c < /proc/keys; ls /sys/firmware | wc -l',
    );
    expect(lines.map((l) => l.trim())).toEqual(['root-ro', 'tmp-rw', 'dev-rw', 'procsys-ro', '0', '0', '0']);
  });

  it('creates default and configured devices with mode and owner', async (ctx) => {
    const { lines } = await run(
      ctx,
      (c) => {
        c.linux!.devices = [
          { type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o660, uid: 1000, gid: 5 },
          { type: 'p', path: '/dev/pipes/p0', fileMode: 0o600 },
        ];
      },
      'stat -c "%n %F %t:%T %a %u:%g" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/fuse /dev/pipes/p0; ' +
        'for l in /dev/ptmx /dev/fd /dev/stdin; do readlink $l; done',
    );
    expect(lines).toEqual([
      '/dev/null character special file 1:3 666 0:0',
      '/dev/zero character special file 1:5 666 0:0',
      '/dev/full character special file 1:7 666 0:0',
      '/dev/random character special file 1:8 666 0:0',
      '/dev/urandom character special file 1:9 666 0:0',
      '/dev/tty character special file 5:0 666 0:0',
      '/dev/fuse character special file a:e5 660 1000:5',
      '/dev/pipes/p0 fifo 0:0 600 0:0',
      'pts/ptmx',
      '/proc/self/fd',
      '/proc/self/fd/0',
    ]);
  });

  it('gives "/" the rootfsPropagation asked (rshared: a peer group of its own)', async (ctx) => {
    const { lines } = await run(
      ctx,
      (c) => {
        c.linux!.rootfsPropagation = 'rshared';
      },
      'awk \'$5 == "/"\' /proc/self/mountinfo',
    );
    expect(lines[0]).toMatch(/ shared:\d+/);
    const host = readFileSync('/proc/self/mountinfo', 'utf8');
    const peer = / shared:(\d+)/.exec(lines[0]!)![1];
    // Not a peer of any host mount: nothing mounted in the container reaches the host.
    expect(host).not.toMatch(new RegExp(` shared:${peer}( |$)`, 'm'));
  });

  it('mounts the cgroup hierarchies read-only inside a cgroup namespace', async (ctx) => {
    const { lines } = await run(
      ctx,
      (c) => {
        c.linux!.namespaces!.push({ type: 'cgroup' });
        c.mounts!.push({
          destination: '/sys/fs/cgroup',
          type: 'cgroup',
          source: 'cgroup',
          options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
        });
      },
      'grep -c " /sys/fs/cgroup" /proc/self/mountinfo; touch /sys/fs/cgroup/x 2>/dev/null || echo ro; ' +
        'grep ":pids:" /proc/self/cgroup; ls /sys/fs/cgroup/pids/cgroup.procs',
    );
    const host = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .filter((l) => / \/sys\/fs\/cgroup/.test(l));
    expect(Number(lines[0])).toBe(host.length);
    expect(lines.slice(1)).toEqual([
      'ro',
      expect.stringMatching(/^\d+:pids:\/$/),
      '/sys/fs/cgroup/pids/cgroup.procs',
    ]);
  });
});

describe('OCI namespaces by path', () => {
  it("shares an infra container's network, IPC, UTS and PID namespaces", async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ociBundle();
    const infraConfig = baseConfig(['sleep', '1000']);
    infraConfig.hostname = 'pod';
    const infra = await startOci(infraConfig, bundle.dir);
    try {
      expect(infra.failure).toBeNull();
      const pid = infra.spawned.pid;
      const config = baseConfig([
        'sh',
        '-c',
        'for k in net ipc uts pid; do readlink /proc/self/ns/$k; done; hostname; ps -o pid,args | grep -c "^ *1 sleep"',
      ]);
      config.linux!.namespaces = [
        { type: 'mount' },
        { type: 'network', path: `/proc/${pid}/ns/net` },
        { type: 'ipc', path: `/proc/${pid}/ns/ipc` },
        { type: 'uts', path: `/proc/${pid}/ns/uts` },
        { type: 'pid', path: `/proc/${pid}/ns/pid` },
      ];
      const r = await runOci(config, bundle.dir);
      expect(r.failure).toBeNull();
      const want = ['net', 'ipc', 'uts', 'pid'].map((k) => readlinkSync(`/proc/${pid}/ns/${k}`));
      expect(r.output.trimEnd().split('\n')).toEqual([...want, 'pod', '1']);
    } finally {
      await stopOci(infra);
    }
  });
});
