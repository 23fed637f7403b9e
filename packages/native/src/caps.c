/* Capabilities: the bounding set is shrunk with PR_CAPBSET_DROP (up to the kernel's last cap, read
 * by the parent), then effective/permitted/inheritable are set with capset v3, then ambient is
 * cleared and raised bit by bit. Inheritable is exactly what the plan says, 0 unless asked
 * (CVE-2022-29162 class). Man pages: capabilities(7), capset(2), prctl(2). */
#include "nsinit.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int capget3(struct __user_cap_data_struct d[2])
{
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  return (int)syscall(SYS_capget, &h, d);
}

static int capset3(uint64_t eff, uint64_t perm, uint64_t inh)
{
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct d[2] = {
      {(uint32_t)eff, (uint32_t)perm, (uint32_t)inh},
      {(uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32)},
  };
  return (int)syscall(SYS_capset, &h, d);
}

int nsinit_caps_apply(const struct nsinit_plan *plan, const struct nsinit_step *s,
                      struct nsinit_err *e)
{
  struct __user_cap_data_struct cur[2];
  if (capget3(cur) < 0) return nsinit_err_set(e, errno, "capget", NULL);
  uint64_t perm = cur[0].permitted | ((uint64_t)cur[1].permitted << 32);
  uint64_t inh = cur[0].inheritable | ((uint64_t)cur[1].inheritable << 32);
  /* After a uid switch with keep-caps, permitted survives but effective is empty: raise it so
   * CAP_SETPCAP is usable for the bounding-set drops below. */
  if (capset3(perm, perm, inh) < 0) return nsinit_err_set(e, errno, "capset", NULL);
  for (uint32_t cap = 0; cap <= plan->cap_last_cap && cap < 64; cap++) {
    if (s->bounding & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      return nsinit_err_set(e, errno, "prctl", "PR_CAPBSET_DROP");
  }
  if (capset3(s->effective, s->permitted, s->inheritable) < 0)
    return nsinit_err_set(e, errno, "capset", NULL);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return nsinit_err_set(e, errno, "prctl", "PR_CAP_AMBIENT_CLEAR_ALL");
  for (uint32_t cap = 0; cap <= plan->cap_last_cap && cap < 64; cap++) {
    if (!(s->ambient & (1ULL << cap))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      return nsinit_err_set(e, errno, "prctl", "PR_CAP_AMBIENT_RAISE");
  }
  return 0;
}

/* Parent only: /proc/sys/kernel/cap_last_cap, falling back to the header's CAP_LAST_CAP. */
int nsinit_caps_last_cap(void)
{
  char buf[16] = {0};
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return CAP_LAST_CAP;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n <= 0) return CAP_LAST_CAP;
  int v = atoi(buf);
  return v > 0 && v < 64 ? v : CAP_LAST_CAP;
}
