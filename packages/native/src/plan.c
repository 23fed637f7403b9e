/* Decoding and validation of the plan buffer built by lib/encode-plan.ts. Runs in the parent
 * BEFORE clone3(2): every length, count and flag is bounds-checked here (the CVE-2021-43784 class:
 * an attacker-sized length in the parent->child message), so the child only reads a trusted struct.
 * Layout: little-endian header {magic, version, length, nsteps, cloneFlags, stdio[3], consoleFd},
 * then per step {op, bodyLength, body}; a string is {u32 length, bytes, NUL}. */
#include "plan-cursor.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the plan wire format is little-endian; add byte swapping for this target"
#endif

/* Designated: op values are reserved in ranges per feature, so the table may have gaps (NULL),
 * which the decoder rejects as it rejects any unknown op. */
static const char *const op_names[] = {
    [NSINIT_OP_SETUP] = "setup",
    [NSINIT_OP_SETNS] = "setns",
    [NSINIT_OP_PROPAGATION] = "propagation",
    [NSINIT_OP_ROOTFS] = "rootfs",
    [NSINIT_OP_MOUNT] = "mount",
    [NSINIT_OP_BIND] = "bind",
    [NSINIT_OP_MKNOD] = "mknod",
    [NSINIT_OP_SYMLINK] = "symlink",
    [NSINIT_OP_MKDIR] = "mkdir",
    [NSINIT_OP_CONSOLE] = "console",
    [NSINIT_OP_PIVOT_ROOT] = "pivot-root",
    [NSINIT_OP_MOVE_ROOT] = "move-root",
    [NSINIT_OP_READONLY] = "readonly",
    [NSINIT_OP_MASK] = "mask",
    [NSINIT_OP_HOSTNAME] = "hostname",
    [NSINIT_OP_RLIMIT] = "rlimit",
    [NSINIT_OP_UMASK] = "umask",
    [NSINIT_OP_IDENTITY] = "identity",
    [NSINIT_OP_CAPS] = "caps",
    [NSINIT_OP_NO_NEW_PRIVS] = "no-new-privs",
    [NSINIT_OP_CHDIR] = "chdir",
    [NSINIT_OP_SESSION] = "session",
    [NSINIT_OP_PDEATHSIG] = "pdeathsig",
    [NSINIT_OP_DUMPABLE] = "dumpable",
    [NSINIT_OP_CLOSE_FDS] = "close-fds",
    [NSINIT_OP_EXEC] = "exec",
    [NSINIT_OP_CHOWN] = "chown",
    [NSINIT_OP_DOMAINNAME] = "domainname",
    [NSINIT_OP_SYSCTL] = "sysctl",
    [NSINIT_OP_PERSONALITY] = "personality",
    [NSINIT_OP_UNSHARE] = "unshare",
    [NSINIT_OP_LSM_LABEL] = "lsm-label",
    [NSINIT_OP_AWAIT_START] = "await-start",
    [NSINIT_OP_SECCOMP] = "seccomp",
    [NSINIT_OP_USERNS_ROOT] = "userns-root",
    [NSINIT_OP_OPEN_TREE] = "open-tree",
    [NSINIT_OP_ATTACH_TREE] = "attach-tree",
    [NSINIT_OP_SETNS_EARLY] = "setns-early",
    [NSINIT_OP_IDMAP_BIND] = "idmap-bind",
    [NSINIT_OP_HOOK] = "hook",
    [NSINIT_OP_CHROOT] = "chroot",
    [NSINIT_OP_TIMENS] = "timens",
    [NSINIT_OP_LINK_UP] = "link-up",
};
_Static_assert(sizeof(op_names) / sizeof(op_names[0]) == NSINIT_OP_MAX_ + 1,
               "op_names must end at NSINIT_OP_MAX_");

static bool op_known(uint32_t op)
{
  return op != NSINIT_OP_SETUP && op <= NSINIT_OP_MAX_ && op_names[op] != NULL;
}

const char *nsinit_op_name(uint32_t op)
{
  return op <= NSINIT_OP_MAX_ && op_names[op] != NULL ? op_names[op] : "unknown";
}

int nsinit_err_set(struct nsinit_err *e, int err, const char *syscall, const char *path)
{
  e->err = err;
  e->syscall = syscall;
  e->path = path;
  return -1;
}

