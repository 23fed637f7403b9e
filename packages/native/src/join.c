/* join: enter the namespaces of a live process through its pidfd (so a recycled pid can never be
 * joined). setns(2) into a mount namespace needs a single-threaded caller, so a short-lived
 * intermediate child does setns(pidfd, flags) (Linux >= 5.8, all namespaces in one atomic call),
 * then clone3 with CLONE_PARENT: the grandchild is created inside the target's PID namespace but is
 * OUR child (its exit signal is the intermediate's SIGCHLD, so plain waitid(P_PIDFD) reaps it).
 * The intermediate reports the grandchild's pid on the sync socket and exits.
 * Man pages: setns(2), clone(2), pidfd_open(2), PR_SET_DUMPABLE in prctl(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Zero [start, end) of our own (copy-on-write) memory. volatile: the stores must happen even
 * though nothing in this process reads the bytes again. */
static void wipe(unsigned long start, unsigned long end)
{
  if (start == 0 || end <= start || end - start > (64UL << 20)) return;
  for (volatile char *p = (volatile char *)start; p < (volatile char *)end; p++)
    *p = 0;
}

__attribute__((noreturn)) static void intermediate(struct nsinit_plan *plan, int target,
                                                   uint32_t ns, int sync,
                                                   const struct nsinit_mm *mm)
{
  struct nsinit_err e = {0};
  /* Non-dumpable before touching the container: its PID 1 must not ptrace or read /proc/<pid>/
   * of a process that still holds host fds (CVE-2016-9962). Dumpable resets at execve. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* /proc/<pid>/environ and cmdline read the process's own memory, and a container process with
   * CAP_SYS_ADMIN may read them even from a non-dumpable process. Until execve ours hold the
   * supervisor's argv and environment (its secrets): blank them before entering the container.
   * The exec step uses the plan's own envp, never these strings. */
  wipe(mm->env_start, mm->env_end);
  wipe(mm->arg_start, mm->arg_end);
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (setns(target, (int)ns) < 0) {
    nsinit_err_set(&e, errno, "setns", NULL);
    nsinit_sync_fail(sync, -1, NSINIT_OP_SETUP, &e);
    nsinit_sys_exit(1);
  }
  struct clone_args args;
  memset(&args, 0, sizeof(args));
  args.flags = CLONE_PARENT;
  long pid = nsinit_sys_clone3(&args);
  if (pid == 0) {
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    nsinit_child_main(plan, sync);
  }
  if (pid < 0) {
    nsinit_err_set(&e, errno, "clone3", NULL);
    nsinit_sync_fail(sync, -1, NSINIT_OP_SETUP, &e);
    nsinit_sys_exit(1);
  }
  nsinit_sync_pid(sync, (pid_t)pid);
  nsinit_sys_exit(0);
}

static void reap(int pidfd)
{
  siginfo_t si;
  while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR) {
  }
  close(pidfd);
}

struct join_arg {
  int target;
  uint32_t ns;
  struct nsinit_mm mm;
};

__attribute__((noreturn)) static void join_child(struct nsinit_plan *plan, int sync, void *arg)
{
  const struct join_arg *j = arg;
  intermediate(plan, j->target, j->ns, sync, &j->mm);
}

int nsinit_join_start(struct nsinit_plan *plan, int target_pidfd, uint32_t ns_flags,
                      struct nsinit_spawned *out, struct nsinit_err *e)
{
  struct join_arg j = {.target = target_pidfd, .ns = ns_flags};
  nsinit_proc_self_mm(&j.mm); /* best effort: unknown ranges are simply not wiped */
  struct nsinit_spawned mid;
  if (nsinit_spawn_clone(plan, CLONE_PIDFD, join_child, &j, &mid, e)) return -1;
  int mid_pidfd = mid.pidfd;
  int sv0 = mid.sync;
  int err;

  struct nsinit_record rec;
  int r = nsinit_sync_read(sv0, &rec, e);
  reap(mid_pidfd);
  if (r == 1 && rec.kind == NSINIT_REC_PID && rec.pid > 0) {
    /* Race-free: the grandchild is our un-reaped child, its pid cannot be recycled yet. */
    int pidfd = nsinit_sys_pidfd_open(rec.pid, 0);
    if (pidfd < 0) {
      err = errno;
      close(sv0);
      return nsinit_err_set(e, err, "pidfd_open", NULL);
    }
    out->pid = rec.pid;
    out->pidfd = pidfd;
    out->sync = sv0;
    return 0;
  }
  close(sv0);
  if (r == 1 && rec.kind == NSINIT_REC_FAILURE) {
    static char syscall_name[NSINIT_REC_SYSCALL];
    memcpy(syscall_name, rec.syscall, sizeof(syscall_name));
    return nsinit_err_set(e, rec.err, syscall_name, NULL);
  }
  if (r == 1 || r == 0) return nsinit_err_set(e, EPROTO, "read", NULL);
  return -1;
}
