/* The OCI start gate and the console socket, over AF_UNIX stream sockets. `create` leaves the
 * container's init blocked in accept(2) on a listening socket the runtime bound in its root-only
 * state directory; `start` connects (ECONNREFUSED at once if the init is gone, so it never hangs)
 * and reads the init's failure record or EOF at execve(2). The console socket carries a pty
 * master to the engine with SCM_RIGHTS. Man pages: unix(7), accept(2), cmsg(3), prctl(2). */
#include "nsinit.h"
#include "syscalls.h"

/* Highest fd the fallback closes: Node raises its own soft RLIMIT_NOFILE to the hard limit, but
 * engines start runtimes with far fewer open; 65536 closes cost a few milliseconds. */
#define NSINIT_GATE_MAX_FD 65536u

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static int unix_addr(struct sockaddr_un *sa, const char *path, struct nsinit_err *e)
{
  memset(sa, 0, sizeof(*sa));
  sa->sun_family = AF_UNIX;
  size_t n = strlen(path);
  /* sun_path holds 108 bytes; callers pass /proc/self/fd/N/name to stay short. */
  if (n == 0 || n >= sizeof(sa->sun_path)) return nsinit_err_set(e, ENAMETOOLONG, "bind", path);
  memcpy(sa->sun_path, path, n);
  return 0;
}

int nsinit_gate_listen(const char *path, struct nsinit_err *e)
{
  struct sockaddr_un sa;
  if (unix_addr(&sa, path, e)) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return nsinit_err_set(e, errno, "socket", NULL);
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
    int err = errno;
    close(fd);
    return nsinit_err_set(e, err, "bind", path);
  }
  return fd;
}

int nsinit_gate_connect(const char *path, struct nsinit_err *e)
{
  struct sockaddr_un sa;
  if (unix_addr(&sa, path, e)) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return nsinit_err_set(e, errno, "socket", NULL);
  for (;;) {
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) return fd;
    if (errno == EINTR) continue;
    int err = errno;
    close(fd);
    return nsinit_err_set(e, err, "connect", path);
  }
}

int nsinit_gate_send_fd(const char *path, int fd, const char *name, struct nsinit_err *e)
{
  int s = nsinit_gate_connect(path, e);
  if (s < 0) return -1;
  ssize_t n = nsinit_sendmsg_fd(s, name, strlen(name), fd);
  int err = errno;
  close(s);
  if (n < 0) return nsinit_err_set(e, err, "sendmsg", path);
  return 0;
}

/* In the child, the last step before execve: closing the sync socket tells `create` the init is
 * ready (with this step in the plan EOF cannot mean exec); then wait for `start`. */
int nsinit_gate_await(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  /* OCI: the init outlives `create` (reparented to the engine's subreaper), so the parent-death
   * signal armed at clone is cleared. */
  if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
    return nsinit_err_set(e, errno, "prctl", "PR_SET_PDEATHSIG");
  close(c->sync);
  c->sync = -1;
  /* Hold nothing of `create` while waiting (its lock file, the engine's pipes beyond stdio would
   * otherwise stay open until start): close every fd but stdio, the kept ones, the gate and the
   * files the startContainer hooks use after it. */
  unsigned int lo = 3 + s->mode;
  int keep[3] = {s->fd, s->keep_fd[0], s->keep_fd[1]};
  /* Ascending, so the ranges between them can be closed in one pass. */
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (keep[j] < keep[i]) {
        int t = keep[i];
        keep[i] = keep[j];
        keep[j] = t;
      }
  unsigned int from = lo;
  int failed = 0;
  for (int i = 0; i < 3; i++) {
    if (keep[i] < 0 || (unsigned int)keep[i] < from) continue;
    if ((unsigned int)keep[i] > from &&
        nsinit_sys_close_range(from, (unsigned int)keep[i] - 1, 0) < 0)
      failed = 1;
    from = (unsigned int)keep[i] + 1;
  }
  if (nsinit_sys_close_range(from, ~0U, 0) < 0) failed = 1;
  if (failed) {
    /* A seccomp profile loaded before this step (no no_new_privs: the filter goes on while
     * CAP_SYS_ADMIN is still held) may deny close_range(2), which older profiles do not list:
     * close(2) one by one, up to NSINIT_GATE_MAX_FD. */
    for (unsigned int i = lo; i < NSINIT_GATE_MAX_FD; i++)
      if ((int)i != keep[0] && (int)i != keep[1] && (int)i != keep[2]) close((int)i);
  }
  /* Signals unblocked while waiting (dispositions are SIG_DFL): `kill` of a created container
   * acts on its init, as the spec asks; blocked again so nothing interrupts the last steps. */
  unsigned long all = ~0UL, none = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
  int conn;
  do {
    conn = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
  } while (conn < 0 && errno == EINTR);
  int err = errno;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, sizeof(all));
  close(s->fd);
  if (conn < 0) {
    /* Nobody to report to: the sync socket is closed. The exit status tells `state`. */
    nsinit_err_set(e, err, "accept", NULL);
    return -1;
  }
  /* From here a failure record (and the EOF of a successful execve) goes to `start`. */
  c->sync = conn;
  return 0;
}
