/* NETLINK_ROUTE sockets bound inside another network namespace: a socket keeps the netns it was
 * created in, so a short-lived pthread does setns(fd, CLONE_NEWNET) (a netns fd or a pidfd),
 * creates and binds the socket, and exits, leaving Node's threads untouched. Receives time out
 * (SO_RCVTIMEO) instead of hanging. Man pages: netlink(7), rtnetlink(7), setns(2). */
#include "nsinit.h"

#include <errno.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct open_job {
  int ns_fd;
  int fd;
  struct nsinit_err e;
};

static void open_socket(struct open_job *j)
{
  if (j->ns_fd >= 0 && setns(j->ns_fd, CLONE_NEWNET) < 0) {
    nsinit_err_set(&j->e, errno, "setns", NULL);
    return;
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    nsinit_err_set(&j->e, errno, "socket", NULL);
    return;
  }
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  struct timeval tv = {.tv_sec = 5, .tv_usec = 0};
  int one = 1;
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
      setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) < 0) {
    nsinit_err_set(&j->e, errno, "bind", NULL);
    close(fd);
    return;
  }
  j->fd = fd;
}

static void *open_thread(void *arg)
{
  open_socket(arg);
  return NULL;
}

int nsinit_netlink_open(int ns_fd, struct nsinit_err *e)
{
  struct open_job j = {.ns_fd = ns_fd, .fd = -1};
  if (ns_fd < 0) {
    open_socket(&j);
  } else {
    pthread_t t;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&t, NULL, open_thread, &j);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) return nsinit_err_set(e, rc, "pthread_create", NULL);
    pthread_join(t, NULL);
  }
  if (j.fd < 0) {
    *e = j.e;
    return -1;
  }
  return j.fd;
}

int nsinit_netlink_send(int fd, const void *buf, size_t len, struct nsinit_err *e)
{
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  for (;;) {
    ssize_t n = sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return nsinit_err_set(e, errno, "sendto", NULL);
    if ((size_t)n != len) return nsinit_err_set(e, EMSGSIZE, "sendto", NULL);
    return 0;
  }
}

static int recv_err(struct nsinit_err *e)
{
  int err = errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno;
  return nsinit_err_set(e, err, "recvmsg", NULL);
}

ssize_t nsinit_netlink_peek(int fd, struct nsinit_err *e)
{
  for (;;) {
    ssize_t n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return recv_err(e);
    return n;
  }
}

ssize_t nsinit_netlink_recv(int fd, void *buf, size_t cap, struct nsinit_err *e)
{
  for (;;) {
    ssize_t n = recv(fd, buf, cap, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return recv_err(e);
    return n;
  }
}
