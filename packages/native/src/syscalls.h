/* Raw syscall wrappers for what glibc 2.36 lacks or must not be used for after clone3(2):
 * glibc's set*id wrappers broadcast to threads the child no longer has, so the child calls the
 * kernel directly. syscall(2) itself only sets errno, which is async-signal-safe.
 * Man pages: clone(2), openat2(2), open_tree(2), move_mount(2), fsopen(2), mount_setattr(2). */
#ifndef NSINIT_SYSCALLS_H
#define NSINIT_SYSCALLS_H

#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline long nsinit_sys_clone3(struct clone_args *args)
{
  return syscall(SYS_clone3, args, sizeof(*args));
}

static inline int nsinit_sys_openat2(int dirfd, const char *path, int flags,
                                     unsigned long long resolve)
{
  struct open_how how = {.flags = (unsigned long long)flags, .mode = 0, .resolve = resolve};
  return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static inline int nsinit_sys_open_tree(int dirfd, const char *path, unsigned int flags)
{
  return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

static inline int nsinit_sys_move_mount(int from_fd, const char *from, int to_fd, const char *to,
                                        unsigned int flags)
{
  return (int)syscall(SYS_move_mount, from_fd, from, to_fd, to, flags);
}

static inline int nsinit_sys_fsopen(const char *fstype, unsigned int flags)
{
  return (int)syscall(SYS_fsopen, fstype, flags);
}

static inline int nsinit_sys_fsconfig(int fd, unsigned int cmd, const char *key, const void *value,
                                      int aux)
{
  return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int nsinit_sys_fsmount(int fd, unsigned int flags, unsigned int attrs)
{
  return (int)syscall(SYS_fsmount, fd, flags, attrs);
}

static inline int nsinit_sys_mount_setattr(int dirfd, const char *path, unsigned int flags,
                                           struct mount_attr *attr)
{
  return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr, sizeof(*attr));
}

static inline int nsinit_sys_pivot_root(const char *new_root, const char *put_old)
{
  return (int)syscall(SYS_pivot_root, new_root, put_old);
}

static inline int nsinit_sys_pidfd_open(pid_t pid, unsigned int flags)
{
  return (int)syscall(SYS_pidfd_open, pid, flags);
}

static inline int nsinit_sys_pidfd_send_signal(int pidfd, int sig)
{
  return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static inline int nsinit_sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
  return (int)syscall(SYS_close_range, first, last, flags);
}

__attribute__((noreturn)) static inline void nsinit_sys_exit(int code)
{
  syscall(SYS_exit_group, code);
  __builtin_unreachable();
}

#endif
