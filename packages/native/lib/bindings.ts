// The typed surface of the addon. The runtime receives an object of this type (the real addon or
// testkit's recording fake), so policy can be unit-tested without root.
import type { ChildFailure, ExitStatus, Plan, Spawned } from './plan.js';

export interface WinSize {
  cols: number;
  rows: number;
}

/** Mode flags of a terminal (struct termios, see termios(3)); compare with `constants`. */
export interface TermiosFlags {
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
}

/** One cgroup v2 device rule (see cgroupDeviceFilter). */
export interface DeviceFilterRule {
  type: 'a' | 'b' | 'c';
  major: number;
  minor: number;
  access: string;
  allow: boolean;
}

/** What the parent does for requests the child makes on its way to execve. */
export interface AwaitServe {
  /** A seccomp user-notification listener (SCMP_ACT_NOTIFY): send it to the profile's agent. */
  onListener?: (fd: number) => void | Promise<void>;
}

/** One range of an id mapping: a uid_map/gid_map line "containerID hostID size". */
export interface IdMapRange {
  containerID: number;
  hostID: number;
  size: number;
}

/** What openIdmappedTree clones and how (see user_namespaces(7) for the map lines). */
export interface IdmappedTreeOptions {
  /** rbind: clone every mount below the source too (open_tree AT_RECURSIVE). */
  recursive: boolean;
  /** MS_* flags set on the clone (MS_RDONLY, MS_NOSUID, ...), as a bind step's. */
  flags: number;
  /** Idmap every mount of the cloned tree (OCI "ridmap"), not only its top (OCI "idmap"). */
  idmapRecursive: boolean;
  /** Written verbatim as the uid_map/gid_map of the user namespace that describes the mapping:
   *  an id `containerID + k` stored in the filesystem is seen as the id `hostID + k`. */
  uidMappings: readonly IdMapRange[];
  gidMappings: readonly IdMapRange[];
}

export interface NativeBindings {
  // --- the plan executor ---------------------------------------------------------------------
  /** clone3(plan.cloneFlags | CLONE_PIDFD); the child dup2s stdio, then blocks on the sync socket
   *  until `go`. Throws an NsinitError (syscall 'clone3', ...) if the clone itself fails, or
   *  ERR_NSINIT_INVALID_PLAN if the plan does not encode (including mount steps without
   *  CLONE_NEWNS, which would change the host's mounts). */
  spawn(plan: Plan): Spawned;
  /** spawn, with the clone on the addon's spawner thread: one long-lived thread per process,
   *  every signal blocked, that never exits (a child's parent-death signal follows the thread that
   *  cloned it), so the event loop never waits for clone3 (creating namespaces, copying page
   *  tables). Resolves with the child waiting for `go`; the plan is encoded and checked before
   *  this returns, and a bad one rejects without a clone. Starts run in the order they were asked
   *  for. The fds the plan names must stay open until it settles. */
  spawnAsync(plan: Plan): Promise<Spawned>;
  /** Join the namespaces `nsFlags` (CLONE_NEW*) of the live process behind `targetPidfd`:
   *  a short-lived single-threaded child (cloned on the spawner thread, see spawnAsync) does
   *  setns(pidfd, nsFlags), then clones the real process with CLONE_PARENT (so it is inside the PID namespace and still our child) and exits; the
   *  grandchild is non-dumpable and waits for `go` like a spawned child. Resolves once the
   *  watcher thread has reaped the intermediate (nothing waits on the event loop); rejects with
   *  its failure (setns ESRCH when the target is gone) or `ESRCH, join` if it was killed before
   *  it could clone. The intermediate is reaped on every path. With a user namespace fd as the
   *  target (nsFlags CLONE_NEWUSER) and a plan with cloneFlags, it starts a new container inside
   *  that user namespace: its other new namespaces are then owned by it. */
  join(targetPidfd: number, nsFlags: number, plan: Plan): Promise<Spawned>;
  /** Tell the child to walk its steps. A child that already died (e.g. a stdio setup failure) is
   *  not an error here: awaitExec reports its record and waitExit its status. */
  go(sync: number): void;
  /** Resolves when the child has exec'd (null: EOF on the CLOEXEC sync socket) or failed (the
   *  record it wrote). Takes `sync`: it is closed before this returns, even when the watch cannot
   *  be registered (the promise then rejects). Never blocks the event loop. A seccomp filter
   *  loaded with SECCOMP_FILTER_FLAG_NEW_LISTENER sends its listener fd first: `onListener`
   *  hands it on (the fd is closed once it returns); without one, or when it throws, this
   *  rejects and the caller kills the child. */
  awaitExec(sync: number, serve?: AwaitServe): Promise<ChildFailure | null>;
  /** Resolves when the process behind `pidfd` has exited, reaping it with waitid(P_PIDFD).
   *  The watcher dups the pidfd: the caller may close its own at any time (even before the exit)
   *  and reuse the number; the watch still follows the process it was registered for. One
   *  shared watcher thread serves every pidfd. */
  waitExit(pidfd: number): Promise<ExitStatus>;

