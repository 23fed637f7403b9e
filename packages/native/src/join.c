/* join: enter the namespaces of a live process through its pidfd (so a recycled pid can never be
 * joined). setns(2) into a mount namespace needs a single-threaded caller, so a short-lived
 * intermediate child does setns(pidfd, flags) (Linux >= 5.8, all namespaces in one atomic call),
 * then clone3 with CLONE_PARENT: the joiner is created inside the target's PID namespace but is
 * OUR child (plain waitid(P_PIDFD) reaps it), and the intermediate exits. Nothing here waits: the
 * addon's watcher thread reaps the intermediate (watch.c), then nsinit_join_finish learns the
 * joiner's pid from a MAP_SHARED page the kernel wrote it to (CLONE_PARENT_SETTID) before the
 * intermediate could even return from clone3, so killing the intermediate at any moment leaves
 * neither a hang nor an unknown child. The same path starts a container inside a user namespace
 * joined by path: `target` is then that namespace's fd and the plan's clone flags create the
 * rest below it. Man pages: setns(2), clone(2) (CLONE_PARENT_SETTID),
 * mmap(2), pidfd_open(2), PR_SET_DUMPABLE in prctl(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
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

struct join_arg {
  int target;
  uint32_t ns;
  struct nsinit_mm mm;
  volatile pid_t *tid;
};

__attribute__((noreturn)) static void intermediate(struct nsinit_plan *plan, int sync, void *arg)
{
  const struct join_arg *j = arg;
  struct nsinit_err e = {0};
  /* Non-dumpable before touching the container: its PID 1 must not ptrace or read /proc/<pid>/
   * of a process that still holds host fds (CVE-2016-9962). Dumpable resets at execve. */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  /* /proc/<pid>/environ and cmdline read the process's own memory, and a container process with
   * CAP_SYS_ADMIN may read them even from a non-dumpable process. Until execve ours hold the
   * supervisor's argv and environment (its secrets): blank them before entering the container.
   * The exec step uses the plan's own envp, never these strings. */
  wipe(j->mm.env_start, j->mm.env_end);
  wipe(j->mm.arg_start, j->mm.arg_end);
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (setns(j->target, (int)j->ns) < 0) {
    nsinit_err_set(&e, errno, "setns", NULL);
    nsinit_sync_fail(sync, -1, NSINIT_OP_SETUP, &e);
    nsinit_sys_exit(1);
  }
  struct clone_args args;
  memset(&args, 0, sizeof(args));
  /* CLONE_PARENT_SETTID: the kernel stores the joiner's pid (in our, the host's, PID namespace)
   * in the shared page during the clone itself. */
  args.flags = CLONE_PARENT | CLONE_PARENT_SETTID;
  /* A container started inside a user namespace joined by path (nsinit_join_begin with a user
   * namespace fd): its new namespaces are created here, after the setns above, so that user
   * namespace owns them. A join's plan has no clone flags. */
  args.flags |= plan->clone_flags;
  args.parent_tid = (uint64_t)(uintptr_t)j->tid;
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
  nsinit_sys_exit(0);
}

int nsinit_join_begin(struct nsinit_plan *plan, int target_pidfd, uint32_t ns_flags,
                      struct nsinit_join *j, struct nsinit_err *e)
{
  /* Shared, not copy-on-write: the kernel's store in the intermediate is visible here. */
  void *page = mmap(NULL, sizeof(pid_t), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return nsinit_err_set(e, errno, "mmap", NULL);
  struct join_arg a = {.target = target_pidfd, .ns = ns_flags, .tid = page};
  *a.tid = 0;
  nsinit_proc_self_mm(&a.mm); /* best effort: unknown ranges are simply not wiped */
  struct nsinit_spawned mid;
  if (nsinit_spawn_clone(plan, CLONE_PIDFD, intermediate, &a, &mid, e)) {
    munmap(page, sizeof(pid_t));
    return -1;
  }
  j->mid_pid = mid.pid;
  j->mid_pidfd = mid.pidfd;
  j->sync = mid.sync;
  j->tid = a.tid;
  return 0;
}

static void release(struct nsinit_join *j, bool close_sync)
{
  if (j->tid != NULL) munmap((void *)j->tid, sizeof(pid_t));
  j->tid = NULL;
  if (j->mid_pidfd >= 0) close(j->mid_pidfd);
  j->mid_pidfd = -1;
  if (close_sync && j->sync >= 0) close(j->sync);
  j->sync = -1;
}

int nsinit_join_finish(struct nsinit_join *j, struct nsinit_spawned *out, struct nsinit_err *e)
{
  pid_t tid = *j->tid;
  if (tid > 0) {
    /* Race-free: the joiner is our un-reaped child, its pid cannot be recycled yet. Anything on
     * the sync socket is the joiner's own, for awaitExec. */
    int pidfd = nsinit_sys_pidfd_open(tid, 0);
    if (pidfd < 0) {
      int err = errno;
      release(j, true);
      return nsinit_err_set(e, err, "pidfd_open", NULL);
    }
    out->pid = tid;
    out->pidfd = pidfd;
    out->sync = j->sync;
    release(j, false);
    return 0;
  }
  /* No joiner: the intermediate's failure record, or nothing if it was killed first. */
  struct nsinit_record rec;
  int r = nsinit_sync_read(j->sync, &rec, e);
  release(j, true);
  if (r == 1 && rec.kind == NSINIT_REC_FAILURE) {
    static char syscall_name[NSINIT_REC_SYSCALL];
    memcpy(syscall_name, rec.syscall, sizeof(syscall_name));
    return nsinit_err_set(e, rec.err, syscall_name, NULL);
  }
  if (r < 0) return -1;
  return nsinit_err_set(e, ESRCH, "join", NULL); /* the intermediate died before cloning */
}

static void kill_and_reap(int pidfd)
{
  siginfo_t si;
  nsinit_sys_pidfd_send_signal(pidfd, SIGKILL);
  while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR) {
  }
}

void nsinit_join_abandon(struct nsinit_join *j)
{
  /* Bounded: neither process is in a cgroup that could be frozen, and SIGKILL ends both. */
  kill_and_reap(j->mid_pidfd);
  pid_t tid = *j->tid;
  if (tid > 0) {
    int pidfd = nsinit_sys_pidfd_open(tid, 0);
    if (pidfd >= 0) {
      kill_and_reap(pidfd);
      close(pidfd);
    }
  }
  release(j, true);
}
