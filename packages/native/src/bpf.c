/* cgroup v2 device control: v2 has no devices.allow, so the rules become a
 * BPF_PROG_TYPE_CGROUP_DEVICE program, emitted here instruction by instruction (no libbpf), loaded
 * and attached to the cgroup with BPF_F_ALLOW_MULTI. The kernel frees it with the cgroup.
 * Man pages: bpf(2); the kernel's Documentation/admin-guide/cgroup-v2.rst ("Device controller"). */
#include "nsinit.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The program's context is struct bpf_cgroup_dev_ctx: access_type (low 16 bits the device type
 * BPF_DEVCG_DEV_*, high 16 bits the requested BPF_DEVCG_ACC_* bits), then major, then minor. */
enum { R0, R1, R2, R3, R4, R5 };
#define CTX_ACCESS 0
#define CTX_MAJOR 4
#define CTX_MINOR 8
#define PROLOGUE 6         /* load and split access_type, load major and minor */
#define PER_RULE 8         /* at most: type, access (3), major, minor, verdict, exit */
#define JMP_NEXT INT16_MIN /* placeholder patched to "the next rule's first instruction" */

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  struct bpf_insn i;
  memset(&i, 0, sizeof(i));
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

static size_t emit_rule(struct bpf_insn *p, const struct nsinit_dev_rule *r)
{
  size_t n = 0;
  if (r->type != 'a') {
    int t = r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
    p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, R2, 0, JMP_NEXT, t);
  }
  uint32_t all = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  if ((r->access & all) != all) {
    /* The rule matches when every requested bit is one it names (request & ~rule == 0), as
     * devices.allow treats a partial permission. */
    p[n++] = insn(BPF_ALU | BPF_MOV | BPF_X, R1, R3, 0, 0);
    p[n++] = insn(BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, (int32_t)(~r->access & all));
    p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, R1, 0, JMP_NEXT, 0);
  }
  if (r->major >= 0) p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, R4, 0, JMP_NEXT, r->major);
  if (r->minor >= 0) p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, R5, 0, JMP_NEXT, r->minor);
  p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, r->allow ? 1 : 0);
  p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  for (size_t i = 0; i < n; i++)
    if (p[i].off == JMP_NEXT) p[i].off = (int16_t)(n - i - 1);
  return n;
}

/* Later rules override earlier ones (devices.allow after devices.deny 'a'), so the program tests
 * them last to first and returns the first match's verdict; nothing matching means deny. */
static size_t emit_program(struct bpf_insn *p, const struct nsinit_dev_rule *rules, size_t count)
{
  size_t n = 0;
  p[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, R2, R1, CTX_ACCESS, 0);
  p[n++] = insn(BPF_ALU | BPF_AND | BPF_K, R2, 0, 0, 0xffff);
  p[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, R3, R1, CTX_ACCESS, 0);
  p[n++] = insn(BPF_ALU | BPF_RSH | BPF_K, R3, 0, 0, 16);
  p[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, R4, R1, CTX_MAJOR, 0);
  p[n++] = insn(BPF_LDX | BPF_MEM | BPF_W, R5, R1, CTX_MINOR, 0);
  for (size_t i = count; i-- > 0;) {
    size_t k = emit_rule(p + n, &rules[i]);
    n += k;
    /* A rule without tests ("a *:* rwm") always returns: the verifier rejects the unreachable
     * code that would follow it, so it ends the program. */
    if (k == 2) return n;
  }
  p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
  p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
  return n;
}

int nsinit_bpf_device_filter(const char *cgroup_dir, const struct nsinit_dev_rule *rules,
                             size_t count, struct nsinit_err *e)
{
  if (count > NSINIT_DEV_RULES_MAX) return nsinit_err_set(e, E2BIG, "bpf", cgroup_dir);
  for (size_t i = 0; i < count; i++) {
    const struct nsinit_dev_rule *r = &rules[i];
    if ((r->type != 'a' && r->type != 'b' && r->type != 'c') || r->major < -1 || r->minor < -1 ||
        (r->access & ~7u) != 0)
      return nsinit_err_set(e, EINVAL, "bpf", cgroup_dir);
  }
  size_t cap = PROLOGUE + count * PER_RULE + 2;
  struct bpf_insn *prog = calloc(cap, sizeof(*prog));
  if (prog == NULL) return nsinit_err_set(e, ENOMEM, "bpf", cgroup_dir);
  size_t n = emit_program(prog, rules, count);

  /* O_DIRECTORY: BPF_PROG_ATTACH takes a cgroup as an fd of its directory. */
  int cg = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg < 0) {
    int err = errno;
    free(prog);
    return nsinit_err_set(e, err, "open", cgroup_dir);
  }
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)prog;
  attr.insn_cnt = (uint32_t)n;
  attr.license = (uint64_t)(uintptr_t) "GPL";
  int pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
  int err = errno;
  free(prog);
  if (pfd < 0) {
    close(cg);
    return nsinit_err_set(e, err, "bpf", cgroup_dir);
  }
  /* ALLOW_MULTI: a program an ancestor (systemd, an outer runtime) attached keeps running too, and
   * the kernel allows an access only if every program in the hierarchy does. */
  memset(&attr, 0, sizeof(attr));
  attr.target_fd = (uint32_t)cg;
  attr.attach_bpf_fd = (uint32_t)pfd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  int r = (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr));
  err = errno;
  /* The attachment holds its own reference on the program; our fds can go. */
  close(pfd);
  close(cg);
  if (r < 0) return nsinit_err_set(e, err, "bpf", cgroup_dir);
  return 0;
}
