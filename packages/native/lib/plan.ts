// The plan: a flat, fully resolved list of steps that the cloned child walks in plain C between
// clone() and execve(). TypeScript (the runtime) decides every value and the order; the C core
// only executes. The encoder (encode-plan.ts) turns a Plan into one contiguous buffer that the C
// decoder validates *before* clone, so the child never allocates or parses.

/** Paths named "target" are container paths ("/proc", "/dev/null"). Before `pivot-root` they are
 *  resolved inside the rootfs by fd (openat2 RESOLVE_IN_ROOT), after it inside the new "/". A
 *  symlink can never send a target outside the rootfs. */
export type Step =
  /** setns(fd, nstype): join an existing namespace (e.g. the `netns` network strategy). A
   *  CLONE_NEWPID one is entered by the parent around clone3 instead (it applies to children),
   *  so the child is created inside that PID namespace. */
  | { op: 'setns'; fd: number; nstype: number }
  /** mount(""/, MS_REC | MS_PRIVATE or MS_SLAVE): stop our mounts propagating to the host. */
  | { op: 'propagation'; flags: number }
  /** Bind the rootfs (host path) onto itself so it is a mount point pivot_root accepts; from here
   *  on "target" paths resolve inside it. Must come before any other target step. */
  | { op: 'rootfs'; path: string; flags: number }
  /** Mount a filesystem (proc, sysfs, tmpfs, devpts, mqueue) on a container path. `mkdir` is the
   *  mode for creating the target directory when missing (0 = must exist). `noSymlinks` refuses a
   *  target that is itself a symlink (needed for /proc, /sys, /dev: CVE-2019-19921 class). */
  | {
      op: 'mount';
      source: string;
      target: string;
      fstype: string;
      flags: number;
      data: string;
      mkdir: number;
      noSymlinks: boolean;
      /** Propagation set once mounted (MS_SHARED etc., MS_REC for r-forms); 0 or absent = leave. */
      propagation?: number;
    }
  /** Bind a host path onto a container path. `flags` may hold MS_RDONLY/MS_NOSUID/...; `recursive`
   *  adds MS_REC; `propagation` (MS_PRIVATE etc., 0 = leave) is applied after. A missing target is
   *  created as a directory or an empty file to match the source. */
  | { op: 'bind'; source: string; target: string; flags: number; recursive: boolean; propagation: number }
  /** Attach the detached idmapped tree `fd` (openIdmappedTree, made by the parent: its flags are
   *  already set) on a container path, created as a directory or empty file to match it;
   *  `propagation` as for bind. The child closes its copy of `fd` once attached. */
  | { op: 'idmap-bind'; fd: number; target: string; propagation: number }
  /** mknod(target, mode, makedev(major, minor)); mode includes S_IFCHR/S_IFBLK. EEXIST ignored. */
  | { op: 'mknod'; target: string; mode: number; major: number; minor: number }
  /** symlink(value, target). EEXIST ignored. */
  | { op: 'symlink'; value: string; target: string }
  /** mkdir(target, mode) inside the rootfs. EEXIST ignored. */
  | { op: 'mkdir'; target: string; mode: number }
  /** Bind the pty slave (the plan's `consoleFd`) onto `target` (normally /dev/console). */
  | { op: 'console'; target: string }
  /** pivot_root into the rootfs and detach the old root. */
  | { op: 'pivot-root' }
  /** no_pivot_root: mount --move the rootfs onto / and chroot (for initramfs roots). */
  | { op: 'move-root' }
  /** chroot(2) into the rootfs: the root change of a container set up in the runtime's own mount
   *  namespace (OCI without a mount namespace), where pivot_root and MS_MOVE would move the
   *  host's root. A plan without a new or joined mount namespace is accepted only with this
   *  step, no pivot-root/move-root, and no propagation step before `rootfs`. */
  | { op: 'chroot' }
  /** Make `target` read-only (bind onto itself if needed, then remount MS_RDONLY|extra flags).
   *  `optional` ignores ENOENT (2014 restrictions on paths a kernel may lack). */
  | { op: 'readonly'; target: string; flags: number; recursive: boolean; optional: boolean }
  /** Mask `target`: bind an empty read-only file or dir over it (runtime-owned, never the
   *  container's own /dev/null: CVE-2025-31133). `optional` ignores ENOENT. */
  | { op: 'mask'; target: string; optional: boolean }
  /** sethostname(2) */
  | { op: 'hostname'; name: string }
  /** setrlimit(resource, {soft, hard}); -1 = RLIM_INFINITY. hard -2 keeps the inherited hard
   *  limit and caps soft by it. */
  | { op: 'rlimit'; resource: number; soft: number; hard: number }
  /** umask(2) */
  | { op: 'umask'; mask: number }
  /** setgroups, setresgid, setresuid (with keep-caps around the switch so caps step can apply).
   *  `keepGroups`: no setgroups, where the user namespace denies it (/proc/<pid>/setgroups). */
  | { op: 'identity'; uid: number; gid: number; groups: number[]; keepGroups?: boolean }
  /** In a new user namespace, once the parent wrote its uid_map/gid_map: setresgid/setresuid to
   *  0, the namespace's root (a mapped id), so what the child creates and mounts is owned by it;
   *  `setgroups` also clears the supplementary groups (false where the namespace denies it). */
  | { op: 'userns-root'; setgroups: boolean }
  /** A namespace (net, ipc, uts, cgroup or pid) the cloning thread enters around clone3 and
   *  leaves right after, so the child starts in it: a child in a new user namespace could not
   *  join one that namespace does not own. A no-op in the child. */
  | { op: 'setns-early'; fd: number; nstype: number }
  /** open_tree(OPEN_TREE_CLONE) of a host path now, held in `slot` (0..2047) for a later
   *  `attach-tree`: in a user namespace, bind sources are copied before `userns-root`, while the
   *  child still has the ids that may reach them. */
  | { op: 'open-tree'; source: string; recursive: boolean; slot: number }
  /** The held copy of `slot` attached onto `target` as `bind` attaches its source (flags on the
   *  copy first, then propagation). Each slot is opened once, earlier, and attached once. */
  | {
      op: 'attach-tree';
      slot: number;
      target: string;
      flags: number;
      recursive: boolean;
      propagation: number;
    }
  /** Capability sets as 64-bit masks (bit n = capability n). Bounding is reduced with
   *  PR_CAPBSET_DROP; the others set with capset; ambient raised one by one. */
  | {
      op: 'caps';
      bounding: bigint;
      effective: bigint;
      permitted: bigint;
      inheritable: bigint;
      ambient: bigint;
    }
  /** prctl(PR_SET_NO_NEW_PRIVS, 1) */
  | { op: 'no-new-privs' }
  /** chdir inside the container; magic links (/proc/self/fd/N) and escapes are refused. */
  | { op: 'chdir'; path: string }
  /** setsid(); with `ctty`, make fd 0 the controlling terminal (TIOCSCTTY). */
  | { op: 'session'; ctty: boolean }
  /** prctl(PR_SET_PDEATHSIG, signal); re-armed after any identity change by placing it later. */
  | { op: 'pdeathsig'; signal: number }
  /** prctl(PR_SET_DUMPABLE, on) */
  | { op: 'dumpable'; on: boolean }
  /** Mark every fd >= 3 + keep close-on-exec (the sync socket included, so EOF signals exec
   *  success); fds 3 .. 3 + keep - 1 are made inheritable (OCI --preserve-fds). */
  | { op: 'close-fds'; keep?: number }
  /** fchownat(target, uid, gid, AT_SYMLINK_NOFOLLOW) inside the rootfs (a device node's owner);
   *  -1 leaves that id unchanged. */
  | { op: 'chown'; target: string; uid: number; gid: number }
  /** setdomainname(2) (the NIS domain of the UTS namespace). */
  | { op: 'domainname'; name: string }
  /** Write `value` to /proc/sys/`key` (a relative path such as net/ipv4/ip_forward). The file is
   *  opened beneath the container's /proc, which must be a procfs mount root, without following
   *  symlinks or crossing mounts, and checked to be procfs before the write (CVE-2019-16884 /
   *  CVE-2025-52881 class). Only after /proc is mounted (after pivot-root). */
  | { op: 'sysctl'; key: string; value: string }
  /** unshare(2) of CLONE_NEWCGROUP: run after GO, when the parent has placed the child in its
   *  cgroups, so the new cgroup namespace is rooted at the container's own cgroup. */
  | { op: 'unshare'; flags: number }
  /** Write the LSM exec label (`attr` 'exec' for SELinux, 'apparmor/exec' with value
   *  "exec <profile>" for AppArmor) to /proc/<pid>/attr through the container's verified procfs,
   *  as the sysctl step does; the kernel applies it at execve. */
  | { op: 'lsm-label'; attr: 'exec' | 'apparmor/exec'; value: string }
  /** personality(2): 0 (PER_LINUX) or 8 (PER_LINUX32); kept across execve. */
  | { op: 'personality'; persona: number }
  /** OCI create/start: close the sync socket (the parent reads EOF: the init is ready), wait in
   *  accept(2) on the listening socket `fd` for `start`, then report to that connection instead.
   *  Clears the parent-death signal (the init outlives `create`) and closes every fd but 0..2,
   *  3 .. 3 + keep - 1 and `fd`, so nothing of `create` stays open while it waits. */
  | {
      op: 'await-start';
      fd: number;
      keep?: number;
      /** Fds kept open through the wait for the startContainer hooks after it (state, output). */
      hookFds?: readonly [number, number];
    }
  /** An OCI createContainer/startContainer hook, run by the child in its namespaces (as runc
   *  does): forked with clone3, `stdin` (a file holding the state JSON, read from offset 0) on
   *  its fd 0, `output` on 1 and 2, every other fd closed, signals unblocked, then execve(path,
   *  argv, envp). The child waits on its pidfd and kills it after `timeoutMs` (0 = no limit). A
   *  failure is a record with syscall 'exit' (errno = exit status), 'signal' (errno = signal) or
   *  'timeout'. */
  | {
      op: 'hook';
      path: string;
      argv: string[];
      envp: string[];
      stdin: number;
      output: number;
      timeoutMs: number;
    }
  /** seccomp(2) SECCOMP_SET_MODE_FILTER with a BPF program the parent compiled (compileSeccomp)
   *  and SECCOMP_FILTER_FLAG_* `flags`. Needs no_new_privs or CAP_SYS_ADMIN at that point. With
   *  SECCOMP_FILTER_FLAG_NEW_LISTENER (8) the listener fd is sent to the parent on the sync
   *  socket (awaitExec's onListener). */
  | { op: 'seccomp'; flags: number; program: Uint8Array }
  /** unshare(CLONE_NEWTIME), then write `offsets` (timens_offsets lines, "" for none) to
   *  /proc/self/timens_offsets of the host's procfs (verified) before any process is inside;
   *  the program enters the namespace at execve. First in the walk, before the rootfs. */
  | { op: 'timens'; offsets: string }
  /** Bring the interface `name` of the child's network namespace up (SIOCSIFFLAGS), after
   *  setting `mtu` when not 0: the loopback of a rootless container, whose namespace the
   *  unprivileged parent cannot enter. Needs CAP_NET_ADMIN there (before the caps step). */
  | { op: 'link-up'; name: string; mtu: number }
  /** execve the first candidate that exists: `candidates` are absolute container paths (the
   *  runtime expanded argv[0] over the container's PATH). ENOENT/ENOTDIR/EACCES move to the next
   *  candidate, remembering EACCES as execvp does; any other errno stops. Must be the last step. */
  | { op: 'exec'; candidates: string[]; argv: string[]; envp: string[] };

