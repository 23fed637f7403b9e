/* seccomp, child side: install the BPF program the parent compiled (seccomp-compile.c) with
 * seccomp(2) SECCOMP_SET_MODE_FILTER, and hand a user-notification listener (SCMP_ACT_NOTIFY,
 * seccomp_unotify(2)) to the parent over the sync socket. Installing a filter needs no_new_privs or
 * CAP_SYS_ADMIN in the effective set (seccomp(2) "EACCES"): the plan places this step after
 * `no-new-privs`, or, without it, before the capability step — where a non-root identity switch has
 * already cleared the effective set, so CAP_SYS_ADMIN is raised again from the permitted set first
 * (capset(2); the capability step that follows sets the final sets). Async-signal-safe: raw
 * syscalls only. */
#include "nsinit.h"

#include <errno.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int raise_sys_admin(struct nsinit_err *e)
{
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) < 0) return nsinit_err_set(e, errno, "capget", "seccomp");
  uint32_t bit = 1u << (CAP_SYS_ADMIN % 32);
  int word = CAP_SYS_ADMIN / 32;
  if (d[word].effective & bit) return 0;
  if (!(d[word].permitted & bit)) return 0; /* seccomp(2) will say EACCES */
  d[word].effective |= bit;
  if (syscall(SYS_capset, &h, d) < 0) return nsinit_err_set(e, errno, "capset", "seccomp");
  return 0;
}

int nsinit_seccomp_load(struct nsinit_child *c, int32_t step, const struct nsinit_step *s,
                        struct nsinit_err *e)
{
  if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 && raise_sys_admin(e) < 0) return -1;
  struct sock_fprog prog = {
      .len = (unsigned short)(s->blob_len / sizeof(struct sock_filter)),
      .filter = (struct sock_filter *)(uintptr_t)s->blob,
  };
  long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s->flags, &prog);
  if (rc < 0) return nsinit_err_set(e, errno, "seccomp", "seccomp");
  if (!(s->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) return 0;
  /* The listener fd (close-on-exec) goes to the parent, which hands it to the agent at the
   * profile's listenerPath: the container path cannot reach that socket, and only the parent
   * knows the container's state. The profile may not notify on sendmsg or write (validation
   * refuses it): the agent has no fd until they are done. */
  int listener = (int)rc;
  int sent = nsinit_sync_send_fd(c->sync, step, listener, e);
  close(listener);
  return sent;
}
