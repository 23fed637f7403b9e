// The default syscall filter (seccomp(2)) `nsinit spec` and `nsinit-oci spec` print: an allow-list
// with Docker's default semantics. Everything not listed fails with EPERM; the calls that reach
// past a container's isolation (keyrings, bpf, mount, new user namespaces, kexec, module loading,
// open_by_handle_at, perf_event_open, userfaultfd, the clock and swap controls) are simply absent.
// Names come from the x86_64 and aarch64 syscall tables (packages/config/test/fixtures/).
import type { OciSeccomp } from './oci/schema-seccomp.js';

/** Allowed unconditionally, by what they do. Names one architecture lacks (open on aarch64,
 *  arch_prctl on it too) are skipped there by the compiler, as runc and crun skip them. */
export const DEFAULT_SECCOMP_ALLOWED: readonly string[] = [
  // files and directories
  ...['access', 'chdir', 'chmod', 'chown', 'close', 'close_range', 'copy_file_range', 'creat'],
  ...['dup', 'dup2', 'dup3', 'faccessat', 'faccessat2', 'fadvise64', 'fallocate', 'fchdir'],
  ...['fchmod', 'fchmodat', 'fchown', 'fchownat', 'fcntl', 'fdatasync', 'flock', 'fstat', 'fstatfs'],
  ...['fsync', 'ftruncate', 'futimesat', 'getcwd', 'getdents', 'getdents64', 'lchown', 'link'],
  ...['linkat', 'lseek', 'lstat', 'mkdir', 'mkdirat', 'mknod', 'mknodat', 'name_to_handle_at'],
  ...['newfstatat', 'open', 'openat', 'openat2', 'pread64', 'preadv', 'preadv2', 'pwrite64'],
  ...['pwritev', 'pwritev2', 'read', 'readahead', 'readlink', 'readlinkat', 'readv', 'rename'],
  ...['renameat', 'renameat2', 'rmdir', 'sendfile', 'splice', 'stat', 'statfs', 'statx', 'symlink'],
  ...['symlinkat', 'sync', 'sync_file_range', 'syncfs', 'tee', 'truncate', 'umask', 'unlink'],
  ...['unlinkat', 'utime', 'utimensat', 'utimes', 'vmsplice', 'write', 'writev'],
  // extended attributes
  ...['fgetxattr', 'flistxattr', 'fremovexattr', 'fsetxattr', 'getxattr', 'lgetxattr', 'listxattr'],
  ...['llistxattr', 'lremovexattr', 'lsetxattr', 'removexattr', 'setxattr'],
  // waiting on files, events and timers
  ...['epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_pwait', 'epoll_pwait2', 'epoll_wait'],
  ...['eventfd', 'eventfd2', 'fanotify_mark', 'inotify_add_watch', 'inotify_init', 'inotify_init1'],
  ...['pipe', 'pipe2'],
  ...['inotify_rm_watch', 'pause', 'poll', 'ppoll', 'pselect6', 'select', 'signalfd', 'signalfd4'],
  ...['timerfd_create', 'timerfd_gettime', 'timerfd_settime', 'io_cancel', 'io_destroy'],
  ...['io_getevents', 'io_pgetevents', 'io_setup', 'io_submit', 'ioctl', 'ioprio_get', 'ioprio_set'],
  // memory
  ...['brk', 'madvise', 'membarrier', 'memfd_create', 'memfd_secret', 'mincore', 'mlock', 'mlock2'],
  ...['mlockall', 'mmap', 'mprotect', 'mremap', 'msync', 'munlock', 'munlockall', 'munmap'],
  ...['pkey_alloc', 'pkey_free', 'pkey_mprotect', 'remap_file_pages'],
  // processes, threads and signals (fork and vfork; clone, clone3 and unshare are rules below)
  ...['execve', 'execveat', 'exit', 'exit_group', 'fork', 'vfork', 'futex', 'futex_waitv'],
  ...['get_robust_list', 'set_robust_list', 'getcpu', 'getpgid', 'getpgrp', 'getpid', 'getppid'],
  ...['getpriority', 'getrlimit', 'getrusage', 'getsid', 'gettid', 'kill', 'pidfd_open'],
  ...['pidfd_send_signal', 'pidfd_getfd', 'prctl', 'prlimit64', 'process_mrelease', 'restart_syscall'],
  ...['rseq', 'rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn'],
  ...['rt_sigsuspend', 'rt_sigtimedwait', 'rt_tgsigqueueinfo', 'sched_getaffinity', 'sched_getattr'],
  ...['sched_getparam', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_getscheduler'],
  ...['sched_rr_get_interval', 'sched_setaffinity', 'sched_setattr', 'sched_setparam'],
  ...['sched_setscheduler', 'sched_yield', 'seccomp', 'set_tid_address', 'setpgid', 'setpriority'],
  ...['setrlimit', 'setsid', 'sigaltstack', 'tgkill', 'tkill', 'wait4', 'waitid'],
  // ptrace and its relatives: since Linux 4.8 a traced process cannot use ptrace to slip past the
  // filter (the kernel re-checks after the tracer's changes), and nsinit needs Linux >= 5.12
  ...['ptrace', 'process_vm_readv', 'process_vm_writev', 'kcmp'],
  // credentials within the container's own ids
  ...['capget', 'capset', 'getegid', 'geteuid', 'getgid', 'getgroups', 'getresgid', 'getresuid'],
  ...['getuid', 'setfsgid', 'setfsuid', 'setgid', 'setgroups', 'setregid', 'setresgid', 'setresuid'],
  ...['setreuid', 'setuid'],
  // time (reading it; setting the clocks is CAP_SYS_TIME's and stays out)
  ...['alarm', 'clock_getres', 'clock_gettime', 'clock_nanosleep', 'getitimer', 'gettimeofday'],
  ...['nanosleep', 'setitimer', 'time', 'timer_create', 'timer_delete', 'timer_getoverrun'],
  ...['timer_gettime', 'timer_settime', 'times', 'adjtimex', 'clock_adjtime'],
  // sockets
  ...['accept', 'accept4', 'bind', 'connect', 'getpeername', 'getsockname', 'getsockopt', 'listen'],
  ...['recvfrom', 'recvmmsg', 'recvmsg', 'sendmmsg', 'sendmsg', 'sendto', 'setsockopt', 'shutdown'],
  ...['socket', 'socketpair'],
  // System V and POSIX IPC (the container's own IPC namespace)
  ...['msgctl', 'msgget', 'msgrcv', 'msgsnd', 'semctl', 'semget', 'semop', 'semtimedop', 'shmat'],
  ...['shmctl', 'shmdt', 'shmget', 'mq_getsetattr', 'mq_notify', 'mq_open', 'mq_timedreceive'],
  ...['mq_timedsend', 'mq_unlink'],
  // system information and unprivileged sandboxing
  ...['sysinfo', 'uname', 'getrandom', 'landlock_add_rule', 'landlock_create_ruleset'],
  ...['landlock_restrict_self'],
  // x86_64 only: thread pointer and local descriptor tables of the process itself
  ...['arch_prctl', 'modify_ldt', 'get_thread_area', 'set_thread_area'],
];

/** CLONE_NEWTIME | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
 *  CLONE_NEWPID | CLONE_NEWNET (clone(2)): creating any namespace needs CAP_SYS_ADMIN, except a user
 *  namespace, which any process may create and then hold every capability inside. */
export const NAMESPACE_FLAGS_MASK = 0x7e020080;

const EPERM = 1;
const ENOSYS = 38;

/** The profile as an OCI `linux.seccomp` object (the container.json `seccomp` key takes the same
 *  shape). A fresh copy each call. */
export function defaultSeccompProfile(): OciSeccomp {
  const noNamespaces = [
    { index: 0, value: NAMESPACE_FLAGS_MASK, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' as const },
  ];
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    syscalls: [
      { names: [...DEFAULT_SECCOMP_ALLOWED], action: 'SCMP_ACT_ALLOW' },
      // clone and unshare only without namespace flags (the flags are argument 0 on x86_64 and
      // aarch64): `unshare -U` and a clone into new namespaces fail with EPERM.
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: noNamespaces.map((a) => ({ ...a })) },
      { names: ['unshare'], action: 'SCMP_ACT_ALLOW', args: noNamespaces.map((a) => ({ ...a })) },
      // clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to
      // clone, where the rule above applies.
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS },
      // personality(2): only the Linux domains (32-bit and the query 0xffffffff), no flags such as
      // ADDR_NO_RANDOMIZE that weaken the address-space layout.
      ...[0x0, 0x8, 0x20000, 0x20008, 0xffffffff].map((value) => ({
        names: ['personality'],
        action: 'SCMP_ACT_ALLOW' as const,
        args: [{ index: 0, value, op: 'SCMP_CMP_EQ' as const }],
      })),
    ],
  };
}
