// The default container printed by `nsinit spec`: what Docker ran in 2014 (namespaces, kept
// capabilities(7), device nodes, devices cgroup whitelist, /proc and /sys restrictions), with a
// loopback network, a modest RLIMIT_NOFILE (getrlimit(2)) and Docker's later default syscall
// filter (seccomp-default.ts). `--rootless`: the same in a user namespace that maps the caller's
// own ids to root (user_namespaces(7)), without cgroups.
import { DEFAULT_ALLOWED_DEVICES, DEFAULT_AUTO_CREATED_DEVICES } from './devices.js';
import { DOCKER_2014_CAPABILITIES } from './names.js';
import type { ContainerConfig } from './schema.js';
import { defaultSeccompProfile } from './seccomp-default.js';

export interface DefaultConfigOptions {
  /** A config an unprivileged caller can run (`nsinit spec --rootless`): NEWUSER mapping `uid`
   *  and `gid` (the caller's, default 0) to root, the only map it may write without newuidmap;
   *  no `cgroups` (it owns none unless one is delegated to it). Device nodes are bound from the
   *  host inside a user namespace, and loopback comes up in its own network namespace. */
  rootless?: boolean;
  uid?: number;
  gid?: number;
}

/** A fresh, valid default config (safe to mutate; nothing is shared between calls). */
export function defaultConfig(opts: DefaultConfigOptions = {}): ContainerConfig {
  const config = base();
  if (opts.rootless !== true) return config;
  config.namespaces = { ...config.namespaces, NEWUSER: true };
  config.uid_mappings = [{ container_id: 0, host_id: opts.uid ?? 0, size: 1 }];
  config.gid_mappings = [{ container_id: 0, host_id: opts.gid ?? 0, size: 1 }];
  delete config.cgroups;
  return config;
}

function base(): ContainerConfig {
  return {
    hostname: 'nsinit',
    tty: false,
    environment: [
      'HOME=/',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'TERM=xterm',
    ],
    namespaces: { NEWNS: true, NEWUTS: true, NEWIPC: true, NEWPID: true, NEWNET: true },
    capabilities: [...DOCKER_2014_CAPABILITIES],
    networks: [{ type: 'loopback', mtu: 1500 }],
    cgroups: {
      name: 'nsinit',
      parent: 'nsinit',
      allowed_devices: DEFAULT_ALLOWED_DEVICES.map((d) => ({ ...d })),
    },
    context: { restrictions: 'true' },
    device_nodes: DEFAULT_AUTO_CREATED_DEVICES.map((d) => ({ ...d })),
    rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
    seccomp: defaultSeccompProfile(),
  };
}
