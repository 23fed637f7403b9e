/* Mounts inside the new mount namespace with the new mount API: fsopen/fsconfig/fsmount for
 * filesystems, open_tree(OPEN_TREE_CLONE) for binds, mount_setattr for read-only and propagation,
 * and move_mount onto an O_PATH fd resolved inside the rootfs (path.c) so no mount can land outside
 * it. Man pages: fsopen(2), fsconfig(2), fsmount(2), open_tree(2), move_mount(2), mount_setattr(2).
 */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

#define MOVE_EMPTY (MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)

unsigned int nsinit_mount_attrs(uint32_t ms)
{
  unsigned int a = 0;
  if (ms & MS_RDONLY) a |= MOUNT_ATTR_RDONLY;
  if (ms & MS_NOSUID) a |= MOUNT_ATTR_NOSUID;
  if (ms & MS_NODEV) a |= MOUNT_ATTR_NODEV;
  if (ms & MS_NOEXEC) a |= MOUNT_ATTR_NOEXEC;
  if (ms & MS_NODIRATIME) a |= MOUNT_ATTR_NODIRATIME;
  if (ms & MS_NOSYMFOLLOW) a |= MOUNT_ATTR_NOSYMFOLLOW;
  if (ms & MS_NOATIME)
    a |= MOUNT_ATTR_NOATIME;
  else if (ms & MS_STRICTATIME)
    a |= MOUNT_ATTR_STRICTATIME;
  return a;
}

/* `ms` is the step's MS_* flags: MS_RELATIME is the atime mode whose attribute value is 0, so it
 * shows only as clearing the atime field. */
int nsinit_mount_set_attrs(int fd, unsigned int attrs, uint32_t ms, bool recursive,
                           struct nsinit_err *e, const char *path)
{
  bool relatime = (ms & MS_RELATIME) && !(attrs & MOUNT_ATTR__ATIME);
  if (attrs == 0 && !relatime) return 0;
  struct mount_attr ma = {.attr_set = attrs};
  /* The atime mode is a 3-bit field: setting one needs the whole field cleared. Every other
   * attribute of the mount is left as it is, so a read-only remount keeps nosuid/nodev/noexec
   * (the kernel refuses to drop them on a mount locked by a less privileged namespace). */
  if ((attrs & MOUNT_ATTR__ATIME) || relatime) ma.attr_clr = MOUNT_ATTR__ATIME;
  if (nsinit_sys_mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &ma) < 0)
    return nsinit_err_set(e, errno, "mount_setattr", path);
  return 0;
}

/* Propagation of an attached mount (MS_PRIVATE etc., with MS_REC for its whole tree); 0 leaves it
 * as the kernel made it (private under our slave or private root). */
static int set_propagation(int fd, uint32_t propagation, struct nsinit_err *e, const char *path)
{
  if (propagation == 0) return 0;
  struct mount_attr ma = {.propagation = propagation & ~(uint32_t)MS_REC};
  int fl = AT_EMPTY_PATH | ((propagation & MS_REC) ? AT_RECURSIVE : 0);
  if (nsinit_sys_mount_setattr(fd, "", fl, &ma) < 0)
    return nsinit_err_set(e, errno, "mount_setattr", path);
  return 0;
}

static int move_onto(int tree, int target_fd, struct nsinit_err *e, const char *path)
{
  if (nsinit_sys_move_mount(tree, "", target_fd, "", MOVE_EMPTY) < 0)
    return nsinit_err_set(e, errno, "move_mount", path);
  return 0;
}

/* /proc targets must really be procfs: an image could have mounted something else there
 * (CVE-2019-16884 class). statfs(2) works on O_PATH descriptors. */
static int check_procfs(int fd, const char *target, struct nsinit_err *e)
{
  if (strncmp(target, "/proc/", 6) != 0) return 0;
  struct statfs sfs;
  if (fstatfs(fd, &sfs) < 0) return nsinit_err_set(e, errno, "fstatfs", target);
  if (sfs.f_type != PROC_SUPER_MAGIC) return nsinit_err_set(e, EXDEV, "fstatfs", target);
  return 0;
}

/* An optional /proc target (a file some kernels lack) may be missing only on the real procfs: on a
 * volume bound over /proc the restriction would silently not apply (CVE-2019-16884 class). */
