/* nsinit's C core: the decoded plan, the child's error record and every facility's entry points.
 * Plain C (no Node-API types): binding.cc is the only file that talks to Node. Everything reachable
 * from nsinit_child_main() runs between clone3(2) and execve(2) and must stay async-signal-safe:
 * raw syscalls only, no malloc, no stdio, no locks (see signal-safety(7)). */
#ifndef NSINIT_H
#define NSINIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Step op codes: the wire values shared with lib/encode-plan.ts. */
enum nsinit_op {
  NSINIT_OP_SETUP = 0, /* not a step: failures before the walk (stdio, join's setns) */
  NSINIT_OP_SETNS = 1,
  NSINIT_OP_PROPAGATION,
  NSINIT_OP_ROOTFS,
  NSINIT_OP_MOUNT,
  NSINIT_OP_BIND,
  NSINIT_OP_MKNOD,
  NSINIT_OP_SYMLINK,
  NSINIT_OP_MKDIR,
  NSINIT_OP_CONSOLE,
  NSINIT_OP_PIVOT_ROOT,
  NSINIT_OP_MOVE_ROOT,
  NSINIT_OP_READONLY,
  NSINIT_OP_MASK,
  NSINIT_OP_HOSTNAME,
  NSINIT_OP_RLIMIT,
  NSINIT_OP_UMASK,
  NSINIT_OP_IDENTITY,
  NSINIT_OP_CAPS,
  NSINIT_OP_NO_NEW_PRIVS,
  NSINIT_OP_CHDIR,
  NSINIT_OP_SESSION,
  NSINIT_OP_PDEATHSIG,
  NSINIT_OP_DUMPABLE,
  NSINIT_OP_CLOSE_FDS,
  NSINIT_OP_EXEC,
  NSINIT_OP_CHOWN,
  NSINIT_OP_DOMAINNAME,
  NSINIT_OP_SYSCTL,
  NSINIT_OP_PERSONALITY,
  NSINIT_OP_UNSHARE,
  NSINIT_OP_LSM_LABEL,
  NSINIT_OP_AWAIT_START,
  NSINIT_OP_SECCOMP,
  /* Explicit values from here on: ranges are assigned per feature, and a gap is an unknown op. */
  NSINIT_OP_USERNS_ROOT = 34,
  NSINIT_OP_OPEN_TREE = 35,
  NSINIT_OP_ATTACH_TREE = 36,
  NSINIT_OP_SETNS_EARLY = 37,
  NSINIT_OP_IDMAP_BIND = 38,
  NSINIT_OP_TIMENS = 40, /* i16: 40-43 */
  NSINIT_OP_HOOK = 44,   /* oci13: 44-47 */
  NSINIT_OP_CHROOT = 45,
  NSINIT_OP_LINK_UP = 48, /* rootless */
  NSINIT_OP_MAX_ = NSINIT_OP_LINK_UP
};

#define NSINIT_PLAN_MAGIC 0x5049534eu /* "NSIP" little-endian */
#define NSINIT_PLAN_VERSION 1u
#define NSINIT_PLAN_MAX_BYTES (8u << 20)
#define NSINIT_MAX_STEPS 4096u
#define NSINIT_MAX_PATH 4095u       /* PATH_MAX minus the NUL */
#define NSINIT_MAX_ARG (128u << 10) /* MAX_ARG_STRLEN */
#define NSINIT_MAX_ARGS 65536u
#define NSINIT_MAX_CANDIDATES 256u
#define NSINIT_MAX_GROUPS 65536u       /* NGROUPS_MAX */
#define NSINIT_RLIM_KEEP (-2)          /* rlimit hard: the inherited one, soft capped by it */
#define NSINIT_MAX_HOSTNAME 64u        /* HOST_NAME_MAX */
#define NSINIT_MAX_SYSCTL 4096u        /* a /proc/sys write is at most one page */
#define NSINIT_SECCOMP_MAX_INSNS 4096u /* BPF_MAXINSNS: the kernel's limit on one filter */
#define NSINIT_MAX_TREES 2048u         /* open-tree slots: one per bind mount of a config */

/* One decoded step. Strings point into the plan's private copy of the buffer (NUL-terminated
 * there); vectors are NULL-terminated arrays allocated by the decoder. */
