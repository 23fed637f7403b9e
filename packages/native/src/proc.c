/* Small process and file primitives for the runtime: pidfds, start time from /proc/<pid>/stat,
 * pipes, close, non-blocking exclusive locks, and mount/umount for tests and cleanup.
 * Man pages: pidfd_open(2), pidfd_send_signal(2), proc(5) (stat field 22), flock(2), mount(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/syscall.h>
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

/* Reads /proc/<pid>/stat (or /proc/self/stat for pid 0) into buf; 1, 0 if the process is gone. */
static int read_stat(pid_t pid, char *buf, size_t size, struct nsinit_err *e)
{
  char path[64];
  if (pid == 0)
    snprintf(path, sizeof(path), "/proc/self/stat");
  else
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ESRCH) return 0;
    return nsinit_err_set(e, errno, "open", "/proc/<pid>/stat");
  }
  ssize_t n = read(fd, buf, size - 1);
  int err = errno;
  close(fd);
  if (n < 0) return err == ESRCH ? 0 : nsinit_err_set(e, err, "read", "/proc/<pid>/stat");
  buf[n] = 0;
  return 1;
}

/* Field n (1-based, n >= 3) of a stat line. comm (field 2) may contain spaces and ')': fields
 * restart after the LAST ')', and each step lands on the space before the next field. */
static const char *stat_field(const char *buf, int n)
{
  const char *p = strrchr(buf, ')');
  for (int field = 2; field < n && p; field++)
    p = strchr(p + 1, ' ');
  return p ? p + 1 : NULL;
}

int nsinit_proc_start_time(pid_t pid, char *out, size_t outlen, struct nsinit_err *e)
{
  char buf[2048];
  int r = read_stat(pid, buf, sizeof(buf), e);
  if (r <= 0) return r;
  const char *p = stat_field(buf, 22);
  if (p == NULL) return nsinit_err_set(e, EPROTO, "read", "/proc/<pid>/stat");
  size_t len = strcspn(p, " \n");
  if (len == 0 || len >= outlen) return nsinit_err_set(e, EPROTO, "read", "/proc/<pid>/stat");
  memcpy(out, p, len);
  out[len] = 0;
  return 1;
}

int nsinit_proc_self_mm(struct nsinit_mm *mm)
{
  char buf[2048];
  struct nsinit_err e = {0};
  memset(mm, 0, sizeof(*mm));
  if (read_stat(0, buf, sizeof(buf), &e) != 1) return -1;
  /* Fields 48-51: arg_start arg_end env_start env_end (proc(5), Linux >= 3.5). */
  unsigned long v[4];
  for (int i = 0; i < 4; i++) {
    const char *p = stat_field(buf, 48 + i);
    if (p == NULL) return -1;
    v[i] = strtoul(p, NULL, 10);
  }
  if (v[0] < v[1]) mm->arg_start = v[0], mm->arg_end = v[1];
  if (v[2] < v[3]) mm->env_start = v[2], mm->env_end = v[3];
  return 0;
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

/* The thread-group leader is the thread whose id is the process id. A child's parent-death
 * signal follows the THREAD that cloned it (prctl(2) PR_SET_PDEATHSIG): cloned from any other
 * thread, the child is killed when that thread exits, not when the process does. */
bool nsinit_proc_is_main_thread(void)
{
  return syscall(SYS_gettid) == getpid();
}
