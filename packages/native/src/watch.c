/* Supervision without blocking Node: ONE lazily started thread per process waits in epoll(7) on
 * every watched pidfd (readable when the process exits, then reaped with waitid(P_PIDFD)) and
 * every sync socket (a failure record, a seccomp listener fd, or EOF when the child exec'd).
 * Results go to a callback (binding.cc forwards them to JS with a thread-safe function). No SIGCHLD
 * handler and no waitpid(-1): Node's own children are never touched. The watcher owns what it
 * watches: it dups the fd on registration and closes its copy on delivery, so a caller that closes
 * or reuses its fd number can never make it reap another child or close another file. Man pages:
 * epoll_ctl(2), waitid(2), pidfd_open(2), fcntl(2) F_DUPFD_CLOEXEC. */
#include "nsinit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct entry {
  int fd;
  int kind;
  nsinit_watch_cb cb;
  void *ctx;
  size_t got;
  struct nsinit_watch_result res;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int epfd = -1;

/* Returns true when the entry is finished (res filled). */
static bool on_exit_ready(struct entry *en)
{
  siginfo_t si;
  memset(&si, 0, sizeof(si));
  if (waitid((idtype_t)P_PIDFD, (id_t)en->fd, &si, WEXITED | WNOHANG) < 0) {
    if (errno == EINTR) return false;
    en->res.err = errno;
    en->res.syscall = "waitid";
    return true;
  }
  if (si.si_pid == 0) return false; /* not exited yet */
  if (si.si_code == CLD_EXITED) {
    en->res.exit_code = si.si_status;
    en->res.signal = 0;
  } else {
    en->res.exit_code = -1;
    en->res.signal = si.si_status;
  }
  return true;
}

/* An fd passed with SCM_RIGHTS alongside the record (a seccomp listener): kept once, any other
 * closed, so a confused or hostile sender can never make us hold descriptors. */
static void take_fds(struct entry *en, struct msghdr *msg)
{
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
      if (en->res.listener_fd < 0 && en->got == 0)
        en->res.listener_fd = fd;
      else
        close(fd);
    }
  }
}

static void drop_listener(struct entry *en)
{
  if (en->res.listener_fd >= 0) close(en->res.listener_fd);
  en->res.listener_fd = -1;
}

static bool on_sync_ready(struct entry *en)
{
  char *buf = (char *)&en->res.rec;
  for (;;) {
    char cbuf[CMSG_SPACE(4 * sizeof(int))];
    struct iovec iov = {.iov_base = buf + en->got, .iov_len = sizeof(en->res.rec) - en->got};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    ssize_t n = recvmsg(en->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    /* ECONNRESET: the child died with our GO byte unread; like EOF, its exit status tells. */
    if (n < 0 && errno == ECONNRESET) n = 0;
    if (n < 0) {
      en->res.err = errno;
      en->res.syscall = "recv";
      drop_listener(en);
      return true;
    }
    if (n > 0) take_fds(en, &msg);
    if (n == 0) {
      /* EOF: the sync socket is CLOEXEC in the child, so execve succeeded (or it died). */
      if (en->got != 0) {
        en->res.err = EPROTO;
        en->res.syscall = "recv";
      }
      drop_listener(en);
      return true;
    }
    en->got += (size_t)n;
    if (en->got == sizeof(en->res.rec)) {
      struct nsinit_record *rec = &en->res.rec;
      if (rec->magic == NSINIT_REC_MAGIC && rec->kind == NSINIT_REC_FAILURE) {
        rec->syscall[NSINIT_REC_SYSCALL - 1] = 0;
        rec->path[NSINIT_REC_PATH - 1] = 0;
        en->res.failed = true;
        drop_listener(en);
      } else if (rec->magic == NSINIT_REC_MAGIC && rec->kind == NSINIT_REC_LISTENER &&
                 en->res.listener_fd >= 0) {
        en->res.sync_fd = en->fd; /* handed over with the listener, see loop() */
      } else {
        en->res.err = EPROTO;
        en->res.syscall = "recv";
        drop_listener(en);
      }
      return true;
    }
  }
}

static void *loop(void *arg)
{
  (void)arg;
  struct epoll_event evs[16];
  for (;;) {
    int n = epoll_wait(epfd, evs, 16, -1);
    if (n < 0) continue; /* EINTR */
    for (int i = 0; i < n; i++) {
      struct entry *en = evs[i].data.ptr;
      /* EXIT and JOIN (a join's intermediate) both wait for a process to exit and reap it. */
      bool done = en->kind == NSINIT_WATCH_SYNC ? on_sync_ready(en) : on_exit_ready(en);
      if (!done) continue;
      epoll_ctl(epfd, EPOLL_CTL_DEL, en->fd, NULL);
      /* Our own copy: the caller's number may be reused by now. A listener record hands it to
       * the callback instead, to be watched again for the rest of the start. */
      if (en->res.sync_fd != en->fd) close(en->fd);
      en->cb(en->ctx, &en->res);
      free(en);
    }
  }
  return NULL;
}

static int start_locked(struct nsinit_err *e)
{
  if (epfd >= 0) return 0;
  int fd = epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return nsinit_err_set(e, errno, "epoll_create1", NULL);
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  /* The watcher must not take signals meant for Node's own handlers. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  epfd = fd;
  int rc = pthread_create(&t, &attr, loop, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    close(fd);
    epfd = -1;
    return nsinit_err_set(e, rc, "pthread_create", NULL);
  }
  return 0;
}

int nsinit_watch_add(int fd, int kind, nsinit_watch_cb cb, void *ctx, struct nsinit_err *e)
{
  /* Our own reference to the open file: epoll(7) drops a registration when the last fd of its
   * file closes, and waitid(P_PIDFD) takes an fd NUMBER, so watching the caller's fd would let
   * its close (or its reuse for another pidfd) lose this child or reap an unrelated one. */
  int own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (own < 0) return nsinit_err_set(e, errno, "fcntl", NULL);
  struct entry *en = calloc(1, sizeof(*en));
  if (en == NULL) {
    close(own);
    return nsinit_err_set(e, ENOMEM, "calloc", NULL);
  }
  en->fd = own;
  en->kind = kind;
  en->cb = cb;
  en->ctx = ctx;
  en->res.kind = kind;
  en->res.listener_fd = -1;
  en->res.sync_fd = -1;
  pthread_mutex_lock(&lock);
  int rc = start_locked(e);
  pthread_mutex_unlock(&lock);
  if (rc) {
    close(own);
    free(en);
    return -1;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = en};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, own, &ev) < 0) {
    int err = errno;
    close(own);
    free(en);
    return nsinit_err_set(e, err, "epoll_ctl", NULL);
  }
  return 0;
}
