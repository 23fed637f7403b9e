/* The user switch: setgroups, setresgid, setresuid through raw syscalls (glibc's wrappers signal
 * threads that do not exist in the cloned child), with PR_SET_KEEPCAPS around it so a later caps
 * step still has a permitted set to work from. Ids arrive numeric, resolved by the runtime.
 * The switch clears the parent-death signal, so it is re-armed here, in the same step, and the
 * supervisor checked for: it may have died while the signal was off.
 * Man pages: setgroups(2), setresuid(2), prctl(2) PR_SET_PDEATHSIG, credentials(7), poll(2). */
#include "nsinit.h"
#include "syscalls.h"

#include <errno.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel resets the parent-death signal when the effective or filesystem ids change
 * (commit_creds), so the one armed at clone is gone after setresuid. Re-arm the same signal, then
 * look for a supervisor that died in between (the signal would never come). The classic check,
 * getppid() against the expected parent, reads 0 whenever the parent is outside our PID
 * namespace (every NEWPID container and every joined process), so the supervisor's end of the
 * sync socket stands in for it: the supervisor holds it open until our execve, and the kernel
 * closes it when the supervisor dies, which we see as POLLHUP. */
static int rearm_pdeathsig(int sig, int sync, struct nsinit_err *e)
{
  if (sig == 0) return 0;
  if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) < 0)
    return nsinit_err_set(e, errno, "prctl", "PR_SET_PDEATHSIG");
  struct pollfd p = {.fd = sync, .events = POLLRDHUP};
  int n;
  while ((n = poll(&p, 1, 0)) < 0 && errno == EINTR) {
  }
  if (n > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)))
    nsinit_sys_exit(1); /* the supervisor is gone: nobody to report to, nothing to run for */
  return 0;
}

int nsinit_identity_apply(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  int sig = 0;
  if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) < 0)
    return nsinit_err_set(e, errno, "prctl", "PR_GET_PDEATHSIG");
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return nsinit_err_set(e, errno, "prctl", "PR_SET_KEEPCAPS");
  /* Where the user namespace denies setgroups(2) (an unprivileged caller's own-gid map), the
   * groups stay those the namespace was created with: the kernel forbids dropping them there. */
  if (!s->keep_groups && syscall(SYS_setgroups, (size_t)s->ngroups, s->groups) < 0)
    return nsinit_err_set(e, errno, "setgroups", NULL);
  if (syscall(SYS_setresgid, s->gid, s->gid, s->gid) < 0)
    return nsinit_err_set(e, errno, "setresgid", NULL);
  if (syscall(SYS_setresuid, s->uid, s->uid, s->uid) < 0)
    return nsinit_err_set(e, errno, "setresuid", NULL);
  if (rearm_pdeathsig(sig, c->sync, e)) return -1;
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return nsinit_err_set(e, errno, "prctl", "PR_SET_KEEPCAPS");
  return 0;
}

/* Right after clone(CLONE_NEWUSER) the child keeps its host ids, which the new namespace does not
 * map (it shows as the overflow id 65534): files it creates on the filesystems it mounts there
 * (the /dev tmpfs) would fail with EOVERFLOW and mounts would be owned by nobody. Once the parent
 * has written uid_map and gid_map, root of the namespace is a mapped id: switch to it. From a
 * non-root euid to the namespace's root, setresuid keeps every capability (credentials(7)). */
int nsinit_identity_userns_root(struct nsinit_child *c, const struct nsinit_step *s,
                                struct nsinit_err *e)
{
  int sig = 0;
  if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) < 0)
    return nsinit_err_set(e, errno, "prctl", "PR_GET_PDEATHSIG");
  if (s->on && syscall(SYS_setgroups, (size_t)0, NULL) < 0)
    return nsinit_err_set(e, errno, "setgroups", NULL);
  if (syscall(SYS_setresgid, 0, 0, 0) < 0) return nsinit_err_set(e, errno, "setresgid", NULL);
  if (syscall(SYS_setresuid, 0, 0, 0) < 0) return nsinit_err_set(e, errno, "setresuid", NULL);
  /* The id change cleared the parent-death signal, as in nsinit_identity_apply. */
  return rearm_pdeathsig(sig, c->sync, e);
}