static int missing_ok(struct nsinit_child *c, const char *target, struct nsinit_err *e)
{
  if (strncmp(target, "/proc/", 6) != 0) return 0;
  int fd = nsinit_path_open(c, "/proc", true, O_DIRECTORY, e);
  if (fd < 0) return -1;
  struct statfs sfs;
  int r = fstatfs(fd, &sfs);
  int err = errno;
  close(fd);
  if (r < 0) return nsinit_err_set(e, err, "fstatfs", "/proc");
  if (sfs.f_type != PROC_SUPER_MAGIC) return nsinit_err_set(e, EXDEV, "fstatfs", "/proc");
  return 0;
}

int nsinit_mount_propagation(struct nsinit_child *c, const struct nsinit_step *s,
                             struct nsinit_err *e)
{
  (void)c;
  /* Without this, mounts made below propagate back into the host's shared "/". */
  if (mount(NULL, "/", NULL, s->flags, NULL) < 0) return nsinit_err_set(e, errno, "mount", "/");
  return 0;
}

int nsinit_mount_rootfs(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  /* pivot_root(2) needs the new root to be a mount point: bind the rootfs onto itself. */
  if (mount(s->path, s->path, NULL, MS_BIND | s->flags, NULL) < 0)
    return nsinit_err_set(e, errno, "mount", s->path);
  int fd = open(s->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return nsinit_err_set(e, errno, "open", s->path);
  if (c->rootfd >= 0) close(c->rootfd);
  c->rootfd = fd;
  return 0;
}

static char data_buf[NSINIT_MAX_PATH + 1];

/* "mode=755,size=65536k,newinstance" -> one fsconfig per option. */
static int apply_data(int fsfd, const char *data, struct nsinit_err *e, const char *target)
{
  size_t len = strlen(data);
  memcpy(data_buf, data, len + 1);
  char *p = data_buf;
  while (*p) {
    char *end = strchr(p, ',');
    if (end) *end = 0;
    if (*p) {
      char *eq = strchr(p, '=');
      int rc;
      if (eq) {
        *eq = 0;
        rc = nsinit_sys_fsconfig(fsfd, FSCONFIG_SET_STRING, p, eq + 1, 0);
      } else {
        rc = nsinit_sys_fsconfig(fsfd, FSCONFIG_SET_FLAG, p, NULL, 0);
      }
      if (rc < 0) return nsinit_err_set(e, errno, "fsconfig", target);
    }
    if (!end) break;
    p = end + 1;
  }
  return 0;
}

int nsinit_mount_fs(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  int fsfd = -1, mfd = -1, tfd = -1, rc = -1;
  fsfd = nsinit_sys_fsopen(s->fstype, FSOPEN_CLOEXEC);
  if (fsfd < 0) {
    nsinit_err_set(e, errno, "fsopen", s->fstype);
    goto out;
  }
  if (s->source[0] && nsinit_sys_fsconfig(fsfd, FSCONFIG_SET_STRING, "source", s->source, 0) < 0) {
    nsinit_err_set(e, errno, "fsconfig", s->target);
    goto out;
  }
  if (apply_data(fsfd, s->data, e, s->target)) goto out;
  if (nsinit_sys_fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
    nsinit_err_set(e, errno, "fsconfig", s->target);
    goto out;
  }
  mfd = nsinit_sys_fsmount(fsfd, FSMOUNT_CLOEXEC, nsinit_mount_attrs(s->flags));
  if (mfd < 0) {
    nsinit_err_set(e, errno, "fsmount", s->target);
    goto out;
  }
  tfd = s->mode ? nsinit_path_mkdirs(c, s->target, s->no_symlinks, s->mode, e)
                : nsinit_path_open(c, s->target, s->no_symlinks, 0, e);
  if (tfd < 0) goto out;
  if (move_onto(mfd, tfd, e, s->target)) goto out;
  rc = set_propagation(mfd, s->propagation, e, s->target);
out:
  if (tfd >= 0) close(tfd);
  if (mfd >= 0) close(mfd);
  if (fsfd >= 0) close(fsfd);
  return rc;
}

/* Open the target, creating it (a directory, or an empty file via mknodat) when missing. */
static int open_or_create(struct nsinit_child *c, const char *target, bool dir,
                          struct nsinit_err *e)
{
  int tfd = nsinit_path_open(c, target, false, 0, e);
  if (tfd >= 0 || e->err != ENOENT) return tfd;
  if (dir) {
    tfd = nsinit_path_mkdirs(c, target, false, 0755, e);
    if (tfd < 0) return -1;
    close(tfd);
  } else {
    const char *name;
    int pfd = nsinit_path_parent(c, target, false, 0755, &name, e);
    if (pfd < 0) return -1;
    /* mknodat creates without opening and never follows a symlink already sitting there. */
    int r = mknodat(pfd, name, S_IFREG | 0644, 0);
    int err = errno;
    close(pfd);
    if (r < 0 && err != EEXIST) return nsinit_err_set(e, err, "mknodat", target);
  }
  return nsinit_path_open(c, target, false, 0, e);
}

/* Attach a detached copy of a bind source (`tree`, closed here) onto the target. */
static int attach(struct nsinit_child *c, int tree, const struct nsinit_step *s,
                  struct nsinit_err *e)
{
  int tfd = -1, rc = -1;
  /* Attributes go on the detached copy, so the mount is read-only from its first instant. */
  if (nsinit_mount_set_attrs(tree, nsinit_mount_attrs(s->flags), s->flags, s->recursive, e,
                             s->target))
    goto out;
  struct stat st;
  if (fstat(tree, &st) < 0) {
    nsinit_err_set(e, errno, "fstat", s->target);
    goto out;
  }
  tfd = open_or_create(c, s->target, S_ISDIR(st.st_mode), e);
  if (tfd < 0) goto out;
  if (move_onto(tree, tfd, e, s->target)) goto out;
  rc = set_propagation(tree, s->propagation, e, s->target);
out:
  if (tfd >= 0) close(tfd);
  close(tree);
  return rc;
}

int nsinit_mount_bind(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  /* The source is a host path: binds run before pivot_root, while "/" is still the host's. */
  int tree = nsinit_sys_open_tree(
      AT_FDCWD, s->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (s->recursive ? AT_RECURSIVE : 0));
  if (tree < 0) return nsinit_err_set(e, errno, "open_tree", s->source);
  return attach(c, tree, s, e);
}

/* Detached copies of bind sources made early, held by slot (fd + 1; 0 = empty) until attached.
 * In a user namespace the sources are copied while the child still has its host ids (before
 * userns-root), so a source below a directory only those ids may search stays reachable, as
 * runc's mount fds make it; the copies are taken in the container's own mount namespace, so the
 * flags the kernel locks there stay locked. */
static int held_trees[NSINIT_MAX_TREES];

int nsinit_mount_open_tree(const struct nsinit_step *s, struct nsinit_err *e)
{
  int tree = nsinit_sys_open_tree(
      AT_FDCWD, s->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (s->recursive ? AT_RECURSIVE : 0));
  if (tree < 0) return nsinit_err_set(e, errno, "open_tree", s->source);
  held_trees[s->slot] = tree + 1;
  return 0;
}

int nsinit_mount_attach_tree(struct nsinit_child *c, const struct nsinit_step *s,
                             struct nsinit_err *e)
{
  int tree = held_trees[s->slot] - 1;
  held_trees[s->slot] = 0;
  /* The decoder admits an attach only after its slot's open-tree; a failed open stopped the walk.
   */
  if (tree < 0) return nsinit_err_set(e, EBADF, "move_mount", s->target);
  return attach(c, tree, s, e);
}

/* An idmapped tree the parent made (idmap.c), its flags already set: only attached here.
 * move_mount(2) attaches a detached mount to the caller's own mount namespace only. */
int nsinit_mount_idmapped(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  return attach(c, s->fd, s, e);
}

static bool is_mount_root(int fd)
{
  struct statx stx;
  if (statx(fd, "", AT_EMPTY_PATH, 0, &stx) < 0) return false;
  return (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
         (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int nsinit_mount_readonly(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  int tfd = -1, tree = -1, rc = -1;
  tfd = nsinit_path_open(c, s->target, false, 0, e);
  if (tfd < 0) return s->optional && e->err == ENOENT ? missing_ok(c, s->target, e) : -1;
  if (check_procfs(tfd, s->target, e)) goto out;
  unsigned int attrs = MOUNT_ATTR_RDONLY | nsinit_mount_attrs(s->flags);
  if (is_mount_root(tfd)) {
    /* Already a mount (/, /sys): change it in place; stacking a copy on "/" would not affect our
     * own root, which stays on the mount underneath. */
    rc = nsinit_mount_set_attrs(tfd, attrs, s->flags, s->recursive, e, s->target);
    goto out;
  }
  /* A subdirectory (/proc/sys): bind a read-only copy of it onto itself. */
  tree = nsinit_sys_open_tree(tfd, "",
                              AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
                                  (s->recursive ? AT_RECURSIVE : 0));
  if (tree < 0) {
    nsinit_err_set(e, errno, "open_tree", s->target);
    goto out;
  }
  if (nsinit_mount_set_attrs(tree, attrs, s->flags, s->recursive, e, s->target)) goto out;
  rc = move_onto(tree, tfd, e, s->target);
out:
  if (tree >= 0) close(tree);
  if (tfd >= 0) close(tfd);
  return rc;
}

int nsinit_mount_mask(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  int tfd = -1, fsfd = -1, mfd = -1, tree = -1, rc = -1;
  tfd = nsinit_path_open(c, s->target, false, 0, e);
  if (tfd < 0) return s->optional && e->err == ENOENT ? missing_ok(c, s->target, e) : -1;
  if (check_procfs(tfd, s->target, e)) goto out;
  struct stat st;
  if (fstat(tfd, &st) < 0) {
    nsinit_err_set(e, errno, "fstat", s->target);
    goto out;
  }
  /* The mask is a fresh private tmpfs we own, never the container's own /dev/null, which the
   * image could have replaced with a symlink into procfs (CVE-2025-31133). */
  fsfd = nsinit_sys_fsopen("tmpfs", FSOPEN_CLOEXEC);
  if (fsfd < 0) {
    nsinit_err_set(e, errno, "fsopen", s->target);
    goto out;
  }
  if (nsinit_sys_fsconfig(fsfd, FSCONFIG_SET_STRING, "mode", "0555", 0) < 0 ||
      nsinit_sys_fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
    nsinit_err_set(e, errno, "fsconfig", s->target);
    goto out;
  }
  unsigned int ro = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  if (S_ISDIR(st.st_mode)) {
    mfd = nsinit_sys_fsmount(fsfd, FSMOUNT_CLOEXEC, ro);
    if (mfd < 0) {
      nsinit_err_set(e, errno, "fsmount", s->target);
      goto out;
    }
    rc = move_onto(mfd, tfd, e, s->target);
    goto out;
  }
  /* A file target needs a file mount: an empty file on the still-writable tmpfs, cloned alone. */
  mfd = nsinit_sys_fsmount(fsfd, FSMOUNT_CLOEXEC, 0);
  if (mfd < 0) {
    nsinit_err_set(e, errno, "fsmount", s->target);
    goto out;
  }
  if (mknodat(mfd, "masked", S_IFREG | 0444, 0) < 0) {
    nsinit_err_set(e, errno, "mknodat", s->target);
    goto out;
  }
  tree = nsinit_sys_open_tree(mfd, "masked", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0) {
    nsinit_err_set(e, errno, "open_tree", s->target);
    goto out;
  }
  if (nsinit_mount_set_attrs(tree, ro, 0, false, e, s->target)) goto out;
  rc = move_onto(tree, tfd, e, s->target);
out:
  if (tree >= 0) close(tree);
  if (mfd >= 0) close(mfd);
  if (fsfd >= 0) close(fsfd);
  if (tfd >= 0) close(tfd);
  return rc;
}

int nsinit_mount_console(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  const char *name;
  int rc = -1, tfd = -1;
  if (c->plan->console_tree < 0) return nsinit_err_set(e, EBADF, "move_mount", s->target);
  int pfd = nsinit_path_parent(c, s->target, false, 0755, &name, e);
  if (pfd < 0) return -1;
  if (mknodat(pfd, name, S_IFREG | 0600, 0) < 0 && errno != EEXIST) {
    nsinit_err_set(e, errno, "mknodat", s->target);
    goto out;
  }
  /* The pty arrives as a mount of the slave fd cloned by the parent (TIOCGPTPEER), never by
   * resolving /dev/pts/N; and a symlink at the target is refused, not followed (CVE-2025-52565). */
  tfd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (tfd < 0) {
    nsinit_err_set(e, errno, "openat", s->target);
    goto out;
  }
  struct stat st;
  if (fstat(tfd, &st) < 0 || S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
    nsinit_err_set(e, S_ISLNK(st.st_mode) ? ELOOP : EISDIR, "openat", s->target);
    goto out;
  }
  rc = move_onto(c->plan->console_tree, tfd, e, s->target);
out:
  if (tfd >= 0) close(tfd);
  close(pfd);
  return rc;
}
