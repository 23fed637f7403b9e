/* Small process and file primitives for the runtime: pidfds, start time from /proc/<pid>/stat,
 * pipes, close, non-blocking exclusive locks, and mount/umount for tests and cleanup.
 * Man pages: pidfd_open(2), pidfd_send_signal(2), proc(5) (stat field 22), flock(2), mount(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <unistd.h>

int nsinit_proc_pidfd_open(pid_t pid, struct nsinit_err *e)
{
  int fd = nsinit_sys_pidfd_open(pid, 0); /* pidfds are always close-on-exec */
  if (fd < 0) return nsinit_err_set(e, errno, "pidfd_open", NULL);
  return fd;
}

int nsinit_proc_pidfd_signal(int pidfd, int sig, struct nsinit_err *e)
{
  if (nsinit_sys_pidfd_send_signal(pidfd, sig) == 0) return 1;
  if (errno == ESRCH) return 0;
  return nsinit_err_set(e, errno, "pidfd_send_signal", NULL);
}

int nsinit_proc_start_time(pid_t pid, char *out, size_t outlen, struct nsinit_err *e)
{
  char path[64], buf[1024];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ESRCH) return 0;
    return nsinit_err_set(e, errno, "open", "/proc/<pid>/stat");
  }
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  int err = errno;
  close(fd);
  if (n < 0) return err == ESRCH ? 0 : nsinit_err_set(e, err, "read", "/proc/<pid>/stat");
  buf[n] = 0;
  /* comm (field 2) may contain spaces and ')': fields restart after the LAST ')'. */
  char *p = strrchr(buf, ')');
  if (p == NULL) return nsinit_err_set(e, EPROTO, "read", "/proc/<pid>/stat");
  /* p is on the ')' ending field 2; each step lands on the space before the next field. */
  for (int field = 2; field < 22 && p; field++) {
    p = strchr(p + 1, ' ');
  }
  if (p == NULL) return nsinit_err_set(e, EPROTO, "read", "/proc/<pid>/stat");
  p++;
  size_t len = strcspn(p, " \n");
  if (len == 0 || len >= outlen) return nsinit_err_set(e, EPROTO, "read", "/proc/<pid>/stat");
  memcpy(out, p, len);
  out[len] = 0;
  return 1;
}

int nsinit_proc_pipe(int fds[2], struct nsinit_err *e)
{
  if (pipe2(fds, O_CLOEXEC) < 0) return nsinit_err_set(e, errno, "pipe2", NULL);
  return 0;
}

int nsinit_proc_close(int fd, struct nsinit_err *e)
{
  if (close(fd) < 0 && errno != EINTR) return nsinit_err_set(e, errno, "close", NULL);
  return 0;
}

int nsinit_proc_try_lock(int fd, struct nsinit_err *e)
{
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 1;
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return 0;
    return nsinit_err_set(e, errno, "flock", NULL);
  }
}

int nsinit_proc_mount(const char *src, const char *tgt, const char *fstype, unsigned long flags,
                      const char *data, struct nsinit_err *e)
{
  if (mount(src, tgt, fstype, flags, data) < 0) return nsinit_err_set(e, errno, "mount", src);
  return 0;
}

int nsinit_proc_umount(const char *tgt, int flags, struct nsinit_err *e)
{
  if (umount2(tgt, flags) < 0) return nsinit_err_set(e, errno, "umount2", tgt);
  return 0;
}
