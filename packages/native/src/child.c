/* The child between clone3(2) and execve(2): arm the parent-death signal, reset the signal state
 * Node left behind, install stdio, wait for GO, then walk the plan's steps in order. Any failure
 * becomes a record on the sync socket and _exit. Only async-signal-safe raw syscalls from here on
 * (signal-safety(7)). Man pages: prctl(2), rt_sigaction(2), dup2(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's sigaction layout (glibc refuses to touch its internal SIGCANCEL/SIGSETXID). */
struct kernel_sigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)(void);
  unsigned long mask;
};

void nsinit_child_reset_signals(void)
{
  /* Node installs handlers and ignores SIGPIPE; an ignored disposition survives execve, so every
   * signal goes back to SIG_DFL here, as libuv's uv_spawn child does. */
  struct kernel_sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.handler = SIG_DFL;
  for (int sig = 1; sig < 65; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    syscall(SYS_rt_sigaction, sig, &sa, NULL, sizeof(sa.mask));
  }
}

void nsinit_child_unblock_signals(void)
{
  unsigned long none = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
}

__attribute__((noreturn)) static void fail(int sync, int32_t step, uint32_t op,
                                           const struct nsinit_err *e)
{
  nsinit_sync_fail(sync, step, op, e);
  nsinit_sys_exit(1);
}

/* Move the child's sync end away from 0..2 before stdio is installed over those numbers. */
static int lift_fd(int fd)
{
  if (fd > 2) return fd;
  int n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  return n < 0 ? fd : n;
}

static int setup_stdio(const struct nsinit_plan *plan, struct nsinit_err *e)
{
  int tmp[3];
  /* Duplicate every source above 2 first: a source may itself be 0..2 and would otherwise be
   * clobbered by an earlier dup2. -1 means /dev/null (opened while "/" is still the host's). */
  for (int i = 0; i < 3; i++) {
    int src = plan->stdio[i];
    if (src < 0) {
      tmp[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
      if (tmp[i] < 0) return nsinit_err_set(e, errno, "open", "/dev/null");
      if (tmp[i] < 3) {
        int n = fcntl(tmp[i], F_DUPFD_CLOEXEC, 3);
        if (n < 0) return nsinit_err_set(e, errno, "fcntl", NULL);
        close(tmp[i]);
        tmp[i] = n;
      }
    } else {
      tmp[i] = fcntl(src, F_DUPFD_CLOEXEC, 3);
      if (tmp[i] < 0) return nsinit_err_set(e, errno, "fcntl", NULL);
    }
  }
  for (int i = 0; i < 3; i++) {
    /* dup2 clears FD_CLOEXEC on the new descriptor, so 0..2 survive execve. */
    if (dup2(tmp[i], i) < 0) return nsinit_err_set(e, errno, "dup2", NULL);
    close(tmp[i]);
  }
  return 0;
}

static int wait_go(int sync)
{
  char b;
  for (;;) {
    ssize_t n = read(sync, &b, 1);
    if (n < 0 && errno == EINTR) continue;
    return n == 1 && b == NSINIT_GO ? 0 : -1;
  }
}

static int run_step(struct nsinit_child *c, uint32_t i, const struct nsinit_step *s,
                    struct nsinit_err *e)
{
  switch (s->op) {
  case NSINIT_OP_PROPAGATION:
    return nsinit_mount_propagation(c, s, e);
  case NSINIT_OP_ROOTFS:
    return nsinit_mount_rootfs(c, s, e);
  case NSINIT_OP_MOUNT:
    return nsinit_mount_fs(c, s, e);
  case NSINIT_OP_BIND:
    return nsinit_mount_bind(c, s, e);
  case NSINIT_OP_IDMAP_BIND:
    return nsinit_mount_idmapped(c, s, e);
  case NSINIT_OP_READONLY:
    return nsinit_mount_readonly(c, s, e);
  case NSINIT_OP_MASK:
    return nsinit_mount_mask(c, s, e);
  case NSINIT_OP_CONSOLE:
    return nsinit_mount_console(c, s, e);
  case NSINIT_OP_PIVOT_ROOT:
    return nsinit_root_pivot(c, e);
  case NSINIT_OP_MOVE_ROOT:
    return nsinit_root_move(c, e);
  case NSINIT_OP_CHROOT:
    return nsinit_root_chroot(c, e);
  case NSINIT_OP_MKNOD:
    return nsinit_devices_mknod(c, s, e);
  case NSINIT_OP_SYMLINK:
    return nsinit_devices_symlink(c, s, e);
  case NSINIT_OP_MKDIR:
    return nsinit_devices_mkdir(c, s, e);
  case NSINIT_OP_CHOWN:
    return nsinit_devices_chown(c, s, e);
  case NSINIT_OP_SYSCTL:
    return nsinit_sysctl_write(c, s, e);
  case NSINIT_OP_LINK_UP:
    return nsinit_link_up(s, e);
  case NSINIT_OP_LSM_LABEL:
    return nsinit_lsm_label(c, s, e);
  case NSINIT_OP_CAPS:
    return nsinit_caps_apply(c->plan, s, e);
  case NSINIT_OP_IDENTITY:
    return nsinit_identity_apply(c, s, e);
  case NSINIT_OP_USERNS_ROOT:
    return nsinit_identity_userns_root(c, s, e);
  case NSINIT_OP_SETNS_EARLY:
    return 0; /* entered by the parent around clone3 (spawn.c): already in it */
  case NSINIT_OP_OPEN_TREE:
    return nsinit_mount_open_tree(s, e);
  case NSINIT_OP_ATTACH_TREE:
    return nsinit_mount_attach_tree(c, s, e);
  case NSINIT_OP_AWAIT_START:
    return nsinit_gate_await(c, s, e);
  case NSINIT_OP_SECCOMP:
    return nsinit_seccomp_load(c, (int32_t)i, s, e);
  case NSINIT_OP_TIMENS:
    return nsinit_timens_enter(c, s, e);
  case NSINIT_OP_HOOK:
    return nsinit_hook_run(c, s, e);
  case NSINIT_OP_EXEC: {
    /* Unblocked only around execve (pending signals carry over to the new program); blocked again
     * if every candidate failed, so nothing cuts us off before the failure record is written. */
    unsigned long all = ~0UL, old = 0;
    nsinit_child_unblock_signals();
    int rc = nsinit_process_exec(s, e);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof(all));
    return rc;
  }
  default:
    return nsinit_process_step(c, s, e);
  }
}

__attribute__((noreturn)) void nsinit_child_main(const struct nsinit_plan *plan, int sync)
{
  struct nsinit_err e = {0};
  struct nsinit_child c = {.plan = plan, .sync = sync, .rootfd = -1};

  /* First: if the supervisor dies from now on, so do we. The read below covers the window
   * before this prctl (the parent's end closes, read returns EOF). */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  nsinit_child_reset_signals();
  c.sync = lift_fd(sync);
  if (setup_stdio(plan, &e)) fail(c.sync, -1, NSINIT_OP_SETUP, &e);
  if (wait_go(c.sync)) nsinit_sys_exit(1);

  for (uint32_t i = 0; i < plan->nsteps; i++) {
    const struct nsinit_step *s = &plan->steps[i];
    memset(&e, 0, sizeof(e));
    if (run_step(&c, i, s, &e)) fail(c.sync, (int32_t)i, s->op, &e);
  }
  /* Unreachable with a valid plan: exec is the last step and never returns on success. */
  nsinit_err_set(&e, EINVAL, "execve", NULL);
  fail(c.sync, (int32_t)plan->nsteps - 1, NSINIT_OP_EXEC, &e);
}
