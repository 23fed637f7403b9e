/* Idmapped bind mounts, made by the parent before clone: a user namespace that only describes the
 * mapping (a helper cloned with CLONE_NEWUSER whose uid_map/gid_map we write, kept by fd after the
 * helper is killed and reaped) and a detached clone of the source given MOUNT_ATTR_IDMAP. The
 * kernel idmaps only a mount no namespace has seen yet, and only for a caller privileged over the
 * source's superblock (the host's user namespace for a disk filesystem), which a child inside a
 * container user namespace is not: so the child only attaches the finished tree (move_mount).
 * Man pages: mount_setattr(2), user_namespaces(7), clone(2), open_tree(2), waitid(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* /proc/<pid>/{uid,gid}_map take the whole map in one write(2) at offset 0 (user_namespaces(7)). */
static int write_map(pid_t pid, const char *file, const char *text, struct nsinit_err *e)
{
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return nsinit_err_set(e, errno, "open", file);
  size_t len = strlen(text);
  ssize_t n = write(fd, text, len);
  int err = errno;
  close(fd);
  if (n < 0) return nsinit_err_set(e, err, "write", file);
  if ((size_t)n != len) return nsinit_err_set(e, EIO, "write", file);
  return 0;
}

int nsinit_idmap_userns(const char *uid_map, const char *gid_map, struct nsinit_err *e)
{
  memset(e, 0, sizeof(*e));
  if (uid_map[0] == 0 || gid_map[0] == 0) return nsinit_err_set(e, EINVAL, "write", "uid_map");
  int pidfd = -1;
  struct clone_args args;
  memset(&args, 0, sizeof(args));
  args.flags = CLONE_NEWUSER | CLONE_PIDFD;
  args.pidfd = (uint64_t)(uintptr_t)&pidfd;
  args.exit_signal = SIGCHLD; /* libuv only waitpid()s its own pids */

  /* Fork-like, as spawn.c: every signal blocked so no Node handler runs in the helper, which then
   * sleeps with them blocked until the SIGKILL below (or its parent thread's death). */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  long pid = nsinit_sys_clone3(&args);
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    for (;;)
      pause();
  }
  int err = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (pid < 0) return nsinit_err_set(e, err, "clone3", NULL);

  int ns = -1;
  if (write_map((pid_t)pid, "uid_map", uid_map, e) == 0 &&
      write_map((pid_t)pid, "gid_map", gid_map, e) == 0) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/ns/user", pid);
    ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) nsinit_err_set(e, errno, "open", "ns/user");
  }
  /* The namespace outlives the helper through `ns`; the helper is reaped on every path, by its
   * pidfd, so nothing else of ours can be waited for by mistake. */
  nsinit_sys_pidfd_send_signal(pidfd, SIGKILL);
  siginfo_t si;
  while (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
    ;
  close(pidfd);
  return ns;
}

int nsinit_idmap_open_tree(const char *source, bool recursive, uint32_t ms_flags,
                           bool idmap_recursive, const char *uid_map, const char *gid_map,
                           struct nsinit_err *e)
{
  memset(e, 0, sizeof(*e));
  int userns = nsinit_idmap_userns(uid_map, gid_map, e);
  if (userns < 0) return -1;
  int tree = nsinit_sys_open_tree(
      AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
  if (tree < 0) {
    nsinit_err_set(e, errno, "open_tree", source);
    close(userns);
    return -1;
  }
  /* Without AT_RECURSIVE only the top mount of an rbind tree is idmapped (OCI "idmap"); with it
   * every mount below must support idmapping too (OCI "ridmap"), or the whole call fails. */
  struct mount_attr ma = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
  int rc =
      nsinit_sys_mount_setattr(tree, "", AT_EMPTY_PATH | (idmap_recursive ? AT_RECURSIVE : 0), &ma);
  int err = errno;
  close(userns);
  if (rc < 0) {
    nsinit_err_set(e, err, "mount_setattr", source);
    close(tree);
    return -1;
  }
  if (nsinit_mount_set_attrs(tree, nsinit_mount_attrs(ms_flags), ms_flags, recursive, e, source)) {
    close(tree);
    return -1;
  }
  return tree;
}
