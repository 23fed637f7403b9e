// The default container printed by `nsinit spec`: what Docker ran in 2014 (namespaces, kept
// capabilities(7), device nodes, devices cgroup whitelist, /proc and /sys restrictions), with a
// loopback network, a modest RLIMIT_NOFILE (getrlimit(2)) and Docker's later default syscall
// filter (seccomp-default.ts).
import { DEFAULT_ALLOWED_DEVICES, DEFAULT_AUTO_CREATED_DEVICES } from './devices.js';
import { DOCKER_2014_CAPABILITIES } from './names.js';
import { defaultSeccompProfile } from './seccomp-default.js';
import type { ContainerConfig } from './schema.js';

/** A fresh, valid default config (safe to mutate; nothing is shared between calls). */
export function defaultConfig(): ContainerConfig {
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
