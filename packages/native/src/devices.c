/* Device nodes, symlinks and directories created in the container's /dev (or anywhere in the
 * rootfs): each is made with one *at() call relative to a parent directory resolved inside the
 * rootfs, so a /dev that is a symlink to the host cannot receive them (CVE-2026-41579 class).
 * Man pages: mknodat(2), symlinkat(2), mkdirat(2), fchownat(2), makedev(3). */
#include "nsinit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

int nsinit_devices_mknod(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  const char *name;
  int pfd = nsinit_path_parent(c, s->target, false, 0755, &name, e);
  if (pfd < 0) return -1;
  /* makedev() is the kernel's new_encode_dev: (major << 8) | (minor & 0xff) | (minor & ~0xff) << 12
   * for the 12-bit majors and 20-bit minors the decoder admits, the same as libcontainer 2014. */
  int r = mknodat(pfd, name, s->mode, makedev(s->major, s->minor));
  int err = errno;
  close(pfd);
  if (r < 0 && err != EEXIST) return nsinit_err_set(e, err, "mknodat", s->target);
  return 0;
}

int nsinit_devices_symlink(struct nsinit_child *c, const struct nsinit_step *s,
                           struct nsinit_err *e)
{
  const char *name;
  int pfd = nsinit_path_parent(c, s->target, false, 0755, &name, e);
  if (pfd < 0) return -1;
  int r = symlinkat(s->value, pfd, name);
  int err = errno;
  close(pfd);
  if (r < 0 && err != EEXIST) return nsinit_err_set(e, err, "symlinkat", s->target);
  return 0;
}

int nsinit_devices_mkdir(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  const char *name;
  int pfd = nsinit_path_parent(c, s->target, false, 0755, &name, e);
  if (pfd < 0) return -1;
  int r = mkdirat(pfd, name, s->mode);
  int err = errno;
  close(pfd);
  if (r < 0 && err != EEXIST) return nsinit_err_set(e, err, "mkdirat", s->target);
  return 0;
}

int nsinit_devices_chown(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  const char *name;
  int pfd = nsinit_path_parent(c, s->target, false, 0, &name, e);
  if (pfd < 0) return -1;
  /* AT_SYMLINK_NOFOLLOW: a symlink at the target is changed itself, never what it points to. */
  int r = fchownat(pfd, name, s->uid, s->gid, AT_SYMLINK_NOFOLLOW);
  int err = errno;
  close(pfd);
  if (r < 0) return nsinit_err_set(e, err, "fchownat", s->target);
  return 0;
}
