/* The sync socket between the parent and the child: the parent writes one GO byte; the child (or
 * join's intermediate process) answers only with fixed-size records (a failure, the pid of the
 * joined grandchild, or a seccomp listener fd passed with SCM_RIGHTS, cmsg(3)). The child's end is
 * close-on-exec, so EOF without a record means execve(2) succeeded. Called in the child:
 * write(2)/read(2)/sendmsg(2) only. Man pages: unix(7), socketpair(2). */
#include "nsinit.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void copy_str(char *dst, size_t cap, const char *src)
{
  size_t i = 0;
  if (src != NULL)
    for (; i + 1 < cap && src[i]; i++)
      dst[i] = src[i];
  dst[i] = 0;
}

static void write_all(int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    p += n;
    len -= (size_t)n;
  }
}

/* Static: the child has no heap and a record does not belong on a small stack. */
static struct nsinit_record out_rec;

void nsinit_sync_fail(int fd, int32_t step, uint32_t op, const struct nsinit_err *e)
{
  memset(&out_rec, 0, sizeof(out_rec));
  out_rec.magic = NSINIT_REC_MAGIC;
  out_rec.kind = NSINIT_REC_FAILURE;
  out_rec.step = step;
  out_rec.op = op;
  out_rec.err = e->err;
  copy_str(out_rec.syscall, sizeof(out_rec.syscall), e->syscall);
  copy_str(out_rec.path, sizeof(out_rec.path), e->path);
  write_all(fd, &out_rec, sizeof(out_rec));
}

ssize_t nsinit_sendmsg_fd(int sock, const void *buf, size_t len, int passfd)
{
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof(cbuf));
  struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
  struct msghdr msg = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
  ssize_t n;
  do {
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

int nsinit_sync_send_fd(int fd, int32_t step, int passfd, struct nsinit_err *e)
{
  memset(&out_rec, 0, sizeof(out_rec));
  out_rec.magic = NSINIT_REC_MAGIC;
  out_rec.kind = NSINIT_REC_LISTENER;
  out_rec.step = step;
  out_rec.op = NSINIT_OP_SECCOMP;
  /* One sendmsg(2) with the fd on the record's first bytes (SCM_RIGHTS rides on the stream's
   * data: the receiver gets it with the segment that starts the record). The rest of the record
   * follows with plain writes if the socket took only part of it. */
  ssize_t n = nsinit_sendmsg_fd(fd, &out_rec, sizeof(out_rec), passfd);
  if (n < 0) return nsinit_err_set(e, errno, "sendmsg", "seccomp listener");
  write_all(fd, (const char *)&out_rec + n, sizeof(out_rec) - (size_t)n);
  return 0;
}

int nsinit_sync_go(int fd, struct nsinit_err *e)
{
  char go = NSINIT_GO;
  for (;;) {
    /* MSG_NOSIGNAL: a child that already died must not raise SIGPIPE in Node. Its end being
     * gone (EPIPE) is not our error: its failure record, if any, is already queued for awaitExec.
     */
    ssize_t n = send(fd, &go, 1, MSG_NOSIGNAL);
    if (n == 1) return 0;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) return 0;
    return nsinit_err_set(e, n < 0 ? errno : EPIPE, "write", NULL);
  }
}

/* A record already queued on `fd` (its writer has exited): never waits. 1 = a record, 0 = none. */
int nsinit_sync_read(int fd, struct nsinit_record *rec, struct nsinit_err *e)
{
  size_t got = 0;
  while (got < sizeof(*rec)) {
    ssize_t n = recv(fd, (char *)rec + got, sizeof(*rec) - got, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    /* Nothing queued, or the writer died (ECONNRESET): no record. */
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNRESET) && got == 0)
      return 0;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
      return nsinit_err_set(e, errno, "recv", NULL);
    if (n <= 0) return got == 0 ? 0 : nsinit_err_set(e, EPROTO, "recv", NULL);
    got += (size_t)n;
  }
  if (rec->magic != NSINIT_REC_MAGIC) return nsinit_err_set(e, EPROTO, "recv", NULL);
  rec->syscall[sizeof(rec->syscall) - 1] = 0;
  rec->path[sizeof(rec->path) - 1] = 0;
  return 1;
}
