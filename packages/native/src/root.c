/* Changing the root: pivot_root(".", ".") stacks the old root on top of the new one, and a lazy
 * umount of "." then drops it, so no temporary directory is needed; move-root is the MS_MOVE +
 * chroot fallback for roots that cannot be pivoted (initramfs); chroot alone is for a container
 * set up in the runtime's own mount namespace, where both would move the host's root. Man pages:
 * pivot_root(2), umount2(2), chroot(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

static int reopen_root(struct nsinit_child *c, struct nsinit_err *e)
{
  int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return nsinit_err_set(e, errno, "open", "/");
  if (c->rootfd >= 0) close(c->rootfd);
  c->rootfd = fd;
  return 0;
}

int nsinit_root_pivot(struct nsinit_child *c, struct nsinit_err *e)
{
  if (fchdir(c->rootfd) < 0) return nsinit_err_set(e, errno, "fchdir", "/");
  if (nsinit_sys_pivot_root(".", ".") < 0) return nsinit_err_set(e, errno, "pivot_root", ".");
  /* The old root is now mounted on top of "."; detach it (and every host mount under it). */
  if (umount2(".", MNT_DETACH) < 0) return nsinit_err_set(e, errno, "umount2", ".");
  if (chdir("/") < 0) return nsinit_err_set(e, errno, "chdir", "/");
  return reopen_root(c, e);
}

int nsinit_root_chroot(struct nsinit_child *c, struct nsinit_err *e)
{
  if (fchdir(c->rootfd) < 0) return nsinit_err_set(e, errno, "fchdir", "/");
  if (chroot(".") < 0) return nsinit_err_set(e, errno, "chroot", ".");
  if (chdir("/") < 0) return nsinit_err_set(e, errno, "chdir", "/");
  return reopen_root(c, e);
}

int nsinit_root_move(struct nsinit_child *c, struct nsinit_err *e)
{
  if (fchdir(c->rootfd) < 0) return nsinit_err_set(e, errno, "fchdir", "/");
  if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) return nsinit_err_set(e, errno, "mount", "/");
  if (chroot(".") < 0) return nsinit_err_set(e, errno, "chroot", ".");
  if (chdir("/") < 0) return nsinit_err_set(e, errno, "chdir", "/");
  return reopen_root(c, e);
}
