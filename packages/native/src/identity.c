/* The user switch: setgroups, setresgid, setresuid through raw syscalls (glibc's wrappers signal
 * threads that do not exist in the cloned child), with PR_SET_KEEPCAPS around it so a later caps
 * step still has a permitted set to work from. Ids arrive numeric, resolved by the runtime.
 * Man pages: setgroups(2), setresuid(2), prctl(2), credentials(7). */
#include "nsinit.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int nsinit_identity_apply(const struct nsinit_step *s, struct nsinit_err *e)
{
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return nsinit_err_set(e, errno, "prctl", "PR_SET_KEEPCAPS");
  if (syscall(SYS_setgroups, (size_t)s->ngroups, s->groups) < 0)
    return nsinit_err_set(e, errno, "setgroups", NULL);
  if (syscall(SYS_setresgid, s->gid, s->gid, s->gid) < 0)
    return nsinit_err_set(e, errno, "setresgid", NULL);
  if (syscall(SYS_setresuid, s->uid, s->uid, s->uid) < 0)
    return nsinit_err_set(e, errno, "setresuid", NULL);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return nsinit_err_set(e, errno, "prctl", "PR_SET_KEEPCAPS");
  return 0;
}
