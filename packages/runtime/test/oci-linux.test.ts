// The Linux surface of an OCI config.json, compiled by compileOci and run through the native
// spawn path, each field checked from inside a real container with busybox probes: capabilities,
// identity, umask, rlimits, no_new_privs, oom_score_adj, hostname/domainname, sysctl,
// personality, mounts and their options, devices, read-only root and paths, masks, propagation,
// namespaces joined by path, cgroup mounts and LSM refusals.
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import { requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it, onTestFinished, type TestContext } from 'vitest';
import { native, type Spawned } from '@nsinit/native';
import {
  compileOci,
  compilePlan,
  hostLsms,
  namespaceFlags,
  type OciConfigInput,
  withOciProcess,
} from '../src/index.js';
import { baseConfig, ociBundle, runOci, startOci, stopOci } from './oci-helpers.js';

useLeakCheck();

async function run(ctx: TestContext, edit: (c: OciConfigInput) => void, script: string) {
  requires(ctx, 'root', 'busybox');
  const bundle = await ociBundle();
  const config = baseConfig(['sh', '-c', script]);
  edit(config);
  const r = await runOci(config, bundle.dir);
  expect(r.failure).toBeNull();
  return { ...r, bundle, lines: r.output.trimEnd().split('\n') };
}

const status = (text: string, key: string) => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '';
const hex = (text: string, key: string) => BigInt(`0x${status(text, key)}`);
const capBit = (name: string) => {
  const bits: Record<string, number> = {
    CAP_KILL: 5,
    CAP_SETGID: 6,
    CAP_SETUID: 7,
    CAP_NET_RAW: 13,
    CAP_SYS_ADMIN: 21,
  };
  return 1n << BigInt(bits[name]!);
};

describe('OCI process', () => {
  it('applies all five capability sets, ambient ones surviving into a non-root process', async (ctx) => {
    const { output, exit } = await run(
      ctx,
      (c) => {
        c.process!.user = { uid: 1000, gid: 1000 };
        c.process!.capabilities = {
          bounding: ['CAP_NET_RAW', 'CAP_KILL'],
          effective: ['CAP_NET_RAW'],
          permitted: ['CAP_NET_RAW', 'CAP_KILL'],
          inheritable: ['CAP_NET_RAW'],
          ambient: ['CAP_NET_RAW'],
        };
      },
      'cat /proc/self/status',
    );
    expect(exit.exitCode).toBe(0);
    expect(hex(output, 'CapBnd')).toBe(capBit('CAP_NET_RAW') | capBit('CAP_KILL'));
    expect(hex(output, 'CapInh')).toBe(capBit('CAP_NET_RAW'));
    expect(hex(output, 'CapAmb')).toBe(capBit('CAP_NET_RAW'));
    // Across execve a non-root process keeps exactly its ambient set as permitted and effective.
    expect(hex(output, 'CapPrm')).toBe(capBit('CAP_NET_RAW'));
    expect(hex(output, 'CapEff')).toBe(capBit('CAP_NET_RAW'));
  });

  it('runs as uid/gid with additionalGids and umask, in a cwd it creates, with env, rlimits and no_new_privs', async (ctx) => {
    const { lines } = await run(
      ctx,
      (c) => {
        c.process!.user = { uid: 1000, gid: 1000, additionalGids: [5, 27], umask: 0o027 };
        c.process!.cwd = '/work/dir';
        c.process!.env!.push('GREETING=hello oci');
        c.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }];
        c.process!.noNewPrivileges = true;
      },
      'id -u; id -g; id -G; umask; pwd; echo "$GREETING"; ulimit -n; ulimit -Hn; grep NoNewPrivs /proc/self/status',
    );
    expect(lines).toEqual([
      '1000',
      '1000',
      '1000 5 27',
      '0027',
      '/work/dir',
      'hello oci',
      '321',
      '654',
      'NoNewPrivs:\t1',
    ]);
  });

  it('has the oom_score_adj the parent wrote before GO', async (ctx) => {
    const { lines } = await run(
      ctx,
      (c) => {
        c.process!.oomScoreAdj = 777;
      },
      'cat /proc/self/oom_score_adj',
    );
    expect(lines).toEqual(['777']);
  });

  it('runs with the LINUX32 personality', async (ctx) => {
    if (arch() !== 'x64') ctx.skip(`the 32-bit machine name checked is x86's (this host is ${arch()})`);
    const { lines } = await run(
      ctx,
      (c) => {
        c.linux!.personality = { domain: 'LINUX32' };
      },
      'uname -m',
    );
    expect(lines[0]).toMatch(/^i[3-6]86$/);
  });
});

