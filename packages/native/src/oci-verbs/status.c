/* A container's status from the trusted record, as runtime/src/oci/lifecycle.ts decides it: the
 * init is the recorded pid only while /proc/<pid>/stat shows the recorded start time (field 22)
 * and it is not a zombie; `created` while the start gate exists; `paused` while the recorded
 * freezer is not thawed. The per-container lock is flock(2) on <dir>/lock, as lock.ts takes it.
 * Man pages: proc(5), pidfd_open(2), flock(2). */
#include "verbs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

bool nsinit_status_alive(pid_t pid, const char *start)
{
  char path[64], buf[4096];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = 0;
  /* comm (field 2) may hold spaces and parentheses: fields count from the last ')'. */
  char *p = strrchr(buf, ')');
  if (p == NULL || p[1] != ' ') return false;
  p += 2;
  char state = *p;
  /* p is field 3; field 22 is 19 spaces further. */
  for (int i = 0; i < 19 && p; i++) {
    p = strchr(p, ' ');
    if (p) p++;
  }
  if (p == NULL) return false;
  size_t len = strcspn(p, " \n");
  if (len != strlen(start) || strncmp(p, start, len) != 0) return false; /* the pid was reused */
  return state != 'Z' && state != 'X';
}

enum nsinit_oci_status nsinit_status_of(int dirfd, const struct nsinit_oci_record *r)
{
  if (!nsinit_status_alive(r->pid, r->start)) return NSINIT_OCI_STOPPED;
  struct stat st;
  if (fstatat(dirfd, "start.sock", &st, 0) == 0) return NSINIT_OCI_CREATED;
  return r->has_fast_cgroup && nsinit_cgroup_frozen(&r->cg) ? NSINIT_OCI_PAUSED
                                                            : NSINIT_OCI_RUNNING;
}

const char *nsinit_status_name(enum nsinit_oci_status s)
{
  switch (s) {
  case NSINIT_OCI_CREATED:
    return "created";
  case NSINIT_OCI_RUNNING:
    return "running";
  case NSINIT_OCI_PAUSED:
    return "paused";
  default:
    return "stopped";
  }
}

int nsinit_status_open_init(const struct nsinit_oci_record *r)
{
  int fd = (int)syscall(SYS_pidfd_open, r->pid, 0);
  if (fd < 0) return -1;
  /* Checked after opening: a matching start time means the pidfd names the recorded process. */
  if (!nsinit_status_alive(r->pid, r->start)) {
    close(fd);
    return -1;
  }
  return fd;
}

bool nsinit_status_wait_stopped(pid_t pid, const char *start, int timeout_ms)
{
  long long deadline = nsinit_now_ms() + timeout_ms;
  int delay = 1;
  while (nsinit_status_alive(pid, start)) {
    if (nsinit_now_ms() >= deadline) return false;
    nsinit_sleep_ms(delay);
    delay = delay * 2 > 20 ? 20 : delay * 2;
  }
  return true;
}

/* lock.ts lockFile: LOCK_EX polled with backoff for up to 30 s; after locking, the name must still
 * lead to the locked inode (whoever removes the lock file does so holding it). Returns the
 * locked fd (closing it releases the lock), -2 when the container directory is gone. */
int nsinit_status_lock(const struct nsinit_oci_global *g, int dirfd, const char *id)
{
  long long deadline = nsinit_now_ms() + 30000;
  int delay = 1;
  for (;;) {
    int fd = openat(dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == ENOENT) return -2;
      nsinit_log_error(g, "%s: %s, open '%s/%s/lock'", strerror(errno), "cannot lock", g->root, id);
      return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      struct stat a, b;
      if (fstat(fd, &a) == 0 && fstatat(dirfd, "lock", &b, AT_SYMLINK_NOFOLLOW) == 0 &&
          a.st_ino == b.st_ino && a.st_dev == b.st_dev)
        return fd;
      close(fd);
      struct stat d;
      if (fstat(dirfd, &d) == 0 && d.st_nlink == 0) return -2; /* deleted under us */
      continue;
    }
    close(fd);
    if (nsinit_now_ms() >= deadline) {
      nsinit_log_error(g, "timed out after 30000ms waiting for the lock '%s/%s/lock'", g->root, id);
      return -1;
    }
    nsinit_sleep_ms(delay + (int)(nsinit_now_ms() % (delay + 1)));
    delay = delay * 2 > 25 ? 25 : delay * 2;
  }
}