struct nsinit_step {
  uint32_t op;
  int32_t fd;          /* setns; await-start's gate; hook's stdin; idmap-bind's tree */
  int32_t out_fd;      /* hook: its stdout and stderr */
  int32_t keep_fd[2];  /* await-start: fds kept open for hooks after start (-1 = none) */
  uint32_t timeout_ms; /* hook: SIGKILL after this long, 0 = none */
  uint32_t nstype;     /* setns */
  uint32_t flags;      /* MS_* for propagation, rootfs, mount, bind, readonly */
  uint32_t propagation;
  uint32_t mode;    /* mount mkdir mode, mknod mode, mkdir mode, umask */
  uint32_t persona; /* personality */
  uint32_t slot;    /* open-tree, attach-tree: index of the held detached tree */
  uint32_t major, minor;
  bool recursive, no_symlinks, optional, on, ctty;
  const char *path; /* rootfs path, chdir path, hostname, domainname, hook program */
  const char *source, *target, *fstype, *data, *value;
  int32_t resource;
  int64_t soft, hard;
  uint32_t uid, gid, ngroups; /* identity; chown (UINT32_MAX = leave) */
  bool keep_groups;           /* identity: no setgroups (denied in this user namespace) */
  gid_t *groups;
  uint64_t bounding, effective, permitted, inheritable, ambient;
  int32_t signal;
  char **candidates, **argv, **envp;
  const unsigned char *blob; /* seccomp: the BPF program (struct sock_filter[]) */
  uint32_t blob_len;
};

struct nsinit_plan {
  uint64_t clone_flags;
  int32_t stdio[3];
  int32_t console_fd;
  uint32_t nsteps;
  struct nsinit_step *steps;
  /* Filled by the parent before clone (allowed to allocate and read files there). */
  uint32_t cap_last_cap;
  int console_tree; /* detached clone of the pty slave's mount, or -1 */
  int pidns_fd;     /* a setns step's CLONE_NEWPID fd, entered around clone3, or -1 */
  /* setns-early steps: namespaces the cloning thread enters around clone3 (net, ipc, uts, cgroup,
   * pid), so a child in a new user namespace starts in them without having to join them. */
  int early_fd[5];
  uint32_t early_type[5];
  uint32_t nearly;
  unsigned char *buf;
  size_t len;
};

/* A failure as a syscall name, errno and the path it concerned (static strings or plan strings). */
struct nsinit_err {
  int err;
  const char *syscall;
  const char *path;
  char msg[160]; /* decoder only */
};

int nsinit_err_set(struct nsinit_err *e, int err, const char *syscall, const char *path);

/* plan.c */
int nsinit_plan_decode(const void *data, size_t len, struct nsinit_plan **out,
                       struct nsinit_err *e);
void nsinit_plan_free(struct nsinit_plan *plan);
/* Refuses mount/root steps unless ns_flags (spawn: cloneFlags, join: nsFlags) has CLONE_NEWNS. */
int nsinit_plan_require_mntns(const struct nsinit_plan *plan, uint64_t ns_flags,
                              struct nsinit_err *e);
const char *nsinit_op_name(uint32_t op);

/* sync.c: the fixed-size record the child (or join's intermediate) writes on the sync socket. A
 * LISTENER record carries a seccomp listener fd (SCM_RIGHTS) for the parent to hand on. */
enum { NSINIT_REC_FAILURE = 1, NSINIT_REC_PID = 2, NSINIT_REC_LISTENER = 3 };
#define NSINIT_REC_SYSCALL 32
#define NSINIT_REC_PATH 4096
struct nsinit_record {
  uint32_t magic;
  uint32_t kind;
  int32_t step;
  uint32_t op;
  int32_t err;
  int32_t pid;
  char syscall[NSINIT_REC_SYSCALL];
  char path[NSINIT_REC_PATH];
};
#define NSINIT_REC_MAGIC 0x4345524eu
#define NSINIT_GO 'G'
void nsinit_sync_fail(int fd, int32_t step, uint32_t op, const struct nsinit_err *e);
/* Send a LISTENER record with `passfd` attached; 0, or -1 with e set. */
int nsinit_sync_send_fd(int fd, int32_t step, int passfd, struct nsinit_err *e);
/* One sendmsg(2) of `len` bytes carrying `passfd` (SCM_RIGHTS), retried on EINTR, MSG_NOSIGNAL;
 * returns what sendmsg returned (errno set on -1). */
ssize_t nsinit_sendmsg_fd(int sock, const void *buf, size_t len, int passfd);
int nsinit_sync_go(int fd, struct nsinit_err *e);
/* Blocking read of one record: 1 = record, 0 = clean EOF, -1 = error (e set). */
int nsinit_sync_read(int fd, struct nsinit_record *rec, struct nsinit_err *e);

