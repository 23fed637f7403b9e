/* Private to the plan decoder (plan.c, plan-steps.c): the bounds-checked read cursor over the
 * plan buffer and the flag sets a plan may use. Every read checks the remaining length first. */
#ifndef NSINIT_PLAN_CURSOR_H
#define NSINIT_PLAN_CURSOR_H

#include "nsinit.h"

#include <sched.h>
#include <sys/mount.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define NS_FLAGS                                                                                   \
  (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |       \
   CLONE_NEWCGROUP | CLONE_NEWTIME)
#define MS_ATTR_FLAGS                                                                              \
  (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME |       \
   MS_STRICTATIME | MS_NOSYMFOLLOW)
#define MS_PROPAGATION (MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE)

struct cursor {
  const unsigned char *p;
  size_t len;
  size_t off;
  struct nsinit_err *e;
  uint32_t step;
  uint32_t op;
};

__attribute__((format(printf, 2, 3))) int nsinit_plan_invalid(struct cursor *c, const char *fmt,
                                                              ...);
int nsinit_cur_need(struct cursor *c, size_t n);
int nsinit_cur_get_u32(struct cursor *c, uint32_t *v);
int nsinit_cur_get_i32(struct cursor *c, int32_t *v);
int nsinit_cur_get_u64(struct cursor *c, uint64_t *v);
int nsinit_cur_get_bool(struct cursor *c, bool *v, const char *field);
int nsinit_cur_get_str(struct cursor *c, const char **out, uint32_t max, const char *field);
int nsinit_cur_get_strv(struct cursor *c, char ***out, uint32_t maxn, uint32_t maxlen,
                        const char *field);
/* plan-steps.c */
int nsinit_plan_decode_step(struct cursor *c, struct nsinit_step *s);
bool nsinit_plan_needs_root(uint32_t op);

#endif
