// Name tables of the OCI runtime-spec config.json: namespace types (namespaces(7)), capability names
// with the CAP_ prefix (capabilities(7), from the container.json table), rlimits (getrlimit(2)),
// seccomp, scheduler (sched(7)) and ioprio_set(2) constants. Pure data.
import { CAPABILITY_NAMES, RLIMIT_NAMES } from '../names.js';

/** `linux.namespaces[].type` values, in the order runc creates them. */
export const OCI_NAMESPACE_TYPES = [
  'user',
  'pid',
  'network',
  'ipc',
  'uts',
  'mount',
  'cgroup',
  'time',
] as const;
export type OciNamespaceType = (typeof OCI_NAMESPACE_TYPES)[number];

/** Capability names as OCI writes them ("CAP_CHOWN"), in kernel bit order. */
export const OCI_CAPABILITY_NAMES = CAPABILITY_NAMES.map((c) => `CAP_${c}` as const);
export type OciCapabilityName = (typeof OCI_CAPABILITY_NAMES)[number];

export const OCI_RLIMIT_NAMES = RLIMIT_NAMES;

/** The spec lists the first four; runc also takes the recursive spellings, and containerd's CRI
 *  plugin writes "rslave" and "rshared" for HostToContainer and Bidirectional volumes. */
export const ROOTFS_PROPAGATIONS = [
  'private',
  'shared',
  'slave',
  'unbindable',
  'rprivate',
  'rshared',
  'rslave',
  'runbindable',
] as const;

export const IOPRIO_CLASSES = ['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'] as const;

export const SCHED_POLICIES = [
  'SCHED_OTHER',
  'SCHED_FIFO',
  'SCHED_RR',
  'SCHED_BATCH',
  'SCHED_ISO',
  'SCHED_IDLE',
  'SCHED_DEADLINE',
] as const;

export const SCHED_FLAGS = [
  'SCHED_FLAG_RESET_ON_FORK',
  'SCHED_FLAG_RECLAIM',
  'SCHED_FLAG_DL_OVERRUN',
  'SCHED_FLAG_KEEP_POLICY',
  'SCHED_FLAG_KEEP_PARAMS',
  'SCHED_FLAG_UTIL_CLAMP_MIN',
  'SCHED_FLAG_UTIL_CLAMP_MAX',
] as const;

export const PERSONALITY_DOMAINS = ['LINUX', 'LINUX32'] as const;

export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;

export const SECCOMP_ARCHES = [
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_LOONGARCH64',
  'SCMP_ARCH_M68K',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_SH',
  'SCMP_ARCH_SHEB',
  'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64',
] as const;

export const SECCOMP_FLAGS = [
  'SECCOMP_FILTER_FLAG_TSYNC',
  'SECCOMP_FILTER_FLAG_LOG',
  'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
] as const;

export const SECCOMP_OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;

/** The hooks of config.json in the order the lifecycle runs them. */
export const HOOK_NAMES = [
  'prestart',
  'createRuntime',
  'createContainer',
  'startContainer',
  'poststart',
  'poststop',
] as const;
export type OciHookName = (typeof HOOK_NAMES)[number];