/* child.c */
struct nsinit_child {
  const struct nsinit_plan *plan;
  int sync;
  int rootfd; /* -1 until the rootfs step */
};
__attribute__((noreturn)) void nsinit_child_main(const struct nsinit_plan *plan, int sync);
void nsinit_child_reset_signals(void);
void nsinit_child_unblock_signals(void);

/* path.c: resolve and create container paths by fd inside the rootfs. */
int nsinit_path_open(struct nsinit_child *c, const char *target, bool no_symlinks, int oflags,
                     struct nsinit_err *e);
int nsinit_path_parent(struct nsinit_child *c, const char *target, bool no_symlinks,
                       uint32_t mkdir_mode, const char **name, struct nsinit_err *e);
int nsinit_path_mkdirs(struct nsinit_child *c, const char *target, bool no_symlinks, uint32_t mode,
                       struct nsinit_err *e);

/* mount.c */
int nsinit_mount_propagation(struct nsinit_child *c, const struct nsinit_step *s,
                             struct nsinit_err *e);
int nsinit_mount_rootfs(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);
int nsinit_mount_fs(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);
int nsinit_mount_bind(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);
int nsinit_mount_open_tree(const struct nsinit_step *s, struct nsinit_err *e);
int nsinit_mount_attach_tree(struct nsinit_child *c, const struct nsinit_step *s,
                             struct nsinit_err *e);
int nsinit_mount_readonly(struct nsinit_child *c, const struct nsinit_step *s,
                          struct nsinit_err *e);
int nsinit_mount_mask(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);
int nsinit_mount_console(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);
int nsinit_mount_idmapped(struct nsinit_child *c, const struct nsinit_step *s,
                          struct nsinit_err *e);
unsigned int nsinit_mount_attrs(uint32_t ms_flags);
/* mount_setattr(2) of MOUNT_ATTR_* `attrs` (ms = the MS_* flags they came from, for relatime). */
int nsinit_mount_set_attrs(int fd, unsigned int attrs, uint32_t ms, bool recursive,
                           struct nsinit_err *e, const char *path);

/* idmap.c (parent, before clone): a user namespace fd whose maps are the given uid_map/gid_map
 * texts ("inside outside count" lines), and a detached clone of `source` idmapped with one. */
int nsinit_idmap_userns(const char *uid_map, const char *gid_map, struct nsinit_err *e);
int nsinit_idmap_open_tree(const char *source, bool recursive, uint32_t ms_flags,
                           bool idmap_recursive, const char *uid_map, const char *gid_map,
                           struct nsinit_err *e);

/* root.c */
int nsinit_root_pivot(struct nsinit_child *c, struct nsinit_err *e);
int nsinit_root_move(struct nsinit_child *c, struct nsinit_err *e);
int nsinit_root_chroot(struct nsinit_child *c, struct nsinit_err *e);

/* devices.c */
int nsinit_devices_mknod(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);
int nsinit_devices_symlink(struct nsinit_child *c, const struct nsinit_step *s,
                           struct nsinit_err *e);
int nsinit_devices_mkdir(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);
int nsinit_devices_chown(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);

/* link.c: bring up an interface of the child's network namespace (path = name, mode = MTU or 0). */
int nsinit_link_up(const struct nsinit_step *s, struct nsinit_err *e);

/* sysctl.c: write one /proc/sys value through a verified procfs (target = path below /proc/sys). */
int nsinit_sysctl_write(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);
/* Open the container's /proc, verified to be a procfs mount root; -1 with e set otherwise. */
int nsinit_sysctl_proc_root(struct nsinit_child *c, struct nsinit_err *e);
/* Whether `fd` is a procfs mount root (0) or not (-1 with e set: EXDEV). */
int nsinit_sysctl_verify_proc(int fd, const char *path, struct nsinit_err *e);
/* Write `value` to `rel` beneath a verified /proc fd: no symlinks, no mount crossing, procfs. */
int nsinit_sysctl_proc_write(int proc, const char *rel, const char *value, const char *what,
                             struct nsinit_err *e);

/* lsm.c: the exec label of an LSM (target = "exec" or "apparmor/exec", value = what to write). */
int nsinit_lsm_label(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);

/* seccomp-compile.c (parent, libseccomp) and seccomp.c (child). A rule: one syscall name, an
 * action (SECCOMP_RET_* with data) and up to six comparisons (SCMP_CMP_* ops). */