int nsinit_plan_invalid(struct cursor *c, const char *fmt, ...)
{
  va_list ap;
  int n = 0;
  if (c->op != NSINIT_OP_SETUP || c->step != UINT32_MAX)
    n = snprintf(c->e->msg, sizeof(c->e->msg), "step %u (%s): ", c->step, nsinit_op_name(c->op));
  if (n < 0) n = 0;
  va_start(ap, fmt);
  vsnprintf(c->e->msg + n, sizeof(c->e->msg) - (size_t)n, fmt, ap);
  va_end(ap);
  c->e->err = EINVAL;
  c->e->syscall = NULL;
  c->e->path = NULL;
  return -1;
}

int nsinit_cur_need(struct cursor *c, size_t n)
{
  if (n > c->len - c->off) return nsinit_plan_invalid(c, "truncated at byte %zu", c->off);
  return 0;
}

int nsinit_cur_get_u32(struct cursor *c, uint32_t *v)
{
  if (nsinit_cur_need(c, 4)) return -1;
  memcpy(v, c->p + c->off, 4);
  c->off += 4;
  return 0;
}

int nsinit_cur_get_i32(struct cursor *c, int32_t *v)
{
  return nsinit_cur_get_u32(c, (uint32_t *)v);
}

int nsinit_cur_get_u64(struct cursor *c, uint64_t *v)
{
  if (nsinit_cur_need(c, 8)) return -1;
  memcpy(v, c->p + c->off, 8);
  c->off += 8;
  return 0;
}

int nsinit_cur_get_bool(struct cursor *c, bool *v, const char *field)
{
  uint32_t x;
  if (nsinit_cur_get_u32(c, &x)) return -1;
  if (x > 1) return nsinit_plan_invalid(c, "%s must be 0 or 1", field);
  *v = x == 1;
  return 0;
}

/* A string is referenced in place: the decoder owns a private copy of the buffer. */
int nsinit_cur_get_str(struct cursor *c, const char **out, uint32_t max, const char *field)
{
  uint32_t n;
  if (nsinit_cur_get_u32(c, &n)) return -1;
  if (n > max) return nsinit_plan_invalid(c, "%s is longer than %u bytes", field, max);
  if (nsinit_cur_need(c, (size_t)n + 1)) return -1;
  const char *s = (const char *)c->p + c->off;
  if (memchr(s, 0, n) != NULL) return nsinit_plan_invalid(c, "%s contains a NUL byte", field);
  if (s[n] != 0) return nsinit_plan_invalid(c, "%s is not terminated", field);
  *out = s;
  c->off += (size_t)n + 1;
  return 0;
}

int nsinit_cur_get_strv(struct cursor *c, char ***out, uint32_t maxn, uint32_t maxlen,
                        const char *field)
{
  uint32_t n;
  if (nsinit_cur_get_u32(c, &n)) return -1;
  if (n > maxn) return nsinit_plan_invalid(c, "%s has more than %u entries", field, maxn);
  /* Each entry takes at least 5 bytes: reject counts the buffer cannot hold before allocating. */
  if ((size_t)n * 5 > c->len - c->off)
    return nsinit_plan_invalid(c, "%s count %u exceeds the buffer", field, n);
  char **v = calloc((size_t)n + 1, sizeof(char *));
  if (v == NULL) return nsinit_plan_invalid(c, "out of memory");
  *out = v;
  for (uint32_t i = 0; i < n; i++) {
    const char *s = NULL;
    if (nsinit_cur_get_str(c, &s, maxlen, field)) return -1;
    v[i] = (char *)s;
  }
  return 0;
}

