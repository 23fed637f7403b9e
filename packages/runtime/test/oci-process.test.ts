// The process side of an OCI config.json, compiled by compileOci and run through the native spawn
// path, each field checked from inside a real container with busybox probes: capabilities,
// identity, umask, rlimits, no_new_privs, oom_score_adj, personality, hostname/domainname,
// sysctl, exec into a running container, and LSM labels.
import { createReadStream, readFileSync, readlinkSync } from 'node:fs';
import { arch } from 'node:os';
import { native, type Spawned } from '@nsinit/native';
import { requires, useLeakCheck } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { compileOci, compilePlan, hostLsms, namespaceFlags, withOciProcess } from '../src/index.js';
import { baseConfig, ociBundle, run, startOci, stopOci } from './oci-helpers.js';

useLeakCheck();

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

describe('OCI capabilities the runtime lacks', () => {
  it("names a capability outside the runtime's own bounding set instead of a bare capset EPERM", async (ctx) => {
    requires(ctx, 'root', 'busybox');
    const own = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
    const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    const missing = Object.entries(native.capabilities).find(
      ([, bit]) => bit <= last && !((own >> BigInt(bit)) & 1n),
    );
    if (!missing) ctx.skip('this runtime holds every capability the kernel has: none can be missing');
    const bundle = await ociBundle();
    const c = baseConfig(['true']);
    c.process!.capabilities = { bounding: ['CAP_KILL', `CAP_${missing![0]}`] };
    const tables = {
      capabilities: native.capabilities,
      rlimits: native.rlimits,
      constants: native.constants,
    };
    expect(() => compileOci(c, bundle.dir, { tables, stdio: [-1, -1, -1] })).toThrow(
      new RegExp(
        `/process/capabilities/bounding/1: CAP_${missing![0]} is outside this runtime's own bounding set`,
      ),
    );
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
    const tables = { capabilities: {}, rlimits: {}, constants: native.constants };
    expect(() =>
      compileOci(config, bundle.dir, { tables, stdio: [-1, -1, -1], nsOpen: native.nsOpen }),
    ).toThrow(/\/linux\/namespaces\/4\/path: is the host's own network namespace/);
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
        joined = await native.join(
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