#define NSINIT_SECCOMP_MAX_ARGS 6
struct nsinit_seccomp_arg {
  uint32_t arg, op;
  uint64_t value, value_two;
};
struct nsinit_seccomp_rule {
  const char *name;
  uint32_t action;
  uint32_t nargs;
  struct nsinit_seccomp_arg args[NSINIT_SECCOMP_MAX_ARGS];
};
struct nsinit_seccomp_profile {
  uint32_t default_action;
  const char *const *arches; /* libseccomp names: "x86_64", "x86", "aarch64", ... */
  size_t narches;
  const struct nsinit_seccomp_rule *rules;
  size_t nrules;
};
/* *out is malloc'd (free it); its length is a multiple of sizeof(struct sock_filter). */
int nsinit_seccomp_compile(const struct nsinit_seccomp_profile *p, unsigned char **out,
                           size_t *outlen, struct nsinit_err *e);
/* Loads the filter; with SECCOMP_FILTER_FLAG_NEW_LISTENER in the step's flags the listener fd is
 * sent to the parent on the sync socket (a LISTENER record) and closed. */
int nsinit_seccomp_load(struct nsinit_child *c, int32_t step, const struct nsinit_step *s,
                        struct nsinit_err *e);

/* timens.c: unshare(CLONE_NEWTIME) and write the clock offsets (`value`, timens_offsets lines)
 * before any process is in the new namespace; the program enters it at execve. */
int nsinit_timens_enter(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);

/* hook.c: an OCI createContainer/startContainer hook, forked by the child in its namespaces. */
int nsinit_hook_run(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);

/* ns.c: a namespace file, opened and checked to be nsfs (parent side); *nstype is its CLONE_NEW*.
 */
int nsinit_ns_open(const char *path, uint32_t *nstype, struct nsinit_err *e);

/* caps.c */
int nsinit_caps_apply(const struct nsinit_plan *plan, const struct nsinit_step *s,
                      struct nsinit_err *e);
int nsinit_caps_last_cap(void);

/* identity.c */
int nsinit_identity_apply(struct nsinit_child *c, const struct nsinit_step *s,
                          struct nsinit_err *e);
/* Become root of the new user namespace once the parent has written its maps (userns-root). */
int nsinit_identity_userns_root(struct nsinit_child *c, const struct nsinit_step *s,
                                struct nsinit_err *e);

/* process.c: the small per-process steps (hostname, rlimit, session, exec, ...) */
int nsinit_process_step(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);
int nsinit_process_exec(const struct nsinit_step *s, struct nsinit_err *e);

/* spawn.c / join.c */
struct nsinit_spawned {
  pid_t pid;
  int pidfd;
  int sync;
};
int nsinit_spawn_start(struct nsinit_plan *plan, struct nsinit_spawned *out, struct nsinit_err *e);
/* A join in flight: the intermediate (pid, pidfd), our end of the sync socket, and a shared page
 * where the kernel stores the joiner's pid when the intermediate clones it. */
struct nsinit_join {
  pid_t mid_pid;
  int mid_pidfd;
  int sync;
  volatile pid_t *tid;
};
int nsinit_join_begin(struct nsinit_plan *plan, int target_pidfd, uint32_t ns_flags,
                      struct nsinit_join *j, struct nsinit_err *e);
/* Once the intermediate is reaped: the joiner, or the failure (the join is then released). */
int nsinit_join_finish(struct nsinit_join *j, struct nsinit_spawned *out, struct nsinit_err *e);
/* When the intermediate cannot be watched: kill and reap it (and a joiner it made), release. */
void nsinit_join_abandon(struct nsinit_join *j);
int nsinit_spawn_prepare(struct nsinit_plan *plan, struct nsinit_err *e);
typedef void (*nsinit_child_fn)(struct nsinit_plan *plan, int sync, void *arg);
int nsinit_spawn_clone(struct nsinit_plan *plan, uint64_t flags, nsinit_child_fn child, void *arg,
                       struct nsinit_spawned *out, struct nsinit_err *e);
void nsinit_spawn_unprepare(struct nsinit_plan *plan);

/* spawner.c: one long-lived thread, all signals blocked, that runs queued jobs in order (the
 * binding's asynchronous start and join clone there, never on the event loop). */
typedef void (*nsinit_spawner_fn)(void *arg);
int nsinit_spawner_submit(nsinit_spawner_fn fn, void *arg, struct nsinit_err *e);

