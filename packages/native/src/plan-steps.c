/* Per-step decoding and validation of a plan (see plan.c for the layout): each op's fields in
 * order, container paths absolute without "..", and only the MS_*, CLONE_NEW* and mode bits that
 * step may use, so the child never meets a value it would have to judge. */
#include "plan-cursor.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

/* Container paths: absolute, no "..": resolution happens by fd inside the rootfs. */
static int check_target(struct cursor *c, const char *t, const char *field)
{
  if (t[0] != '/') return nsinit_plan_invalid(c, "%s must be an absolute path: '%s'", field, t);
  for (const char *p = t; *p;) {
    while (*p == '/')
      p++;
    const char *q = p;
    while (*q && *q != '/')
      q++;
    if (q - p == 2 && p[0] == '.' && p[1] == '.')
      return nsinit_plan_invalid(c, "%s must not contain '..': '%s'", field, t);
    p = q;
  }
  return 0;
}

static int check_flags(struct cursor *c, uint32_t flags, uint32_t allowed, const char *field)
{
  if (flags & ~allowed)
    return nsinit_plan_invalid(c, "%s has unsupported bits 0x%x", field, flags & ~allowed);
  return 0;
}

static int check_propagation(struct cursor *c, uint32_t p, bool allow_zero)
{
  uint32_t kind = p & MS_PROPAGATION;
  if (p & ~(MS_PROPAGATION | MS_REC))
    return nsinit_plan_invalid(c, "propagation has unsupported bits");
  if (kind == 0 && allow_zero && p == 0) return 0;
  if (kind != MS_PRIVATE && kind != MS_SLAVE && kind != MS_SHARED && kind != MS_UNBINDABLE)
    return nsinit_plan_invalid(
        c, "propagation must be exactly one of MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_UNBINDABLE");
  return 0;
}

