// The default config.json printed by `nsinit-oci spec`, like `runc spec`: sh on a terminal, three
// capabilities(7), the standard /proc, /dev, devpts, shm, mqueue, sysfs and cgroup mounts, /proc
// paths masked or read-only, all devices denied, RLIMIT_NOFILE 1024 (getrlimit(2)) and the default
// syscall filter (seccomp-default.ts, Docker's semantics).

import { defaultSeccompProfile } from '../seccomp-default.js';
import type { OciCapabilityName } from './names.js';
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from './paths.js';
import { OCI_VERSION, type OciConfig } from './schema.js';

export { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS };

export interface DefaultOciSpecOptions {
  /** A spec for an unprivileged caller, like `runc spec --rootless`: a user namespace mapping
   *  `uid`/`gid` (default 0) to root, no network namespace, /sys bind-mounted, no cgroup limits. */
  rootless?: boolean;
  uid?: number;
  gid?: number;
}

const CAPABILITIES: OciCapabilityName[] = ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];

/** A fresh, valid default config.json (safe to mutate; nothing is shared between calls). */
export function defaultOciSpec(opts: DefaultOciSpecOptions = {}): OciConfig {
  const spec: OciConfig = {
    ociVersion: OCI_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: {
        bounding: [...CAPABILITIES],
        effective: [...CAPABILITIES],
        permitted: [...CAPABILITIES],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'nsinit',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      {
        destination: '/dev/mqueue',
        type: 'mqueue',
        source: 'mqueue',
        options: ['nosuid', 'noexec', 'nodev'],
      },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      {
        destination: '/sys/fs/cgroup',
        type: 'cgroup',
        source: 'cgroup',
        options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
      },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
      seccomp: defaultSeccompProfile(),
    },
  };
  return opts.rootless === true ? rootless(spec, opts.uid ?? 0, opts.gid ?? 0) : spec;
}

/** An unprivileged user cannot create a network namespace worth having without a helper, mount a
 *  fresh sysfs outside its own network namespace, or set gid=/uid= options for ids it does not
 *  map, and owns no cgroup to limit. */
function rootless(spec: OciConfig, uid: number, gid: number): OciConfig {
  const linux = spec.linux!;
  linux.namespaces = [
    ...linux.namespaces!.filter((n) => n.type !== 'network' && n.type !== 'user'),
    { type: 'user' },
  ];
  linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }];
  linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
  delete linux.resources;
  spec.mounts = spec.mounts!.map((m) => {
    if (m.destination === '/sys') {
      return {
        destination: '/sys',
        type: 'none',
        source: '/sys',
        options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'],
      };
    }
    if (m.options === undefined) return m;
    return { ...m, options: m.options.filter((o) => !o.startsWith('uid=') && !o.startsWith('gid=')) };
  });
  return spec;
}