/* watch.c: one epoll thread for every watched pidfd and sync socket. */
enum { NSINIT_WATCH_EXIT = 1, NSINIT_WATCH_SYNC = 2, NSINIT_WATCH_JOIN = 3 };
struct nsinit_watch_result {
  int kind;
  int err; /* errno if watching failed */
  const char *syscall;
  int exit_code; /* EXIT: -1 if signalled */
  int signal;    /* EXIT: 0 if exited */
  bool failed;   /* SYNC: a failure record arrived */
  /* SYNC: a LISTENER record arrived: the seccomp listener fd it carried, and the watcher's own
   * copy of the sync socket, handed over (not closed) so the caller can watch it again. Both -1
   * otherwise; whoever receives them closes them. */
  int listener_fd;
  int sync_fd;
  struct nsinit_record rec;
};
typedef void (*nsinit_watch_cb)(void *ctx, const struct nsinit_watch_result *r);
int nsinit_watch_add(int fd, int kind, nsinit_watch_cb cb, void *ctx, struct nsinit_err *e);

/* proc.c */
int nsinit_proc_pidfd_open(pid_t pid, struct nsinit_err *e);
int nsinit_proc_pidfd_signal(int pidfd, int sig, struct nsinit_err *e); /* 1 sent, 0 gone */
int nsinit_proc_start_time(pid_t pid, char *out, size_t outlen,
                           struct nsinit_err *e); /* 1/0 gone */
/* Where this process's argv and environment strings live (what /proc/<pid>/cmdline and environ
 * show); zero ranges when unknown. */
struct nsinit_mm {
  unsigned long arg_start, arg_end, env_start, env_end;
};
int nsinit_proc_self_mm(struct nsinit_mm *mm);
bool nsinit_proc_is_main_thread(void);
int nsinit_proc_pipe(int fds[2], struct nsinit_err *e);
int nsinit_proc_close(int fd, struct nsinit_err *e);
int nsinit_proc_try_lock(int fd, struct nsinit_err *e); /* 1 locked, 0 busy */
int nsinit_proc_mount(const char *src, const char *tgt, const char *fstype, unsigned long flags,
                      const char *data, struct nsinit_err *e);
int nsinit_proc_umount(const char *tgt, int flags, struct nsinit_err *e);

/* gate.c: the OCI start gate (a listening AF_UNIX socket) and the console socket. */
int nsinit_gate_listen(const char *path, struct nsinit_err *e);
int nsinit_gate_connect(const char *path, struct nsinit_err *e);
int nsinit_gate_send_fd(const char *path, int fd, const char *name, struct nsinit_err *e);
int nsinit_gate_await(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e);
/* pty.c */
/* pidfd < 0: our own /dev/ptmx; else the one in the root of `pid` (a live container process). */
int nsinit_pty_open(int pidfd, int pid, int *master, int *slave, struct nsinit_err *e);
int nsinit_pty_get_winsize(int fd, unsigned *cols, unsigned *rows, struct nsinit_err *e);
int nsinit_pty_set_winsize(int fd, unsigned cols, unsigned rows, struct nsinit_err *e);
struct termios;
int nsinit_pty_get_termios(int fd, struct termios *t, struct nsinit_err *e);
int nsinit_pty_set_termios(int fd, const struct termios *t, struct nsinit_err *e);
/* Saves the current modes in *saved, then applies cfmakeraw(3) semantics. */
int nsinit_pty_make_raw(int fd, struct termios *saved, struct nsinit_err *e);

/* netlink.c */
int nsinit_netlink_open(int ns_fd, struct nsinit_err *e);
int nsinit_netlink_send(int fd, const void *buf, size_t len, struct nsinit_err *e);
/* Returns the datagram length (may exceed cap: call again with a bigger buffer), -1 on error. */
ssize_t nsinit_netlink_peek(int fd, struct nsinit_err *e);
ssize_t nsinit_netlink_recv(int fd, void *buf, size_t cap, struct nsinit_err *e);

/* bpf.c: one device rule; type 'a', 'b' or 'c', major/minor -1 for any, access BPF_DEVCG_ACC_*
 * bits (mknod 1, read 2, write 4). */
#define NSINIT_DEV_RULES_MAX 256
struct nsinit_dev_rule {
  char type;
  int32_t major;
  int32_t minor;
  uint32_t access;
  bool allow;
};
/* Load the rules (default deny, later rules win) as a BPF_CGROUP_DEVICE program and attach it to
 * the cgroup directory with BPF_F_ALLOW_MULTI. */
int nsinit_bpf_device_filter(const char *cgroup_dir, const struct nsinit_dev_rule *rules,
                             size_t count, struct nsinit_err *e);

/* tables.c */
struct nsinit_const {
  const char *name;
  int64_t value;
};
extern const struct nsinit_const nsinit_capabilities[];
extern const struct nsinit_const nsinit_rlimits[];
extern const struct nsinit_const nsinit_constants[];

#ifdef __cplusplus
}
#endif
#endif