int nsinit_plan_decode_step(struct cursor *c, struct nsinit_step *s)
{
  switch (s->op) {
  case NSINIT_OP_SETNS:
    if (nsinit_cur_get_i32(c, &s->fd) || nsinit_cur_get_u32(c, &s->nstype)) return -1;
    if (s->fd < 0) return nsinit_plan_invalid(c, "fd must be >= 0");
    if (s->nstype != 0 && ((s->nstype & ~NS_FLAGS) || (s->nstype & (s->nstype - 1))))
      return nsinit_plan_invalid(c, "nstype must be 0 or one CLONE_NEW* flag");
    return 0;
  case NSINIT_OP_PROPAGATION:
    if (nsinit_cur_get_u32(c, &s->flags)) return -1;
    return check_propagation(c, s->flags, false);
  case NSINIT_OP_ROOTFS:
    if (nsinit_cur_get_str(c, &s->path, NSINIT_MAX_PATH, "path") ||
        nsinit_cur_get_u32(c, &s->flags))
      return -1;
    if (s->path[0] != '/') return nsinit_plan_invalid(c, "path must be an absolute host path");
    return check_flags(c, s->flags, MS_BIND | MS_REC, "flags");
  case NSINIT_OP_MOUNT:
    if (nsinit_cur_get_str(c, &s->source, NSINIT_MAX_PATH, "source") ||
        nsinit_cur_get_str(c, &s->target, NSINIT_MAX_PATH, "target") ||
        nsinit_cur_get_str(c, &s->fstype, 63, "fstype") || nsinit_cur_get_u32(c, &s->flags) ||
        nsinit_cur_get_str(c, &s->data, NSINIT_MAX_PATH, "data") ||
        nsinit_cur_get_u32(c, &s->mode) || nsinit_cur_get_bool(c, &s->no_symlinks, "noSymlinks") ||
        nsinit_cur_get_u32(c, &s->propagation))
      return -1;
    if (s->fstype[0] == 0) return nsinit_plan_invalid(c, "fstype is empty");
    if (check_propagation(c, s->propagation, true)) return -1;
    if (s->mode > 07777) return nsinit_plan_invalid(c, "mkdir mode 0%o is out of range", s->mode);
    if (check_flags(c, s->flags, MS_ATTR_FLAGS | MS_SILENT, "flags")) return -1;
    return check_target(c, s->target, "target");
  case NSINIT_OP_BIND:
    if (nsinit_cur_get_str(c, &s->source, NSINIT_MAX_PATH, "source") ||
        nsinit_cur_get_str(c, &s->target, NSINIT_MAX_PATH, "target") ||
        nsinit_cur_get_u32(c, &s->flags) || nsinit_cur_get_bool(c, &s->recursive, "recursive") ||
        nsinit_cur_get_u32(c, &s->propagation))
      return -1;
    if (s->source[0] != '/') return nsinit_plan_invalid(c, "source must be an absolute host path");
    if (check_flags(c, s->flags, MS_ATTR_FLAGS | MS_BIND | MS_REC, "flags")) return -1;
    if (check_propagation(c, s->propagation, true)) return -1;
    return check_target(c, s->target, "target");
  case NSINIT_OP_IDMAP_BIND:
    /* fd: the detached idmapped tree the parent made (nsinit_idmap_open_tree), inherited. */
    if (nsinit_cur_get_i32(c, &s->fd) ||
        nsinit_cur_get_str(c, &s->target, NSINIT_MAX_PATH, "target") ||
        nsinit_cur_get_u32(c, &s->propagation))
      return -1;
    if (s->fd < 3) return nsinit_plan_invalid(c, "fd must be >= 3");
    if (check_propagation(c, s->propagation, true)) return -1;
    return check_target(c, s->target, "target");
  case NSINIT_OP_MKNOD:
    if (nsinit_cur_get_str(c, &s->target, NSINIT_MAX_PATH, "target") ||
        nsinit_cur_get_u32(c, &s->mode) || nsinit_cur_get_u32(c, &s->major) ||
        nsinit_cur_get_u32(c, &s->minor))
      return -1;
    if ((s->mode & S_IFMT) != S_IFCHR && (s->mode & S_IFMT) != S_IFBLK &&
        (s->mode & S_IFMT) != S_IFIFO)
      return nsinit_plan_invalid(c, "mode must include S_IFCHR, S_IFBLK or S_IFIFO");
    if (s->mode & ~(S_IFMT | 07777)) return nsinit_plan_invalid(c, "mode has unsupported bits");
    if (s->major > 0xfff || s->minor > 0xfffff)
      return nsinit_plan_invalid(c, "device number %u:%u is out of range", s->major, s->minor);
    return check_target(c, s->target, "target");
  case NSINIT_OP_SYMLINK:
    if (nsinit_cur_get_str(c, &s->value, NSINIT_MAX_PATH, "value") ||
        nsinit_cur_get_str(c, &s->target, NSINIT_MAX_PATH, "target"))
      return -1;
    if (s->value[0] == 0) return nsinit_plan_invalid(c, "value is empty");
    return check_target(c, s->target, "target");
  case NSINIT_OP_MKDIR:
    if (nsinit_cur_get_str(c, &s->target, NSINIT_MAX_PATH, "target") ||
        nsinit_cur_get_u32(c, &s->mode))
      return -1;
    if (s->mode > 07777) return nsinit_plan_invalid(c, "mode 0%o is out of range", s->mode);
    return check_target(c, s->target, "target");
  case NSINIT_OP_CONSOLE:
  case NSINIT_OP_CHDIR:
    if (nsinit_cur_get_str(c, s->op == NSINIT_OP_CHDIR ? &s->path : &s->target, NSINIT_MAX_PATH,
                           s->op == NSINIT_OP_CHDIR ? "path" : "target"))
      return -1;
    return check_target(c, s->op == NSINIT_OP_CHDIR ? s->path : s->target,
                        s->op == NSINIT_OP_CHDIR ? "path" : "target");
  case NSINIT_OP_PIVOT_ROOT:
  case NSINIT_OP_MOVE_ROOT:
  case NSINIT_OP_CHROOT:
  case NSINIT_OP_NO_NEW_PRIVS:
    return 0;
  case NSINIT_OP_CLOSE_FDS:
    /* mode = how many fds from 3 up stay inheritable (OCI --preserve-fds) */
    if (nsinit_cur_get_u32(c, &s->mode)) return -1;
    if (s->mode > 65536) return nsinit_plan_invalid(c, "keep must be at most 65536");
    return 0;
  case NSINIT_OP_AWAIT_START:
    if (nsinit_cur_get_i32(c, &s->fd) || nsinit_cur_get_u32(c, &s->mode) ||
        nsinit_cur_get_i32(c, &s->keep_fd[0]) || nsinit_cur_get_i32(c, &s->keep_fd[1]))
      return -1;
    if (s->fd < 3) return nsinit_plan_invalid(c, "fd must be >= 3");
    if (s->mode > 65536) return nsinit_plan_invalid(c, "keep must be at most 65536");
    for (int i = 0; i < 2; i++)
      if (s->keep_fd[i] < -1 || (s->keep_fd[i] >= 0 && s->keep_fd[i] < 3))
        return nsinit_plan_invalid(c, "hookFds[%d] must be an fd >= 3 or -1", i);
    return 0;
  case NSINIT_OP_HOOK:
    if (nsinit_cur_get_str(c, &s->path, NSINIT_MAX_PATH, "path") ||
        nsinit_cur_get_strv(c, &s->argv, NSINIT_MAX_ARGS, NSINIT_MAX_ARG, "argv") ||
        nsinit_cur_get_strv(c, &s->envp, NSINIT_MAX_ARGS, NSINIT_MAX_ARG, "envp") ||
        nsinit_cur_get_i32(c, &s->fd) || nsinit_cur_get_i32(c, &s->out_fd) ||
        nsinit_cur_get_u32(c, &s->timeout_ms))
      return -1;
    /* The runtime-spec requires an absolute path; stdin (the state) and output are the
     * runtime's own files, never the container's stdio. */
    if (s->path[0] != '/') return nsinit_plan_invalid(c, "path must be absolute: '%s'", s->path);
    if (s->argv[0] == NULL) return nsinit_plan_invalid(c, "argv is empty");
    if (s->fd < 3 || s->out_fd < 3)
      return nsinit_plan_invalid(c, "stdin and output must be fds >= 3");
    if (s->timeout_ms > INT32_MAX) return nsinit_plan_invalid(c, "timeout is out of range");
    return 0;
  case NSINIT_OP_READONLY:
    if (nsinit_cur_get_str(c, &s->target, NSINIT_MAX_PATH, "target") ||
        nsinit_cur_get_u32(c, &s->flags) || nsinit_cur_get_bool(c, &s->recursive, "recursive") ||
        nsinit_cur_get_bool(c, &s->optional, "optional"))
      return -1;
    if (check_flags(c, s->flags, MS_ATTR_FLAGS | MS_BIND | MS_REC | MS_REMOUNT, "flags")) return -1;
    return check_target(c, s->target, "target");
  case NSINIT_OP_MASK:
    if (nsinit_cur_get_str(c, &s->target, NSINIT_MAX_PATH, "target") ||
        nsinit_cur_get_bool(c, &s->optional, "optional"))
      return -1;
    return check_target(c, s->target, "target");
  case NSINIT_OP_HOSTNAME:
  case NSINIT_OP_DOMAINNAME:
    if (nsinit_cur_get_str(c, &s->path, NSINIT_MAX_HOSTNAME, "name")) return -1;
    return 0;
  case NSINIT_OP_CHOWN:
    if (nsinit_cur_get_str(c, &s->target, NSINIT_MAX_PATH, "target") ||
        nsinit_cur_get_u32(c, &s->uid) || nsinit_cur_get_u32(c, &s->gid))
      return -1;
    return check_target(c, s->target, "target");
  case NSINIT_OP_SYSCTL:
    if (nsinit_cur_get_str(c, &s->target, NSINIT_MAX_PATH, "key") ||
        nsinit_cur_get_str(c, &s->value, NSINIT_MAX_SYSCTL, "value"))
      return -1;
    /* A relative path below /proc/sys: no leading '/', no empty, "." or ".." component. */
    if (s->target[0] == 0 || s->target[0] == '/')
      return nsinit_plan_invalid(c, "key must be a relative path below /proc/sys: '%s'", s->target);
    for (const char *p = s->target; *p;) {
      const char *q = strchr(p, '/');
      size_t n = q ? (size_t)(q - p) : strlen(p);
      if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
        return nsinit_plan_invalid(c, "key has an empty, '.' or '..' component: '%s'", s->target);
      p += n;
      if (*p == '/') p++;
    }
    return 0;
  case NSINIT_OP_UNSHARE:
    if (nsinit_cur_get_u32(c, &s->flags)) return -1;
    /* Only the cgroup namespace is created late (after the parent placed the child in its
     * cgroups, so the namespace root is the container's own cgroup). */
    if (s->flags != CLONE_NEWCGROUP) return nsinit_plan_invalid(c, "flags must be CLONE_NEWCGROUP");
    return 0;
  case NSINIT_OP_LSM_LABEL:
    if (nsinit_cur_get_str(c, &s->target, 31, "attr") ||
        nsinit_cur_get_str(c, &s->value, NSINIT_MAX_SYSCTL, "value"))
      return -1;
    /* Only the two exec attributes: SELinux's attr/exec and AppArmor's attr/apparmor/exec. */
    if (strcmp(s->target, "exec") != 0 && strcmp(s->target, "apparmor/exec") != 0)
      return nsinit_plan_invalid(c, "attr must be 'exec' or 'apparmor/exec'");
    if (s->value[0] == 0) return nsinit_plan_invalid(c, "value is empty");
    return 0;
  case NSINIT_OP_SECCOMP:
    if (nsinit_cur_get_u32(c, &s->flags) || nsinit_cur_get_u32(c, &s->blob_len)) return -1;
    /* SECCOMP_FILTER_FLAG_LOG 2, SECCOMP_FILTER_FLAG_SPEC_ALLOW 4 and
     * SECCOMP_FILTER_FLAG_NEW_LISTENER 8 (the listener fd goes to the parent); a program is whole
     * 8-byte instructions, 1..BPF_MAXINSNS. */
    if (check_flags(c, s->flags, 2u | 4u | 8u, "flags")) return -1;
    if (s->blob_len == 0 || s->blob_len % 8 != 0 || s->blob_len / 8 > NSINIT_SECCOMP_MAX_INSNS)
      return nsinit_plan_invalid(c, "program length %u is not 1..%u instructions", s->blob_len,
                                 NSINIT_SECCOMP_MAX_INSNS);
    if (nsinit_cur_need(c, s->blob_len)) return -1;
    s->blob = c->p + c->off;
    c->off += s->blob_len;
    return 0;
  case NSINIT_OP_TIMENS:
    /* At most the two clock lines of timens_offsets ("<clock> <secs> <nanosecs>\n"). */
    if (nsinit_cur_get_str(c, &s->value, 128, "offsets")) return -1;
    return 0;
  case NSINIT_OP_PERSONALITY:
    if (nsinit_cur_get_u32(c, &s->persona)) return -1;
    /* PER_LINUX (0) and PER_LINUX32 (8) only: the other domains and flags are not for containers.
     */
    if (s->persona != 0 && s->persona != 8)
      return nsinit_plan_invalid(c, "persona 0x%x is not PER_LINUX or PER_LINUX32", s->persona);
    return 0;
  case NSINIT_OP_RLIMIT:
    if (nsinit_cur_get_i32(c, &s->resource) || nsinit_cur_get_u64(c, (uint64_t *)&s->soft) ||
        nsinit_cur_get_u64(c, (uint64_t *)&s->hard))
      return -1;
    if (s->resource < 0 || s->resource >= RLIMIT_NLIMITS)
      return nsinit_plan_invalid(c, "resource %d is not a RLIMIT_* value", s->resource);
    if (s->soft < -1 || s->hard < NSINIT_RLIM_KEEP)
      return nsinit_plan_invalid(c, "limits must be >= -1 (-1 = unlimited, hard -2 = inherited)");
    return 0;
  case NSINIT_OP_UMASK:
    if (nsinit_cur_get_u32(c, &s->mode)) return -1;
    if (s->mode > 0777) return nsinit_plan_invalid(c, "mask 0%o is out of range", s->mode);
    return 0;
  case NSINIT_OP_IDENTITY: {
    uint32_t n;
    if (nsinit_cur_get_u32(c, &s->uid) || nsinit_cur_get_u32(c, &s->gid) ||
        nsinit_cur_get_u32(c, &n))
      return -1;
    if (s->uid == UINT32_MAX || s->gid == UINT32_MAX)
      return nsinit_plan_invalid(c, "uid/gid -1 is not an id");
    if (n > NSINIT_MAX_GROUPS)
      return nsinit_plan_invalid(c, "more than %u groups", NSINIT_MAX_GROUPS);
    if (nsinit_cur_need(c, (size_t)n * 4)) return -1;
    s->groups = calloc((size_t)n + 1, sizeof(gid_t));
    if (s->groups == NULL) return nsinit_plan_invalid(c, "out of memory");
    s->ngroups = n;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t g = 0;
      nsinit_cur_get_u32(c, &g);
      if (g == UINT32_MAX) return nsinit_plan_invalid(c, "group -1 is not an id");
      s->groups[i] = g;
    }
    return nsinit_cur_get_bool(c, &s->keep_groups, "keepGroups");
  }
  case NSINIT_OP_SETNS_EARLY:
    if (nsinit_cur_get_i32(c, &s->fd) || nsinit_cur_get_u32(c, &s->nstype)) return -1;
    if (s->fd < 0) return nsinit_plan_invalid(c, "fd must be >= 0");
    /* Only namespaces a thread may enter on its own for its next clone: not mount or user (a
     * multi-threaded caller cannot), not time. */
    if (s->nstype != CLONE_NEWNET && s->nstype != CLONE_NEWIPC && s->nstype != CLONE_NEWUTS &&
        s->nstype != CLONE_NEWCGROUP && s->nstype != CLONE_NEWPID)
      return nsinit_plan_invalid(
          c, "nstype must be one of CLONE_NEWNET, NEWIPC, NEWUTS, NEWCGROUP, NEWPID");
    return 0;
  case NSINIT_OP_OPEN_TREE:
    if (nsinit_cur_get_str(c, &s->source, NSINIT_MAX_PATH, "source") ||
        nsinit_cur_get_bool(c, &s->recursive, "recursive") || nsinit_cur_get_u32(c, &s->slot))
      return -1;
    if (s->source[0] != '/') return nsinit_plan_invalid(c, "source must be an absolute host path");
    if (s->slot >= NSINIT_MAX_TREES)
      return nsinit_plan_invalid(c, "slot %u is not below %u", s->slot, NSINIT_MAX_TREES);
    return 0;
  case NSINIT_OP_ATTACH_TREE:
    if (nsinit_cur_get_u32(c, &s->slot) ||
        nsinit_cur_get_str(c, &s->target, NSINIT_MAX_PATH, "target") ||
        nsinit_cur_get_u32(c, &s->flags) || nsinit_cur_get_bool(c, &s->recursive, "recursive") ||
        nsinit_cur_get_u32(c, &s->propagation))
      return -1;
    if (s->slot >= NSINIT_MAX_TREES)
      return nsinit_plan_invalid(c, "slot %u is not below %u", s->slot, NSINIT_MAX_TREES);
    if (check_flags(c, s->flags, MS_ATTR_FLAGS | MS_BIND | MS_REC, "flags")) return -1;
    if (check_propagation(c, s->propagation, true)) return -1;
    return check_target(c, s->target, "target");
  case NSINIT_OP_USERNS_ROOT:
    /* on = also clear the supplementary groups (setgroups is allowed in this namespace) */
    return nsinit_cur_get_bool(c, &s->on, "setgroups");
  case NSINIT_OP_CAPS:
    return nsinit_cur_get_u64(c, &s->bounding) || nsinit_cur_get_u64(c, &s->effective) ||
                   nsinit_cur_get_u64(c, &s->permitted) || nsinit_cur_get_u64(c, &s->inheritable) ||
                   nsinit_cur_get_u64(c, &s->ambient)
               ? -1
               : 0;
  case NSINIT_OP_SESSION:
    return nsinit_cur_get_bool(c, &s->ctty, "ctty");
  case NSINIT_OP_PDEATHSIG:
    if (nsinit_cur_get_i32(c, &s->signal)) return -1;
    if (s->signal < 0 || s->signal > SIGRTMAX)
      return nsinit_plan_invalid(c, "signal %d is out of range", s->signal);
    return 0;
  case NSINIT_OP_DUMPABLE:
    return nsinit_cur_get_bool(c, &s->on, "on");
  case NSINIT_OP_EXEC:
    if (nsinit_cur_get_strv(c, &s->candidates, NSINIT_MAX_CANDIDATES, NSINIT_MAX_PATH,
                            "candidates") ||
        nsinit_cur_get_strv(c, &s->argv, NSINIT_MAX_ARGS, NSINIT_MAX_ARG, "argv") ||
        nsinit_cur_get_strv(c, &s->envp, NSINIT_MAX_ARGS, NSINIT_MAX_ARG, "envp"))
      return -1;
    if (s->candidates[0] == NULL) return nsinit_plan_invalid(c, "candidates is empty");
    if (s->argv[0] == NULL) return nsinit_plan_invalid(c, "argv is empty");
    for (char **p = s->candidates; *p; p++)
      if ((*p)[0] != '/')
        return nsinit_plan_invalid(c, "candidate '%s' is not an absolute path", *p);
    return 0;
  case NSINIT_OP_LINK_UP:
    /* An interface name (IFNAMSIZ with its NUL, no '/' or whitespace: dev_valid_name) and an MTU
     * (0 leaves it; else 68, IPv4's minimum, up to INT_MAX as netdevice(7)'s ifr_mtu is an int). */
    if (nsinit_cur_get_str(c, &s->path, 15, "name") || nsinit_cur_get_u32(c, &s->mode)) return -1;
    if (s->path[0] == 0 || strpbrk(s->path, "/: \t\n") || strcmp(s->path, ".") == 0 ||
        strcmp(s->path, "..") == 0)
      return nsinit_plan_invalid(c, "name '%s' is not an interface name", s->path);
    if (s->mode != 0 && (s->mode < 68 || s->mode > 0x7fffffffu))
      return nsinit_plan_invalid(c, "mtu %u is out of range", s->mode);
    return 0;
  default:
    return nsinit_plan_invalid(c, "unknown op %u", s->op);
  }
}

bool nsinit_plan_needs_root(uint32_t op)
{
  switch (op) {
  case NSINIT_OP_MOUNT:
  case NSINIT_OP_BIND:
  case NSINIT_OP_ATTACH_TREE:
  case NSINIT_OP_IDMAP_BIND:
  case NSINIT_OP_MKNOD:
  case NSINIT_OP_SYMLINK:
  case NSINIT_OP_MKDIR:
  case NSINIT_OP_CONSOLE:
  case NSINIT_OP_PIVOT_ROOT:
  case NSINIT_OP_MOVE_ROOT:
  case NSINIT_OP_CHROOT:
  case NSINIT_OP_READONLY:
  case NSINIT_OP_MASK:
  case NSINIT_OP_CHOWN:
  case NSINIT_OP_SYSCTL:
  case NSINIT_OP_LSM_LABEL:
    return true;
  default:
    return false;
  }
}
