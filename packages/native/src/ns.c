/* Namespace files named by a config (OCI linux.namespaces[].path), opened by the parent before
 * clone: first with O_PATH, so a FIFO or a device is never opened for reading, checked with
 * fstatfs(2) to be on nsfs, then reopened through /proc/self/fd for setns(2) and asked its type
 * with NS_GET_NSTYPE. Man pages: setns(2), ioctl_ns(2), statfs(2), open(2). */
#include "nsinit.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

int nsinit_ns_open(const char *path, uint32_t *nstype, struct nsinit_err *e)
{
  int pfd = open(path, O_PATH | O_CLOEXEC);
  if (pfd < 0) return nsinit_err_set(e, errno, "open", path);
  struct statfs sfs;
  if (fstatfs(pfd, &sfs) < 0) {
    int err = errno;
    close(pfd);
    return nsinit_err_set(e, err, "fstatfs", path);
  }
  if (sfs.f_type != NSFS_MAGIC) {
    close(pfd);
    /* Not a namespace file (a regular file, a FIFO, a directory, a bind mount of something else).
     */
    return nsinit_err_set(e, EINVAL, "fstatfs", path);
  }
  char self[32];
  snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
  int fd = open(self, O_RDONLY | O_CLOEXEC);
  int err = errno;
  close(pfd);
  if (fd < 0) return nsinit_err_set(e, err, "open", path);
  int type = ioctl(fd, NS_GET_NSTYPE);
  if (type < 0) {
    err = errno;
    close(fd);
    return nsinit_err_set(e, err, "ioctl", path);
  }
  *nstype = (uint32_t)type;
  return fd;
}
