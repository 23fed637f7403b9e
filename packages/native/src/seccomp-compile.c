/* seccomp, parent side: a syscall filter profile → the classic BPF program the kernel takes,
 * compiled with libseccomp (seccomp_init(3), seccomp_rule_add(3), seccomp_export_bpf(3)) in the
 * supervising process before clone, so the child only hands finished bytes to seccomp(2). This
 * runs in Node's process: it may allocate. Actions are the kernel's SECCOMP_RET_* values with
 * their data (libseccomp's SCMP_ACT_* are the same numbers); arguments use SCMP_CMP_* ops. */
#include "nsinit.h"

#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(scmp_filter_ctx ctx, struct nsinit_err *e, int rc, const char *call,
                const char *what)
{
  if (ctx) seccomp_release(ctx);
  return nsinit_err_set(e, rc < 0 ? -rc : rc, call, what);
}

/* libseccomp refuses two comparisons on the same argument in one rule: like runc, such a rule
 * becomes one rule per comparison (any of them matching applies the action). */
static bool repeats_an_argument(const struct nsinit_seccomp_rule *r)
{
  for (uint32_t i = 0; i < r->nargs; i++)
    for (uint32_t j = i + 1; j < r->nargs; j++)
      if (r->args[i].arg == r->args[j].arg) return true;
  return false;
}

static int add_rule(scmp_filter_ctx ctx, const struct nsinit_seccomp_rule *r, int nr)
{
  struct scmp_arg_cmp cmp[NSINIT_SECCOMP_MAX_ARGS];
  for (uint32_t i = 0; i < r->nargs; i++) {
    cmp[i].arg = r->args[i].arg;
    cmp[i].op = (enum scmp_compare)r->args[i].op;
    cmp[i].datum_a = r->args[i].value;
    cmp[i].datum_b = r->args[i].value_two;
  }
  if (!repeats_an_argument(r)) return seccomp_rule_add_array(ctx, r->action, nr, r->nargs, cmp);
  for (uint32_t i = 0; i < r->nargs; i++) {
    int rc = seccomp_rule_add_array(ctx, r->action, nr, 1, &cmp[i]);
    if (rc < 0) return rc;
  }
  return 0;
}

int nsinit_seccomp_compile(const struct nsinit_seccomp_profile *p, unsigned char **out,
                           size_t *outlen, struct nsinit_err *e)
{
  *out = NULL;
  *outlen = 0;
  scmp_filter_ctx ctx = seccomp_init(p->default_action);
  if (!ctx) return nsinit_err_set(e, EINVAL, "seccomp_init", "defaultAction");
  /* The filter is loaded by our own seccomp(2) call, so libseccomp's own load-time attributes
   * (no_new_privs, thread sync) never apply; the bad-architecture action stays its default. */
  for (size_t i = 0; i < p->narches; i++) {
    uint32_t arch = seccomp_arch_resolve_name(p->arches[i]);
    if (arch == 0) return fail(ctx, e, EINVAL, "seccomp_arch_resolve_name", p->arches[i]);
    int rc = seccomp_arch_add(ctx, arch);
    if (rc < 0 && rc != -EEXIST) return fail(ctx, e, rc, "seccomp_arch_add", p->arches[i]);
  }
  for (size_t i = 0; i < p->nrules; i++) {
    const struct nsinit_seccomp_rule *r = &p->rules[i];
    /* The kernel already applies the default action: libseccomp refuses a rule repeating it. */
    if (r->action == p->default_action) continue;
    int nr = seccomp_syscall_resolve_name(r->name);
    /* A name this libseccomp does not know on any of the filter's architectures is skipped, as
     * runc and crun do: profiles list syscalls of newer kernels and other architectures. */
    if (nr == __NR_SCMP_ERROR) continue;
    int rc = add_rule(ctx, r, nr);
    if (rc < 0 && rc != -EEXIST) return fail(ctx, e, rc, "seccomp_rule_add", r->name);
  }
  int fd = memfd_create("nsinit-seccomp", MFD_CLOEXEC);
  if (fd < 0) return fail(ctx, e, errno, "memfd_create", "seccomp");
  int rc = seccomp_export_bpf(ctx, fd);
  seccomp_release(ctx);
  if (rc < 0) {
    close(fd);
    return nsinit_err_set(e, -rc, "seccomp_export_bpf", "seccomp");
  }
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size % 8 != 0) {
    close(fd);
    return nsinit_err_set(e, EINVAL, "seccomp_export_bpf", "seccomp");
  }
  unsigned char *buf = malloc((size_t)st.st_size);
  if (!buf) {
    close(fd);
    return nsinit_err_set(e, ENOMEM, "malloc", "seccomp");
  }
  ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
  close(fd);
  if (n != st.st_size) {
    free(buf);
    return nsinit_err_set(e, EIO, "pread", "seccomp");
  }
  *out = buf;
  *outlen = (size_t)n;
  return 0;
}
