// The `features` document (the runtime-spec features document): only what nsinit-oci really does.
export function features(capabilities: string[]): Record<string, unknown> {
  return {
    ociVersionMin: '1.0.0',
    ociVersionMax: '1.2.0',
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: ['bind', 'rbind', 'ro', 'rw', 'idmap', 'ridmap'],
    linux: {
      namespaces: ['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'],
      capabilities: capabilities.map((c) => `CAP_${c}`),
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: false },
      // Compiled by libseccomp in the addon; SCMP_ACT_NOTIFY hands its listener to listenerPath.
      seccomp: {
        enabled: true,
        actions: [
          'SCMP_ACT_ALLOW',
          'SCMP_ACT_ERRNO',
          'SCMP_ACT_KILL',
          'SCMP_ACT_KILL_PROCESS',
          'SCMP_ACT_KILL_THREAD',
          'SCMP_ACT_LOG',
          'SCMP_ACT_NOTIFY',
          'SCMP_ACT_TRACE',
          'SCMP_ACT_TRAP',
        ],
        operators: [
          'SCMP_CMP_EQ',
          'SCMP_CMP_GE',
          'SCMP_CMP_GT',
          'SCMP_CMP_LE',
          'SCMP_CMP_LT',
          'SCMP_CMP_MASKED_EQ',
          'SCMP_CMP_NE',
        ],
        archs: ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64'],
        knownFlags: [
          'SECCOMP_FILTER_FLAG_TSYNC',
          'SECCOMP_FILTER_FLAG_LOG',
          'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
          'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
        ],
        supportedFlags: [
          'SECCOMP_FILTER_FLAG_TSYNC',
          'SECCOMP_FILTER_FLAG_LOG',
          'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
        ],
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      // mounts[].uidMappings/gidMappings and the idmap/ridmap options, on bind mounts.
      mountExtensions: { idmap: { enabled: true } },
    },
    annotations: { 'org.opencontainers.runtime-spec.features': 'nsinit-oci' },
  };
}
