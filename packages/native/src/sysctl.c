/* sysctl: one value written below /proc/sys after the container's /proc is mounted, through a
 * descriptor chain that cannot be redirected: /proc must be the root of a procfs mount, and the
 * file is opened beneath it without following symlinks or crossing any mount, then checked to be
 * procfs again. A bind mount or a fake file over the target would otherwise turn the write into
 * one on a host file (CVE-2019-16884, CVE-2025-52881 class). Man pages: sysctl(8), proc(5),
 * openat2(2) (RESOLVE_NO_XDEV), fstatfs(2), statx(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static char key_buf[NSINIT_MAX_PATH + 8];

static int is_procfs(int fd, const char *path, struct nsinit_err *e)
{
  struct statfs sfs;
  if (fstatfs(fd, &sfs) < 0) return nsinit_err_set(e, errno, "fstatfs", path);
  if (sfs.f_type != PROC_SUPER_MAGIC) return nsinit_err_set(e, EXDEV, "fstatfs", path);
  return 0;
}

static int is_mount_root(int fd, const char *path, struct nsinit_err *e)
{
  struct statx stx;
  if (statx(fd, "", AT_EMPTY_PATH, 0, &stx) < 0) return nsinit_err_set(e, errno, "statx", path);
  if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
      !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
    return nsinit_err_set(e, EXDEV, "statx", path);
  return 0;
}

int nsinit_sysctl_verify_proc(int fd, const char *path, struct nsinit_err *e)
{
  return is_procfs(fd, path, e) || is_mount_root(fd, path, e) ? -1 : 0;
}

int nsinit_sysctl_proc_root(struct nsinit_child *c, struct nsinit_err *e)
{
  int proc = nsinit_path_open(c, "/proc", true, O_DIRECTORY, e);
  if (proc < 0) return -1;
  if (nsinit_sysctl_verify_proc(proc, "/proc", e)) {
    close(proc);
    return -1;
  }
  return proc;
}

int nsinit_sysctl_proc_write(int proc, const char *rel, const char *value, const char *what,
                             struct nsinit_err *e)
{
  int rc = -1;
  int fd = nsinit_sys_openat2(proc, rel, O_WRONLY | O_CLOEXEC | O_NOCTTY,
                              RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
                                  RESOLVE_NO_XDEV);
  if (fd < 0) return nsinit_err_set(e, errno, "openat2", what);
  if (is_procfs(fd, what, e)) goto out;
  size_t len = strlen(value);
  /* A /proc file takes the whole value in one write; a short write is an error. */
  ssize_t w = write(fd, value, len);
  if (w < 0) {
    nsinit_err_set(e, errno, "write", what);
    goto out;
  }
  if ((size_t)w != len) {
    nsinit_err_set(e, EIO, "write", what);
    goto out;
  }
  rc = 0;
out:
  close(fd);
  return rc;
}

int nsinit_sysctl_write(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  int proc = nsinit_sysctl_proc_root(c, e);
  if (proc < 0) return -1;
  size_t n = strlen(s->target);
  memcpy(key_buf, "sys/", 4);
  memcpy(key_buf + 4, s->target, n + 1);
  int rc = nsinit_sysctl_proc_write(proc, key_buf, s->value, s->target, e);
  close(proc);
  return rc;
}
