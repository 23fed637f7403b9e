// Name tables of the container.json format: namespace keys (clone(2) CLONE_NEW* flags without the
// prefix), capability names (capabilities(7), without CAP_) and resource limits (getrlimit(2)).
// Pure data so that browsers and editors can use them; the native package maps them to numbers.

/** Keys of `namespaces`: the clone(2) flags `CLONE_<name>`. NEWCGROUP (Linux 4.6) and NEWTIME
 *  (Linux 5.6) are modern extras. */
export const NAMESPACE_NAMES = [
  'NEWNS',
  'NEWUTS',
  'NEWIPC',
  'NEWUSER',
  'NEWPID',
  'NEWNET',
  'NEWCGROUP',
  'NEWTIME',
] as const;
export type NamespaceName = (typeof NAMESPACE_NAMES)[number];

/** Every capability the kernel defines up to CAP_CHECKPOINT_RESTORE (Linux 5.9), without the CAP_
 *  prefix, in kernel bit order: the index of a name is its capability number. */
export const CAPABILITY_NAMES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
] as const;
export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

/** Resource limits settable with setrlimit(2), in the kernel's RLIMIT_* numbering order. */
export const RLIMIT_NAMES = [
  'RLIMIT_CPU',
  'RLIMIT_FSIZE',
  'RLIMIT_DATA',
  'RLIMIT_STACK',
  'RLIMIT_CORE',
  'RLIMIT_RSS',
  'RLIMIT_NPROC',
  'RLIMIT_NOFILE',
  'RLIMIT_MEMLOCK',
  'RLIMIT_AS',
  'RLIMIT_LOCKS',
  'RLIMIT_SIGPENDING',
  'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE',
  'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME',
] as const;
export type RlimitName = (typeof RLIMIT_NAMES)[number];

/** The capabilities Docker kept in 2014 (the 2014 sample's list, in its order). */
export const DOCKER_2014_CAPABILITIES: readonly CapabilityName[] = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
];