export type StepOp = Step['op'];

export interface Plan {
  /** CLONE_NEW* flags for clone3 (0 for a join: the join target decides). */
  cloneFlags: number;
  /** Parent fds that become the child's 0, 1, 2 (dup2'd before GO is awaited). -1 = /dev/null. */
  stdio: [number, number, number];
  /** Parent fd of the pty slave for the `console` step, or -1. */
  consoleFd: number;
  /** Walked in order after the parent sends GO. */
  steps: Step[];
}

/** A child-side failure as read from the sync socket. `step` is the index into `plan.steps`
 *  (-1 with op 'setup' for a failure before the walk: stdio setup, or join's setns). `errno` is the
 *  positive kernel value (2 = ENOENT); childFailureError() gives Node's negative convention. */
export interface ChildFailure {
  step: number;
  op: StepOp | 'setup';
  syscall: string;
  errno: number;
  path: string;
}

/** How a process ended: exactly one of exitCode and signal is non-null. */
export interface ExitStatus {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface Spawned {
  pid: number;
  /** pidfd of the child (CLOEXEC). Owned by the caller: watch, signal, then close. */
  pidfd: number;
  /** Parent end of the CLOEXEC sync socket (SOCK_STREAM, blocking). Owned by the caller. */
  sync: number;
}
