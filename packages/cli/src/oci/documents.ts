// The `features` document (the runtime-spec features document): only what nsinit-oci really does.
export function features(capabilities: string[]): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.2.0',
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: ['bind', 'rbind', 'ro', 'rw', 'idmap', 'ridmap'],
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts'],
      capabilities: capabilities.map((c) => `CAP_${c}`),
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      seccomp: { enabled: false },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      // mounts[].uidMappings/gidMappings and the idmap/ridmap options, on bind mounts.
      mountExtensions: { idmap: { enabled: true } },
    },
    annotations: { 'org.opencontainers.runtime-spec.features': 'nsinit-oci' },
  };
}