  // --- processes -----------------------------------------------------------------------------
  pidfdOpen(pid: number): number;
  /** pidfd_send_signal; returns false if the process is already gone (ESRCH). */
  pidfdSignal(pidfd: number, signal: number): boolean;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot), or null if the process is gone. */
  startTime(pid: number): string | null;
  /** True on the process's main thread (gettid() == getpid()). A child's parent-death signal
   *  follows the thread that cloned it, so containers are started only from the main thread. */
  isMainThread(): boolean;

  // --- terminals -----------------------------------------------------------------------------
  /** A new pty: master (O_RDWR|O_NOCTTY|O_CLOEXEC) and its peer opened via TIOCGPTPEER. With
   *  `inside`, from the /dev/ptmx of that live process's root (resolved inside it, checked to be
   *  the 5:2 multiplexer before it is opened), so a process joining a container gets a terminal
   *  of the container's own devpts. */
  openPty(inside?: { pidfd: number; pid: number }): { master: number; slave: number };
  getWinSize(fd: number): WinSize;
  setWinSize(fd: number, size: WinSize): void;
  /** Put the terminal behind `fd` in raw mode with cfmakeraw(3) semantics (TCGETS, then TCSETS
   *  with input translation, output post-processing, echo, canonical mode and signal keys off,
   *  CS8) and return its previous modes, opaque, for restoreTermios. ENOTTY if not a terminal. */
  makeRaw(fd: number): Uint8Array;
  /** Put back modes makeRaw returned (TCSETS, immediately; retried on EINTR). */
  restoreTermios(fd: number, saved: Uint8Array): void;
  /** The terminal's current mode flags (TCGETS). */
  getTermios(fd: number): TermiosFlags;

  // --- files, locks, pipes -------------------------------------------------------------------
  /** pipe2(O_CLOEXEC): [read, write]. */
  pipe(): [number, number];
  close(fd: number): void;
  /** Open a namespace file for setns(2): O_PATH first, refused unless fstatfs(2) says nsfs
   *  (EINVAL, syscall 'fstatfs': never opens a FIFO or device for reading), then reopened
   *  O_RDONLY|O_CLOEXEC through /proc/self/fd; `nstype` is its CLONE_NEW* (NS_GET_NSTYPE). */
  nsOpen(path: string): { fd: number; nstype: number };
  /** flock(fd, LOCK_EX|LOCK_NB); false if another holder has it. */
  tryLock(fd: number): boolean;

  // --- seccomp (seccomp(2), libseccomp) ------------------------------------------------------
  /** Compiles a syscall filter with libseccomp into the BPF program a `seccomp` step loads.
   *  `actions` are SECCOMP_RET_* values with data, one rule per name; `args` per rule are
   *  [index, SCMP_CMP_* op, value, valueTwo]. Unknown syscall names are skipped (as runc does). */
  compileSeccomp(
    defaultAction: number,
    arches: string[],
    names: string[],
    actions: number[],
    args: (readonly [number, number, bigint, bigint])[][],
  ): Uint8Array;

  // --- OCI start gate and console socket (unix(7)) -------------------------------------------
  /** A listening AF_UNIX stream socket (CLOEXEC) bound at `path` (< 108 bytes: pass
   *  /proc/self/fd/N/name for a long directory); the `await-start` step accepts on it. */
  gateListen(path: string): number;
  /** Connect to the socket at `path` (CLOEXEC); ECONNREFUSED when nobody listens any more. */
  gateConnect(path: string): number;
  /** Connect to `socketPath` and send `fd` with SCM_RIGHTS, `name` as the message (runc sends the
   *  pty master's name), then close the connection. */
  sendFd(socketPath: string, fd: number, name: string): void;

  // --- netlink -------------------------------------------------------------------------------
  /** A NETLINK_ROUTE socket (CLOEXEC) created inside the network namespace of `nsFd` (a netns fd
   *  or a pidfd; -1 = the caller's), by setns on a short-lived thread. */
  netlinkOpen(nsFd: number): number;
  /** Send one request datagram to the kernel. */
  netlinkSend(fd: number, message: Uint8Array): void;
  /** Receive one datagram (blocking; the kernel answers requests immediately). */
  netlinkRecv(fd: number): Buffer;

  // --- idmapped mounts (mount_setattr(2) MOUNT_ATTR_IDMAP) ------------------------------------
  /** A detached clone of the host path `source` (CLOEXEC fd), idmapped through a user namespace
   *  made for the purpose (a helper process cloned with CLONE_NEWUSER, its maps written, its
   *  namespace opened, then killed and reaped before this returns) and given `flags`; an
   *  `idmap-bind` step attaches it inside the container. The caller closes the fd once the
   *  child is spawned. Needs CAP_SYS_ADMIN over the source's filesystem; EINVAL from
   *  mount_setattr when the filesystem (or, with idmapRecursive, a mount below) cannot idmap. */
  openIdmappedTree(source: string, options: IdmappedTreeOptions): number;

  // --- mounts, for tests and cleanup --------------------------------------------------------
  mount(source: string, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount(target: string, flags: number): void;

  // --- cgroup v2 devices --------------------------------------------------------------------
  /** Enforce device rules on a cgroup v2 directory: emits a BPF_PROG_TYPE_CGROUP_DEVICE program
   *  (default deny; rules tested last to first, so a later rule overrides an earlier one, as
   *  devices.allow after devices.deny 'a'), loads it and attaches it with BPF_F_ALLOW_MULTI.
   *  major/minor -1 = any; access is a subset of "rwm" ("" means rwm). The kernel detaches the
   *  program when the cgroup is removed. Throws ERR_NSINIT_INVALID_ARG for a malformed rule,
   *  else an NsinitError (syscall 'open' or 'bpf', path cgroupDir). */
  cgroupDeviceFilter(cgroupDir: string, rules: readonly DeviceFilterRule[]): void;

  // --- kernel tables -------------------------------------------------------------------------
  /** CAP_* from <linux/capability.h>, without the prefix: { CHOWN: 0, ... }. */
  readonly capabilities: Readonly<Record<string, number>>;
  /** RLIMIT_* from <sys/resource.h>, with the prefix: { RLIMIT_NOFILE: 7, ... }. */
  readonly rlimits: Readonly<Record<string, number>>;
  /** Flags and constants the runtime needs: CLONE_NEW*, MS_*, S_IF*, SIG*. */
  readonly constants: Readonly<Record<string, number>>;
}
