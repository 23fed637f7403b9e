/* OCI createContainer and startContainer hooks, run by the container's init in its own namespaces
 * (as runc does): the init forks the hook with clone3(2) CLONE_PIDFD, the hook gets the state file
 * on stdin and the runtime's output file on stdout and stderr, and the init waits on the pidfd with
 * poll(2), killing it after the timeout. Only raw async-signal-safe syscalls (signal-safety(7)).
 * Man pages: clone(2), pidfd_open(2), poll(2), waitid(2), close_range(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Highest fd the fallback closes when close_range(2) is denied (a seccomp profile loaded before a
 * startContainer hook may not list it). */
#define NSINIT_HOOK_MAX_FD 65536u

static void say_errno(const char *what, int err)
{
  char buf[64];
  size_t n = strlen(what);
  if (n > 40) n = 40;
  memcpy(buf, what, n);
  memcpy(buf + n, ": errno ", 8);
  n += 8;
  char digits[12];
  int d = 0;
  unsigned v = (unsigned)err;
  do {
    digits[d++] = (char)('0' + v % 10);
    v /= 10;
  } while (v && d < 11);
  while (d > 0)
    buf[n++] = digits[--d];
  buf[n++] = '\n';
  ssize_t w = write(2, buf, n);
  (void)w;
}

__attribute__((noreturn)) static void hook_child(const struct nsinit_step *s)
{
  /* The hook dies with the init (an aborted create kills the init; without a PID namespace the
   * hook would otherwise be left running on its own). */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (dup2(s->out_fd, 1) < 0 || dup2(s->out_fd, 2) < 0 || dup2(s->fd, 0) < 0) nsinit_sys_exit(126);
  /* Nothing of the runtime (sync socket, start gate, namespace fds, preserved fds) reaches it. */
  if (nsinit_sys_close_range(3, ~0U, 0) < 0)
    for (unsigned int i = 3; i < NSINIT_HOOK_MAX_FD; i++)
      close((int)i);
  nsinit_child_unblock_signals();
  execve(s->path, s->argv, s->envp);
  say_errno("nsinit: execve of the hook failed", errno);
  nsinit_sys_exit(127);
}

/* A failure is reported as the hook's outcome: syscall "exit" with the exit status in errno,
 * "signal" with the signal number, "timeout" with ETIMEDOUT; the runtime turns it into words. */
int nsinit_hook_run(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  (void)c;
  /* Every hook reads the state from its start: the offset is shared with earlier hooks. */
  if (lseek(s->fd, 0, SEEK_SET) < 0) return nsinit_err_set(e, errno, "lseek", s->path);
  /* The output file holds only this hook's output (O_APPEND writes start again at 0), so the
   * runtime quotes the failing hook's own last lines. */
  if (ftruncate(s->out_fd, 0) < 0) return nsinit_err_set(e, errno, "ftruncate", s->path);
  int pidfd = -1;
  struct clone_args args;
  memset(&args, 0, sizeof(args));
  args.flags = CLONE_PIDFD;
  args.pidfd = (uint64_t)(uintptr_t)&pidfd;
  args.exit_signal = SIGCHLD;
  long pid = nsinit_sys_clone3(&args);
  if (pid < 0) return nsinit_err_set(e, errno, "clone3", s->path);
  if (pid == 0) hook_child(s);

  struct pollfd p = {.fd = pidfd, .events = POLLIN};
  int timeout = s->timeout_ms == 0 ? -1 : (int)s->timeout_ms;
  int r;
  do {
    r = poll(&p, 1, timeout);
  } while (r < 0 && errno == EINTR);
  bool timed_out = r == 0;
  if (timed_out) nsinit_sys_pidfd_send_signal(pidfd, SIGKILL);
  siginfo_t si;
  memset(&si, 0, sizeof(si));
  int w;
  do {
    w = waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED);
  } while (w < 0 && errno == EINTR);
  int err = errno;
  close(pidfd);
  if (w < 0) return nsinit_err_set(e, err, "waitid", s->path);
  if (timed_out) return nsinit_err_set(e, ETIMEDOUT, "timeout", s->path);
  if (si.si_code == CLD_EXITED)
    return si.si_status == 0 ? 0 : nsinit_err_set(e, si.si_status, "exit", s->path);
  return nsinit_err_set(e, si.si_status, "signal", s->path);
}
