/* spawn: clone3(2) with the plan's namespace flags and CLONE_PIDFD, fork-like (no CLONE_VM, the
 * child runs on a copy-on-write copy of our stack with this one thread), with every signal blocked
 * around the clone so no Node handler can run in the child before it resets dispositions. The
 * parent keeps one end of a CLOEXEC socketpair; the child waits on the other for GO.
 * Man pages: clone(2) (clone3), pidfd_open(2), pthread_sigmask(3), socketpair(2), open_tree(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int nsinit_spawn_prepare(struct nsinit_plan *plan, struct nsinit_err *e)
{
  plan->cap_last_cap = (uint32_t)nsinit_caps_last_cap();
  plan->console_tree = -1;
  plan->pidns_fd = -1;
  plan->nearly = 0;
  for (uint32_t i = 0; i < plan->nsteps; i++) {
    const struct nsinit_step *s = &plan->steps[i];
    /* The decoder admits each of the five types once. */
    if (s->op == NSINIT_OP_SETNS_EARLY && plan->nearly < 5) {
      plan->early_fd[plan->nearly] = s->fd;
      plan->early_type[plan->nearly++] = s->nstype;
    }
    /* setns(CLONE_NEWPID) only changes where the caller's *children* go, so joining a PID
     * namespace by path must happen before the clone, in the parent (see nsinit_spawn_clone). */
    if (s->op == NSINIT_OP_SETNS && s->nstype == CLONE_NEWPID) plan->pidns_fd = s->fd;
    if (plan->steps[i].op != NSINIT_OP_CONSOLE) continue;
    /* Clone the pty slave's mount here, in our (the host's) mount namespace: the child's new
     * namespace could not clone a mount it does not own, but may attach a detached one. */
    plan->console_tree = nsinit_sys_open_tree(plan->console_fd, "",
                                              AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (plan->console_tree < 0) return nsinit_err_set(e, errno, "open_tree", "consoleFd");
  }
  return 0;
}

void nsinit_spawn_unprepare(struct nsinit_plan *plan)
{
  if (plan->console_tree >= 0) close(plan->console_tree);
  plan->console_tree = -1;
}

/* The namespaces the cloning thread holds for one clone: its own ones to return to. */
struct entered {
  uint32_t n;
  int own[6];
  uint32_t type[6];
};

static const char *thread_ns(uint32_t type)
{
  switch (type) {
  case CLONE_NEWNET:
    return "/proc/thread-self/ns/net";
  case CLONE_NEWIPC:
    return "/proc/thread-self/ns/ipc";
  case CLONE_NEWUTS:
    return "/proc/thread-self/ns/uts";
  case CLONE_NEWCGROUP:
    return "/proc/thread-self/ns/cgroup";
  default:
    return "/proc/thread-self/ns/pid"; /* the active one: where children went before */
  }
}

/* Back to our own namespaces, last entered first: always allowed (they are the ones we had). */
static void leave(struct entered *ent)
{
  while (ent->n > 0) {
    ent->n--;
    setns(ent->own[ent->n], (int)ent->type[ent->n]);
    close(ent->own[ent->n]);
  }
}

static int enter_one(struct entered *ent, int fd, uint32_t type, struct nsinit_err *e)
{
  int own = open(thread_ns(type), O_RDONLY | O_CLOEXEC);
  if (own < 0) return nsinit_err_set(e, errno, "open", thread_ns(type));
  if (setns(fd, (int)type) < 0) {
    int err = errno;
    close(own);
    return nsinit_err_set(e, err, "setns", "namespace entered before clone");
  }
  ent->own[ent->n] = own;
  ent->type[ent->n++] = type;
  return 0;
}

static int enter_around(const struct nsinit_plan *plan, struct entered *ent, struct nsinit_err *e)
{
  ent->n = 0;
  if (plan->pidns_fd >= 0 && enter_one(ent, plan->pidns_fd, CLONE_NEWPID, e)) return -1;
  for (uint32_t i = 0; i < plan->nearly; i++) {
    if (enter_one(ent, plan->early_fd[i], plan->early_type[i], e)) {
      leave(ent);
      return -1;
    }
  }
  return 0;
}

/* The start shared by spawn and join: a CLOEXEC socketpair, the pre-clone preparation, then
 * clone3 with every signal blocked so no Node handler can run in the child before it resets
 * dispositions. The child runs `child` with its socket end and never returns; the parent gets
 * the pid, the pidfd (when `flags` has CLONE_PIDFD) and its socket end. */
int nsinit_spawn_clone(struct nsinit_plan *plan, uint64_t flags, nsinit_child_fn child, void *arg,
                       struct nsinit_spawned *out, struct nsinit_err *e)
{
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return nsinit_err_set(e, errno, "socketpair", NULL);
  if (nsinit_spawn_prepare(plan, e)) {
    close(sv[0]);
    close(sv[1]);
    return -1;
  }

  int pidfd = -1;
  struct clone_args args;
  memset(&args, 0, sizeof(args));
  args.flags = flags;
  args.pidfd = (uint64_t)(uintptr_t)&pidfd;
  args.exit_signal = SIGCHLD; /* libuv only waitpid()s its own pids, so this is harmless */

  /* Joining a PID namespace, and the setns-early namespaces: this thread is pointed at them for
   * the one clone and back at its own right after (setns(2) changes only the calling thread; for
   * a PID namespace only where its children go). */
  struct entered ent;
  if (enter_around(plan, &ent, e)) {
    nsinit_spawn_unprepare(plan);
    close(sv[0]);
    close(sv[1]);
    return -1;
  }

  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  long pid = nsinit_sys_clone3(&args);
  if (pid == 0) {
    close(sv[0]);
    child(plan, sv[1], arg);
  }
  int err = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  leave(&ent);
  nsinit_spawn_unprepare(plan);
  close(sv[1]);
  if (pid < 0) {
    close(sv[0]);
    return nsinit_err_set(e, err, "clone3", NULL);
  }
  out->pid = (pid_t)pid;
  out->pidfd = pidfd;
  out->sync = sv[0];
  return 0;
}

__attribute__((noreturn)) static void container_child(struct nsinit_plan *plan, int sync, void *arg)
{
  (void)arg;
  nsinit_child_main(plan, sync);
}

int nsinit_spawn_start(struct nsinit_plan *plan, struct nsinit_spawned *out, struct nsinit_err *e)
{
  return nsinit_spawn_clone(plan, plan->clone_flags | CLONE_PIDFD, container_child, NULL, out, e);
}