int nsinit_plan_decode(const void *data, size_t len, struct nsinit_plan **out, struct nsinit_err *e)
{
  memset(e, 0, sizeof(*e));
  *out = NULL;
  struct cursor c = {.len = len, .e = e, .step = UINT32_MAX, .op = NSINIT_OP_SETUP};
  if (len > NSINIT_PLAN_MAX_BYTES)
    return nsinit_plan_invalid(&c, "plan is %zu bytes, more than %u", len, NSINIT_PLAN_MAX_BYTES);
  if (len < 40) return nsinit_plan_invalid(&c, "plan is %zu bytes, shorter than its header", len);

  struct nsinit_plan *plan = calloc(1, sizeof(*plan));
  if (plan == NULL) return nsinit_plan_invalid(&c, "out of memory");
  plan->console_tree = -1;
  plan->pidns_fd = -1;
  plan->buf = malloc(len);
  if (plan->buf == NULL) {
    free(plan);
    return nsinit_plan_invalid(&c, "out of memory");
  }
  memcpy(plan->buf, data, len);
  plan->len = len;
  c.p = plan->buf;

  uint32_t magic, version, total, nsteps;
  nsinit_cur_get_u32(&c, &magic);
  nsinit_cur_get_u32(&c, &version);
  nsinit_cur_get_u32(&c, &total);
  nsinit_cur_get_u32(&c, &nsteps);
  nsinit_cur_get_u64(&c, &plan->clone_flags);
  for (int i = 0; i < 3; i++)
    nsinit_cur_get_i32(&c, &plan->stdio[i]);
  nsinit_cur_get_i32(&c, &plan->console_fd);
  if (magic != NSINIT_PLAN_MAGIC) goto bad_magic;
  if (version != NSINIT_PLAN_VERSION) {
    nsinit_plan_invalid(&c, "plan version %u is not %u", version, NSINIT_PLAN_VERSION);
    goto fail;
  }
  if (total != len) {
    nsinit_plan_invalid(&c, "plan says %u bytes but the buffer has %zu", total, len);
    goto fail;
  }
  if (plan->clone_flags & ~(uint64_t)NS_FLAGS) {
    nsinit_plan_invalid(&c, "cloneFlags has bits other than CLONE_NEW*");
    goto fail;
  }
  for (int i = 0; i < 3; i++)
    if (plan->stdio[i] < -1) {
      nsinit_plan_invalid(&c, "stdio[%d] must be an fd or -1", i);
      goto fail;
    }
  if (plan->console_fd < -1) {
    nsinit_plan_invalid(&c, "consoleFd must be an fd or -1");
    goto fail;
  }
  if (nsteps == 0 || nsteps > NSINIT_MAX_STEPS) {
    nsinit_plan_invalid(&c, "step count %u is not in 1..%u", nsteps, NSINIT_MAX_STEPS);
    goto fail;
  }
  if ((size_t)nsteps * 8 > len - c.off) {
    nsinit_plan_invalid(&c, "step count %u exceeds the buffer", nsteps);
    goto fail;
  }
  plan->steps = calloc(nsteps, sizeof(*plan->steps));
  if (plan->steps == NULL) {
    nsinit_plan_invalid(&c, "out of memory");
    goto fail;
  }
  plan->nsteps = nsteps;

  bool have_root = false, have_console = false;
  /* open-tree slots: 1 = opened, 2 = attached; an attach needs its slot opened and not attached. */
  unsigned char trees[NSINIT_MAX_TREES] = {0};
  uint32_t early_types = 0; /* setns-early: each namespace type once */
  for (uint32_t i = 0; i < nsteps; i++) {
    struct nsinit_step *s = &plan->steps[i];
    uint32_t body;
    c.step = i;
    c.op = NSINIT_OP_SETUP;
    if (nsinit_cur_get_u32(&c, &s->op) || nsinit_cur_get_u32(&c, &body)) goto fail;
    c.op = op_known(s->op) ? s->op : NSINIT_OP_SETUP;
    if (!op_known(s->op)) {
      nsinit_plan_invalid(&c, "unknown op %u", s->op);
      goto fail;
    }
    if (nsinit_cur_need(&c, body)) goto fail;
    size_t end = c.off + body;
    /* Decode within the step's own body: a field can never read into the next step. */
    size_t saved_len = c.len;
    c.len = end;
    int rc = nsinit_plan_decode_step(&c, s);
    c.len = saved_len;
    if (rc) goto fail;
    if (c.off != end) {
      nsinit_plan_invalid(&c, "body has %zu unread bytes", end - c.off);
      goto fail;
    }
    if (s->op == NSINIT_OP_ROOTFS) {
      if (have_root) {
        nsinit_plan_invalid(&c, "the rootfs step appears twice");
        goto fail;
      }
      have_root = true;
    } else if (nsinit_plan_needs_root(s->op) && !have_root) {
      nsinit_plan_invalid(&c, "comes before the rootfs step");
      goto fail;
    }
    if (s->op == NSINIT_OP_SETNS_EARLY) {
      if (early_types & s->nstype) {
        nsinit_plan_invalid(&c, "a namespace type is entered early twice");
        goto fail;
      }
      early_types |= s->nstype;
    }
    if (s->op == NSINIT_OP_OPEN_TREE || s->op == NSINIT_OP_ATTACH_TREE) {
      bool open = s->op == NSINIT_OP_OPEN_TREE;
      if (trees[s->slot] != (open ? 0 : 1)) {
        nsinit_plan_invalid(&c, open ? "slot %u is opened twice" : "slot %u is not open", s->slot);
        goto fail;
      }
      trees[s->slot] = open ? 1 : 2;
    }
    if (s->op == NSINIT_OP_CONSOLE) {
      if (have_console || plan->console_fd < 0) {
        nsinit_plan_invalid(&c, "needs exactly one console step and a consoleFd");
        goto fail;
      }
      have_console = true;
    }
    if ((s->op == NSINIT_OP_EXEC) != (i == nsteps - 1)) {
      nsinit_plan_invalid(&c, "exec must be the last step, exactly once");
      goto fail;
    }
  }
  c.step = UINT32_MAX;
  c.op = NSINIT_OP_SETUP;
  if (c.off != len) {
    nsinit_plan_invalid(&c, "%zu trailing bytes after the last step", len - c.off);
    goto fail;
  }
  *out = plan;
  return 0;

bad_magic:
  nsinit_plan_invalid(&c, "bad magic 0x%08x (not an nsinit plan)", magic);
fail:
  nsinit_plan_free(plan);
  return -1;
}

