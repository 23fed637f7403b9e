/* Container paths resolved by fd inside the rootfs, never by string on the host: openat2(2) with
 * RESOLVE_IN_ROOT makes "/" and ".." stop at the rootfs and RESOLVE_NO_MAGICLINKS refuses
 * /proc/self/fd/N jumps; missing components are created one at a time with mkdirat(2) relative to
 * an already-resolved parent, so a symlink planted in the image can never redirect a create
 * outside (CVE-2021-30465, CVE-2024-45310 classes). Man pages: openat2(2), mkdirat(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned long long resolve_flags(bool no_symlinks)
{
  return RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (no_symlinks ? RESOLVE_NO_SYMLINKS : 0);
}

static int root_fd(struct nsinit_child *c, struct nsinit_err *e)
{
  if (c->rootfd < 0) {
    /* Without a rootfs step (a join) the container root is our current "/". */
    c->rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (c->rootfd < 0) return nsinit_err_set(e, errno, "open", "/");
  }
  return c->rootfd;
}

int nsinit_path_open(struct nsinit_child *c, const char *target, bool no_symlinks, int oflags,
                     struct nsinit_err *e)
{
  int root = root_fd(c, e);
  if (root < 0) return -1;
  int fd =
      nsinit_sys_openat2(root, target, O_PATH | O_CLOEXEC | oflags, resolve_flags(no_symlinks));
  if (fd < 0) return nsinit_err_set(e, errno, "openat2", target);
  return fd;
}

static char mk_buf[NSINIT_MAX_PATH + 1];

int nsinit_path_mkdirs(struct nsinit_child *c, const char *target, bool no_symlinks, uint32_t mode,
                       struct nsinit_err *e)
{
  int root = root_fd(c, e);
  if (root < 0) return -1;
  unsigned long long rf = resolve_flags(no_symlinks);
  int fd = nsinit_sys_openat2(root, target, O_PATH | O_DIRECTORY | O_CLOEXEC, rf);
  if (fd >= 0) return fd;
  if (errno != ENOENT) return nsinit_err_set(e, errno, "openat2", target);

  size_t len = strlen(target);
  memcpy(mk_buf, target, len + 1);
  int prev = nsinit_sys_openat2(root, "/", O_PATH | O_DIRECTORY | O_CLOEXEC, rf);
  if (prev < 0) return nsinit_err_set(e, errno, "openat2", "/");
  size_t i = 0;
  while (i < len) {
    while (i < len && mk_buf[i] == '/')
      i++;
    if (i >= len) break;
    size_t start = i;
    while (i < len && mk_buf[i] != '/')
      i++;
    char saved = mk_buf[i];
    mk_buf[i] = 0;
    fd = nsinit_sys_openat2(root, mk_buf, O_PATH | O_DIRECTORY | O_CLOEXEC, rf);
    if (fd < 0 && errno == ENOENT) {
      /* One component, relative to a directory already resolved inside the root: mkdirat never
       * follows a symlink in its last component (EEXIST), and the reopen below re-checks. */
      if (mkdirat(prev, mk_buf + start, mode) < 0 && errno != EEXIST) {
        int err = errno;
        close(prev);
        return nsinit_err_set(e, err, "mkdirat", target);
      }
      fd = nsinit_sys_openat2(root, mk_buf, O_PATH | O_DIRECTORY | O_CLOEXEC, rf);
    }
    if (fd < 0) {
      int err = errno;
      close(prev);
      return nsinit_err_set(e, err, "openat2", target);
    }
    mk_buf[i] = saved;
    close(prev);
    prev = fd;
  }
  return prev;
}

static char parent_buf[NSINIT_MAX_PATH + 1];

int nsinit_path_parent(struct nsinit_child *c, const char *target, bool no_symlinks,
                       uint32_t mkdir_mode, const char **name, struct nsinit_err *e)
{
  size_t len = strlen(target);
  memcpy(parent_buf, target, len + 1);
  while (len > 1 && parent_buf[len - 1] == '/')
    parent_buf[--len] = 0;
  char *slash = strrchr(parent_buf, '/');
  if (slash == NULL || slash[1] == 0 || strcmp(slash + 1, ".") == 0)
    return nsinit_err_set(e, EINVAL, "openat2", target);
  *name = slash + 1;
  /* Keep the leading "/" for a top-level name; the name stays NUL-terminated after the cut. */
  if (slash == parent_buf) {
    static char root_only[2] = "/";
    if (mkdir_mode) return nsinit_path_mkdirs(c, root_only, no_symlinks, mkdir_mode, e);
    return nsinit_path_open(c, root_only, no_symlinks, O_DIRECTORY, e);
  }
  *slash = 0;
  int fd = mkdir_mode ? nsinit_path_mkdirs(c, parent_buf, no_symlinks, mkdir_mode, e)
                      : nsinit_path_open(c, parent_buf, no_symlinks, O_DIRECTORY, e);
  if (fd < 0) e->path = target;
  return fd;
}
