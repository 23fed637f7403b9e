/* OCI createContainer and startContainer hooks, run by the container's init in its own namespaces
 * (as runc does): the init forks the hook with clone3(2) CLONE_PIDFD, the hook gets the state file
 * on stdin and the runtime's output file on stdout and stderr, and the init waits on the pidfd with
 * poll(2), killing it after the timeout. Only raw async-signal-safe syscalls (signal-safety(7)).
 * Man pages: clone(2), pidfd_open(2), poll(2), waitid(2), close_range(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Highest fd the fallback closes when close_range(2) is denied (a seccomp profile loaded before a
 * startContainer hook may not list it). */
#define NSINIT_HOOK_MAX_FD 65536u

/* What of a hook's output reaches the output file under the runtime's state directory: a
 * startContainer hook's binary comes from the container's image, and that directory is on the
 * host (a tmpfs under /run by default), so the init copies at most this much from a pipe and
 * discards the rest rather than letting a hostile hook fill the host's disk or memory. */
#define NSINIT_HOOK_OUTPUT_MAX (64u << 10)

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

__attribute__((noreturn)) static void hook_child(const struct nsinit_step *s, int out)
{
  /* The hook dies with the init (an aborted create kills the init; without a PID namespace the
   * hook would otherwise be left running on its own). */
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (dup2(out, 1) < 0 || dup2(out, 2) < 0 || dup2(s->fd, 0) < 0) nsinit_sys_exit(126);
  /* Nothing of the runtime (sync socket, start gate, namespace fds, preserved fds) reaches it. */
  if (nsinit_sys_close_range(3, ~0U, 0) < 0)
    for (unsigned int i = 3; i < NSINIT_HOOK_MAX_FD; i++)
      close((int)i);
  nsinit_child_unblock_signals();
  execve(s->path, s->argv, s->envp);
  say_errno("nsinit: execve of the hook failed", errno);
  nsinit_sys_exit(127);
}

/* Copies what is in the pipe to the output file, up to the cap; *kept counts what was copied.
 * Returns false once the pipe is empty (EAGAIN) or closed. */
static bool hook_copy(int pipe_fd, int out_fd, size_t *kept)
{
  char buf[4096];
  ssize_t n = read(pipe_fd, buf, sizeof(buf));
  if (n <= 0) return n < 0 && errno == EINTR;
  size_t room = NSINIT_HOOK_OUTPUT_MAX - *kept;
  size_t take = (size_t)n < room ? (size_t)n : room;
  if (take > 0 && write(out_fd, buf, take) == (ssize_t)take) *kept += take;
  return true;
}

static long hook_now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits for the hook's exit (its pidfd turns readable) while copying its output; true when the
 * timeout ran out first. After the exit the pipe is drained once: a descendant of the hook may
 * still hold its write end, so the drain stops at the first empty read, never waiting for EOF. */
static bool hook_wait(int pidfd, int pipe_fd, int out_fd, uint32_t timeout_ms)
{
  size_t kept = 0;
  long deadline = timeout_ms == 0 ? -1 : hook_now_ms() + (long)timeout_ms;
  bool pipe_open = true;
  for (;;) {
    struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
                          {.fd = pipe_open ? pipe_fd : -1, .events = POLLIN}};
    int wait = -1;
    if (deadline >= 0) {
      long left = deadline - hook_now_ms();
      if (left <= 0) return true;
      wait = (int)left;
    }
    int r = poll(p, 2, wait);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return true;
    if (r < 0) return false; /* waitid below reports the hook's end */
    if (p[1].revents) {
      bool more = true;
      for (int i = 0; i < 16 && more; i++)
        more = hook_copy(pipe_fd, out_fd, &kept);
      if (!more && (p[1].revents & POLLHUP)) pipe_open = false;
    }
    if (p[0].revents) break;
  }
  for (int i = 0; i < 64 && hook_copy(pipe_fd, out_fd, &kept); i++)
    ;
  return false;
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
  /* The hook writes into a pipe whose read end only the init holds; O_NONBLOCK on that read end
   * alone (F_SETFL changes one open file description) so the copy loop never waits on it. */
  int out[2];
  if (pipe2(out, O_CLOEXEC) < 0) return nsinit_err_set(e, errno, "pipe2", s->path);
  if (fcntl(out[0], F_SETFL, O_NONBLOCK) < 0) {
    int err = errno;
    close(out[0]);
    close(out[1]);
    return nsinit_err_set(e, err, "fcntl", s->path);
  }
  int pidfd = -1;
  struct clone_args args;
  memset(&args, 0, sizeof(args));
  args.flags = CLONE_PIDFD;
  args.pidfd = (uint64_t)(uintptr_t)&pidfd;
  args.exit_signal = SIGCHLD;
  long pid = nsinit_sys_clone3(&args);
  if (pid < 0) {
    int err = errno;
    close(out[0]);
    close(out[1]);
    return nsinit_err_set(e, err, "clone3", s->path);
  }
  if (pid == 0) hook_child(s, out[1]);
  close(out[1]);

  bool timed_out = hook_wait(pidfd, out[0], s->out_fd, s->timeout_ms);
  close(out[0]);
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
