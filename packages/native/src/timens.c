/* Time namespace: unshare(CLONE_NEWTIME) makes a namespace for the caller's children and for its
 * own next execve (exec switches the time namespace along with the new mm) without moving the
 * caller in, so its clock offsets can still be written: the kernel freezes them when the first
 * process enters (time_namespaces(7)).
 * The offsets go to /proc/<our pid>/timens_offsets, which names the namespace for children, while
 * this process still holds CAP_SYS_TIME. Runs first in the walk, before the rootfs is bound, so
 * /proc is still the host's own procfs; it is verified anyway (a procfs mount root) and the file
 * is opened beneath it without magic links or mount crossings. Man pages: unshare(2),
 * time_namespaces(7), proc(5). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int nsinit_timens_enter(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  (void)c;
  if (unshare(CLONE_NEWTIME) < 0) return nsinit_err_set(e, errno, "unshare", "time namespace");
  if (s->value[0] == 0) return 0;
  int proc = open("/proc", O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (proc < 0) return nsinit_err_set(e, errno, "open", "/proc");
  if (nsinit_sysctl_verify_proc(proc, "/proc", e)) {
    close(proc);
    return -1;
  }
  /* "self" is procfs's own symlink to "<tgid>" (not a magic link): it stays beneath /proc. */
  int self = nsinit_sys_openat2(proc, "self", O_DIRECTORY | O_RDONLY | O_CLOEXEC,
                                RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
  close(proc);
  if (self < 0) return nsinit_err_set(e, errno, "openat2", "/proc/self");
  int rc = nsinit_sysctl_proc_write(self, "timens_offsets", s->value, "timens_offsets", e);
  close(self);
  return rc;
}
