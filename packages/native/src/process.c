/* The per-process steps of the child: setns, hostname, domainname, personality, rlimits, umask,
 * no-new-privs, cwd, session and controlling tty, parent-death signal, dumpable, close-on-exec of
 * stray fds, and execve with execvp-like candidate search. Man pages: sethostname(2), prlimit(2),
 * setsid(2), tty_ioctl(4), prctl(2), close_range(2), execve(2), setns(2), setdomainname(2),
 * personality(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int do_chdir(struct nsinit_child *c, const char *path, struct nsinit_err *e)
{
  /* Resolved inside the container root without magic links: a cwd of /proc/self/fd/N (a leaked
   * host directory, CVE-2024-21626) is refused instead of followed. */
  int fd = nsinit_path_open(c, path, false, O_DIRECTORY, e);
  if (fd < 0) {
    e->syscall = "chdir";
    return -1;
  }
  int r = fchdir(fd);
  int err = errno;
  close(fd);
  if (r < 0) return nsinit_err_set(e, err, "chdir", path);
  return 0;
}

/* A new container inherits every fd of its supervisor (clone3 without CLONE_FILES copies the
 * table). A supervisor watching hundreds of containers holds a pidfd, the exit watcher's copy and
 * a lifetime lock for each, and open(2) returns the lowest free fd, which must be below
 * RLIMIT_NOFILE: with those still open, the container's own limit (set by the rlimit steps just
 * before) would fail every later open with EMFILE (the working directory, the start gate's
 * accept4, a hook's pipe). So they are closed now, keeping the fds passed through, the sync
 * socket, the root directory and every fd a later step names. */
#define NSINIT_KEEP_MAX 64
static void keep_fd(int *keep, unsigned int *n, bool *overflow, int fd, unsigned int lo)
{
  if (fd < 0 || (unsigned int)fd < lo) return;
  if (*n == NSINIT_KEEP_MAX) {
    *overflow = true;
    return;
  }
  unsigned int i = (*n)++;
  while (i > 0 && keep[i - 1] > fd) { /* ascending, no duplicates needed */
    keep[i] = keep[i - 1];
    i--;
  }
  keep[i] = fd;
}

static int close_inherited(struct nsinit_child *c, const struct nsinit_step *s,
                           struct nsinit_err *e)
{
  int keep[NSINIT_KEEP_MAX];
  unsigned int n = 0;
  bool overflow = false;
  unsigned int lo = 3 + s->mode;
  keep_fd(keep, &n, &overflow, c->sync, lo);
  keep_fd(keep, &n, &overflow, c->rootfd, lo);
  const struct nsinit_plan *p = c->plan;
  for (uint32_t i = (uint32_t)(s - p->steps) + 1; i < p->nsteps; i++) {
    const struct nsinit_step *t = &p->steps[i];
    keep_fd(keep, &n, &overflow, t->fd, lo);
    keep_fd(keep, &n, &overflow, t->out_fd, lo);
    keep_fd(keep, &n, &overflow, t->keep_fd[0], lo);
    keep_fd(keep, &n, &overflow, t->keep_fd[1], lo);
  }
  if (overflow) return 0; /* more than a plan ever names: close-on-exec alone, as before */
  for (unsigned int i = 0; i < n; i++) {
    unsigned int k = (unsigned int)keep[i];
    if (k > lo && nsinit_sys_close_range(lo, k - 1, 0) < 0)
      return nsinit_err_set(e, errno, "close_range", NULL);
    if (k >= lo) lo = k + 1;
  }
  if (nsinit_sys_close_range(lo, ~0U, 0) < 0) return nsinit_err_set(e, errno, "close_range", NULL);
  return 0;
}

