import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createNativeFake } from '@nsinit/testkit';
import { describe, expect, it } from 'vitest';
import { type CgroupHierarchy, cgroupHierarchies } from '../plan/cgroup-mounts.js';
import { compilePlan, type KernelTables } from '../plan/compile.js';
import { fromOci } from './from-oci.js';
import type { OciConfigInput } from './oci-input.js';

const fake = createNativeFake();
const tables: KernelTables = {
  capabilities: fake.capabilities,
  rlimits: fake.rlimits,
  constants: fake.constants,
};
const fixtures = join(import.meta.dirname, '../../../config/test/oci');
const fixture = (name: string) => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as OciConfigInput;

/** This machine's layout: a hybrid host (v1 hierarchies plus an empty unified one). */
const HYBRID: CgroupHierarchy[] = cgroupHierarchies(
  [
    '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
    '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
    '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
    '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd',
    '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate',
  ].join('\n'),
);

const compile = (config: OciConfigInput, extra: Partial<Parameters<typeof compilePlan>[1]> = {}) =>
  compilePlan(fromOci(config, '/bundle'), {
    rootfs: '/bundle/rootfs',
    tables,
    stdio: [0, 1, 2],
    cgroupHierarchies: HYBRID,
    ...extra,
  });

function minimal(): OciConfigInput {
  return {
    ociVersion: '1.2.0',
    process: { args: ['sh'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 } },
    root: { path: 'rootfs' },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    linux: { namespaces: [{ type: 'mount' }, { type: 'pid' }] },
  };
}

describe('fromOci refusals', () => {
  it('refuses sysctls outside the container namespaces, naming the key', () => {
    const bad =
      (sysctl: Record<string, string>, extraNs: string[] = []) =>
      () => {
        const c = minimal();
        c.linux!.namespaces!.push(...extraNs.map((type) => ({ type })));
        c.linux!.sysctl = sysctl;
        return fromOci(c, '/bundle');
      };
    expect(bad({ 'kernel.core_pattern': '|/x' })).toThrow(
      /\/linux\/sysctl\/kernel\.core_pattern: 'kernel\.core_pattern' is not namespaced/,
    );
    expect(bad({ 'vm.overcommit_memory': '1' })).toThrow(/is not namespaced/);
    expect(bad({ 'net.ipv4.ip_forward': '1' })).toThrow(/needs a 'network' namespace/);
    expect(bad({ 'kernel.msgmax': '1' })).toThrow(/needs a 'ipc' namespace/);
    expect(bad({ 'kernel.hostname': 'x' })).toThrow(/needs a 'uts' namespace/);
    expect(bad({ 'net/../kernel/core_pattern': 'x' }, ['network'])).toThrow(/is not a sysctl name/);
    expect(bad({ 'kernel.hostname': 'x' }, ['uts'])).not.toThrow();
  });

  it('refuses what later issues own, and unknown LSMs, naming the field', () => {
    const cases: [(c: OciConfigInput) => void, RegExp][] = [
      [
        (c) => {
          c.linux!.timeOffsets = {};
        },
        /\/linux\/timeOffsets: needs a new time namespace/,
      ],
      [
        (c) => {
          c.mounts![0]!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
          c.mounts![0]!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
        },
        /\/mounts\/0\/uidMappings: idmapped mounts are bind mounts only/,
      ],
      [
        (c) => {
          c.mounts!.push({ destination: '/d', type: 'bind', source: '/s', options: ['rbind', 'ridmap'] });
        },
        /\/mounts\/1\/options\/1: without uidMappings and gidMappings it takes the container's user namespace mapping/,
      ],
      [
        (c) => {
          c.process!.apparmorProfile = 'docker-default';
        },
        /\/process\/apparmorProfile: AppArmor is not enabled on this host/,
      ],
      [
        (c) => {
          c.process!.selinuxLabel = 'system_u:system_r:container_t:s0';
        },
        /\/process\/selinuxLabel: SELinux is not enabled/,
      ],
      [
        (c) => {
          c.linux!.mountLabel = 'system_u:object_r:container_file_t:s0';
        },
        /\/linux\/mountLabel: SELinux/,
      ],
      [
        (c) => {
          c.linux!.personality = { domain: 'LINUX', flags: ['x'] };
        },
        /\/linux\/personality\/flags/,
      ],
      [
        (c) => {
          c.process!.scheduler = { policy: 'SCHED_OTHER' };
        },
        /\/process\/scheduler/,
      ],
      [
        (c) => {
          c.linux!.intelRdt = {};
        },
        /\/linux\/intelRdt/,
      ],
      [
        (c) => {
          c.mounts!.push({ destination: '/proc/sys', type: 'bind', source: '/x' });
        },
        /\/mounts\/1\/destination: '\/proc\/sys' is inside \/proc/,
      ],
      [
        (c) => {
          c.linux!.namespaces = [{ type: 'pid' }, { type: 'user' }];
          c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
          c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        },
        /\/linux\/namespaces: a 'user' namespace needs a 'mount' namespace too/,
      ],
      [
        (c) => {
          c.linux!.namespaces!.push({ type: 'pid' });
        },
        /\/linux\/namespaces\/2\/type: the 'pid' namespace is listed twice/,
      ],
      [
        (c) => {
          c.hostname = 'x';
        },
        /\/hostname: needs a 'uts' namespace in linux\.namespaces/,
      ],
      [
        (c) => {
          c.process!.capabilities = { ambient: ['CAP_NOPE'] };
        },
        /\/process\/capabilities\/ambient\/0: unknown capability 'CAP_NOPE'/,
      ],
      [
        (c) => {
          c.process!.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 5 }];
        },
        /\/process\/rlimits\/0/,
      ],
      [
        (c) => {
          c.process!.env = ['NOEQUALS'];
        },
        /\/process\/env\/0/,
      ],
      [
        (c) => {
          c.process!.cwd = 'relative';
        },
        /\/process\/cwd/,
      ],
    ];
    for (const [edit, message] of cases) {
      const c = minimal();
      edit(c);
      expect(() => compile(c), String(message)).toThrow(message);
    }
  });

  it('takes the podman config with its seccomp profile, and names what the containerd CRI fixture asks that is not built', () => {
    expect(fromOci(fixture('podman.json'), '/b').seccomp?.rules.length).toBeGreaterThan(0);
    expect(() => fromOci(fixture('containerd-cri.json'), '/b')).toThrow(/\/process\/apparmorProfile/);
  });
});
