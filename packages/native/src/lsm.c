/* LSM exec labels: the AppArmor profile or SELinux context the container's program runs under,
 * written to this process's /proc/<pid>/attr file so the kernel applies it at execve. The write
 * goes through the same verified procfs path as sysctl (a redirected write would silently leave
 * the container unconfined). Man pages: proc(5) (/proc/pid/attr), apparmor(7), selinux(8). */
#include "nsinit.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

static char attr_buf[64];

/* "<pid>/attr/<target>" without printf (async-signal-safe): the pid as this procfs sees us. */
static void attr_path(long pid, const char *target)
{
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + pid % 10);
    pid /= 10;
  } while (pid > 0 && n < (int)sizeof(digits));
  size_t o = 0;
  while (n > 0)
    attr_buf[o++] = digits[--n];
  const char *mid = "/attr/";
  for (const char *p = mid; *p; p++)
    attr_buf[o++] = *p;
  for (const char *p = target; *p && o < sizeof(attr_buf) - 1; p++)
    attr_buf[o++] = *p;
  attr_buf[o] = 0;
}

int nsinit_lsm_label(struct nsinit_child *c, const struct nsinit_step *s, struct nsinit_err *e)
{
  int proc = nsinit_sysctl_proc_root(c, e);
  if (proc < 0) return -1;
  /* The container's /proc belongs to our PID namespace, so our own getpid() names us there. */
  attr_path(syscall(SYS_getpid), s->target);
  int rc = nsinit_sysctl_proc_write(proc, attr_buf, s->value, s->target, e);
  close(proc);
  return rc;
}