int nsinit_process_step(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  switch (s->op) {
  case NSINIT_OP_SETNS:
    if (setns(s->fd, (int)s->nstype) < 0) return nsinit_err_set(e, errno, "setns", NULL);
    return 0;
  case NSINIT_OP_HOSTNAME:
    if (syscall(SYS_sethostname, s->path, strlen(s->path)) < 0)
      return nsinit_err_set(e, errno, "sethostname", s->path);
    return 0;
  case NSINIT_OP_DOMAINNAME:
    if (syscall(SYS_setdomainname, s->path, strlen(s->path)) < 0)
      return nsinit_err_set(e, errno, "setdomainname", s->path);
    return 0;
  case NSINIT_OP_UNSHARE:
    if (unshare((int)s->flags) < 0) return nsinit_err_set(e, errno, "unshare", NULL);
    return 0;
  case NSINIT_OP_PERSONALITY:
    /* Inherited across execve: a LINUX32 domain makes uname(2) report a 32-bit machine. */
    if (syscall(SYS_personality, (unsigned long)s->persona) < 0)
      return nsinit_err_set(e, errno, "personality", NULL);
    return 0;
  case NSINIT_OP_RLIMIT: {
    struct rlimit64 rl = {
        .rlim_cur = s->soft < 0 ? RLIM64_INFINITY : (rlim64_t)s->soft,
        .rlim_max = s->hard < 0 ? RLIM64_INFINITY : (rlim64_t)s->hard,
    };
    if (s->hard == NSINIT_RLIM_KEEP) {
      /* Only the soft limit is ours to choose; raising the hard one needs CAP_SYS_RESOURCE. */
      struct rlimit64 old;
      if (syscall(SYS_prlimit64, 0, s->resource, NULL, &old) < 0)
        return nsinit_err_set(e, errno, "getrlimit", NULL);
      rl.rlim_max = old.rlim_max;
      if (rl.rlim_cur > old.rlim_max) rl.rlim_cur = old.rlim_max;
    }
    if (syscall(SYS_prlimit64, 0, s->resource, &rl, NULL) < 0)
      return nsinit_err_set(e, errno, "setrlimit", NULL);
    return 0;
  }
  case NSINIT_OP_UMASK:
    umask((mode_t)s->mode);
    return 0;
  case NSINIT_OP_NO_NEW_PRIVS:
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
      return nsinit_err_set(e, errno, "prctl", "PR_SET_NO_NEW_PRIVS");
    return 0;
  case NSINIT_OP_CHDIR:
    return do_chdir(c, s->path, e);
  case NSINIT_OP_SESSION:
    if (setsid() < 0) return nsinit_err_set(e, errno, "setsid", NULL);
    if (s->ctty && ioctl(0, TIOCSCTTY, 0) < 0)
      return nsinit_err_set(e, errno, "ioctl", "TIOCSCTTY");
    return 0;
  case NSINIT_OP_PDEATHSIG:
    /* The identity step keeps the signal armed across the uid switch itself (identity.c); this
     * step sets the one the runtime asks for. */
    if (prctl(PR_SET_PDEATHSIG, s->signal, 0, 0, 0) < 0)
      return nsinit_err_set(e, errno, "prctl", "PR_SET_PDEATHSIG");
    return 0;
  case NSINIT_OP_DUMPABLE:
    if (prctl(PR_SET_DUMPABLE, s->on ? 1 : 0, 0, 0, 0) < 0)
      return nsinit_err_set(e, errno, "prctl", "PR_SET_DUMPABLE");
    return 0;
  case NSINIT_OP_CLOSE_FDS:
    /* CLOEXEC first: what stays open (the sync socket, whose EOF tells the parent the execve
     * succeeded, and the fds of later steps) must still not survive execve. */
    if (nsinit_sys_close_range(3 + s->mode, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
      return nsinit_err_set(e, errno, "close_range", NULL);
    if (close_inherited(c, s, e)) return -1;
    /* The fds the caller asked to pass through (OCI --preserve-fds) survive execve as given. */
    for (uint32_t i = 0; i < s->mode; i++)
      if (fcntl((int)(3 + i), F_SETFD, 0) < 0 && errno != EBADF)
        return nsinit_err_set(e, errno, "fcntl", NULL);
    return 0;
  default:
    return nsinit_err_set(e, EINVAL, "plan", NULL);
  }
}

int nsinit_process_exec(const struct nsinit_step *s, struct nsinit_err *e)
{
  const char *eacces = NULL;
  int last = ENOENT;
  for (char *const *cand = s->candidates; *cand; cand++) {
    execve(*cand, s->argv, s->envp);
    int err = errno;
    if (err == EACCES) {
      if (eacces == NULL) eacces = *cand;
      continue;
    }
    if (err == ENOENT || err == ENOTDIR) {
      last = err;
      continue;
    }
    return nsinit_err_set(e, err, "execve", *cand);
  }
  if (eacces != NULL) return nsinit_err_set(e, EACCES, "execve", eacces);
  /* Nothing matched: a bare name is reported as given (execve 'nosuch'), a path as the path. */
  const char *arg0 = s->argv[0];
  const char *report = strchr(arg0, '/') == NULL ? arg0 : s->candidates[0];
  return nsinit_err_set(e, last, "execve", report);
}