static bool chroot_only(const struct nsinit_plan *plan, uint32_t from)
{
  bool chrooted = false;
  for (uint32_t j = from; j < plan->nsteps; j++) {
    uint32_t o = plan->steps[j].op;
    if (o == NSINIT_OP_PIVOT_ROOT || o == NSINIT_OP_MOVE_ROOT) return false;
    if (o == NSINIT_OP_PROPAGATION && !chrooted) return false;
    if (o == NSINIT_OP_CHROOT) chrooted = true;
  }
  return chrooted;
}

int nsinit_plan_require_mntns(const struct nsinit_plan *plan, uint64_t ns_flags,
                              struct nsinit_err *e)
{
  memset(e, 0, sizeof(*e));
  if (ns_flags & CLONE_NEWNS) return 0;
  for (uint32_t i = 0; i < plan->nsteps; i++) {
    uint32_t op = plan->steps[i].op;
    /* A mount namespace joined by path (OCI linux.namespaces "mount" with "path"): every later
     * mount step acts inside it. The kernel checks the fd's type against nstype at setns(2). */
    if (op == NSINIT_OP_SETNS && plan->steps[i].nstype == CLONE_NEWNS) return 0;
    /* A plan that sets its rootfs up in the caller's own mount namespace on purpose (OCI without
     * a mount namespace, as runc does): every mount lands under the rootfs bound onto itself and
     * the root changes with chroot; never pivot_root or MS_MOVE (they would move the host's root)
     * and no propagation step before the chroot (it would change the host's "/"). */
    if (op == NSINIT_OP_ROOTFS && chroot_only(plan, i)) return 0;
    /* Mount steps outside a mount namespace would change the host's own mounts. */
    if (op == NSINIT_OP_PROPAGATION || nsinit_plan_needs_root(op) || op == NSINIT_OP_ROOTFS) {
      snprintf(e->msg, sizeof(e->msg),
               "step %u (%s) needs a new or joined mount namespace (CLONE_NEWNS)", i,
               nsinit_op_name(op));
      e->err = EINVAL;
      return -1;
    }
  }
  return 0;
}

void nsinit_plan_free(struct nsinit_plan *plan)
{
  if (plan == NULL) return;
  for (uint32_t i = 0; plan->steps != NULL && i < plan->nsteps; i++) {
    free(plan->steps[i].groups);
    free(plan->steps[i].candidates);
    free(plan->steps[i].argv);
    free(plan->steps[i].envp);
  }
  free(plan->steps);
  free(plan->buf);
  free(plan);
}