describe('OCI UTS and sysctl', () => {
  it('sets hostname, domainname and namespaced sysctls, leaving the host alone', async (ctx) => {
    const host = {
      forward: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8'),
      shmmni: readFileSync('/proc/sys/kernel/shmmni', 'utf8'),
      msgMax: readFileSync('/proc/sys/fs/mqueue/msg_max', 'utf8'),
      domain: readFileSync('/proc/sys/kernel/domainname', 'utf8'),
    };
    const want = host.forward.trim() === '1' ? '0' : '1';
    const { lines } = await run(
      ctx,
      (c) => {
        c.hostname = 'oci-host';
        c.domainname = 'oci.example';
        c.linux!.sysctl = {
          'net.ipv4.ip_forward': want,
          'kernel.shmmni': '1999',
          'fs.mqueue.msg_max': '33',
        };
      },
      'hostname; cat /proc/sys/kernel/domainname /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni /proc/sys/fs/mqueue/msg_max',
    );
    expect(lines).toEqual(['oci-host', 'oci.example', want, '1999', '33']);
    expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(host.forward);
    expect(readFileSync('/proc/sys/kernel/shmmni', 'utf8')).toBe(host.shmmni);
    expect(readFileSync('/proc/sys/fs/mqueue/msg_max', 'utf8')).toBe(host.msgMax);
    expect(readFileSync('/proc/sys/kernel/domainname', 'utf8')).toBe(host.domain);
  });

  it('refuses a sysctl into the host network namespace joined by path', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ociBundle();
    const config = baseConfig(['true']);
    config.linux!.namespaces = config.linux!.namespaces!.map((n) =>
      n.type === 'network' ? { type: 'network', path: '/proc/self/ns/net' } : n,
    );
    config.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    const tables = { capabilities: {}, rlimits: {}, constants: {} };
    expect(() => compileOci(config, bundle.dir, { tables, stdio: [-1, -1, -1] })).toThrow(
      /\/linux\/namespaces\/4\/path: is the host's own network namespace/,
    );
  });
});

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

describe('OCI exec into a running container', () => {
  it('joins every namespace (cgroup and path-joined ones included) with the exec process user, caps and cwd', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const bundle = await ociBundle();
    const config = baseConfig(['sleep', '1000']);
    config.linux!.namespaces!.push({ type: 'cgroup' });
    config.hostname = 'box';
    const infra = await startOci(config, bundle.dir);
    try {
      expect(infra.failure).toBeNull();
      const spec = withOciProcess(infra.spec, {
        args: [
          'sh',
          '-c',
          'hostname; id -u; id -G; pwd; grep CapEff /proc/self/status; for k in cgroup net pid mnt; do readlink /proc/self/ns/$k; done',
        ],
        cwd: '/tmp',
        env: ['PATH=/bin'],
        user: { uid: 1000, gid: 1000, additionalGids: [5] },
        capabilities: { bounding: ['CAP_KILL'] },
      });
      const [r, w] = native.pipe();
      let joined: Spawned | undefined;
      try {
        const plan = compilePlan(spec, {
          rootfs: infra.spec.root.path!,
          tables: { capabilities: native.capabilities, rlimits: native.rlimits, constants: native.constants },
          stdio: [-1, w, w],
          join: true,
        });
        joined = native.join(
          infra.spawned.pidfd,
          namespaceFlags(spec, native.constants, { forJoin: true }),
          plan,
        );
      } finally {
        native.close(w);
        if (!joined) native.close(r);
      }
      const out = new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        createReadStream('', { fd: r })
          .on('data', (b) => chunks.push(b as Buffer))
          .on('end', () => resolve(Buffer.concat(chunks).toString()))
          .on('error', reject);
      });
      native.go(joined.sync);
      expect(await native.awaitExec(joined.sync)).toBeNull();
      expect(await native.waitExit(joined.pidfd).finally(() => native.close(joined!.pidfd))).toEqual({
        exitCode: 0,
        signal: null,
      });
      const pid = infra.spawned.pid;
      const want = ['cgroup', 'net', 'pid', 'mnt'].map((k) => readlinkSync(`/proc/${pid}/ns/${k}`));
      expect((await out).trimEnd().split('\n')).toEqual([
        'box',
        '1000',
        '1000 5',
        '/tmp',
        'CapEff:\t0000000000000000',
        ...want,
      ]);
    } finally {
      await stopOci(infra);
    }
  });
});

describe('OCI LSM labels', () => {
  it('runs the process under process.apparmorProfile where AppArmor is enabled', async (ctx) => {
    if (!hostLsms().includes('apparmor')) ctx.skip('AppArmor is not enabled on this host');
    const { lines } = await run(
      ctx,
      (c) => {
        c.process!.apparmorProfile = 'unconfined';
      },
      'cat /proc/self/attr/current',
    );
    expect(lines).toEqual(['unconfined']);
  });

  it('refuses an AppArmor profile or SELinux label on a host without that LSM, naming the field', async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const lsms = hostLsms();
    if (lsms.includes('apparmor') || lsms.includes('selinux'))
      ctx.skip(`this host has ${lsms.join(',')}: applying labels is checked where the LSM is absent`);
    const bundle = await ociBundle();
    const tables = { capabilities: {}, rlimits: {}, constants: {} };
    const c = baseConfig(['true']);
    c.process!.apparmorProfile = 'docker-default';
    expect(() => compileOci(c, bundle.dir, { tables, stdio: [-1, -1, -1] })).toThrow(
      /\/process\/apparmorProfile: AppArmor is not enabled on this host/,
    );
    const s = baseConfig(['true']);
    s.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
    expect(() => compileOci(s, bundle.dir, { tables, stdio: [-1, -1, -1] })).toThrow(
      /\/process\/selinuxLabel: SELinux is not enabled on this host/,
    );
  });
});
