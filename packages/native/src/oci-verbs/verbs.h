/* nsinit-oci-verbs: the verbs of nsinit-oci that compile no plan (start, state, kill, delete,
 * pause, resume, ps, list), run without Node over the state.json that TypeScript wrote
 * (packages/runtime/src/oci/store.ts and fast-record.ts). Whatever this program does not handle
 * it hands to Node unchanged (NSINIT_OCI_FALLBACK), before doing anything. */
#ifndef NSINIT_OCI_VERBS_H
#define NSINIT_OCI_VERBS_H

#include "json.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The format of state.json this program reads (fast-record.ts STATE_FORMAT). */
#define NSINIT_OCI_STATE_FORMAT 1
#define NSINIT_OCI_STATE_LIMIT (1 << 20)

/* Results of a verb: success, a reported error (exit 1), or "let Node do it". */
enum { NSINIT_OCI_OK = 0, NSINIT_OCI_ERROR = 1, NSINIT_OCI_FALLBACK = -1 };

struct nsinit_oci_global {
  const char *root;
  const char *log;
  bool json_log;
};

/* The teardown recipe's cgroup (fast-record.ts FastCgroup). */
struct nsinit_oci_cgroup {
  int version;
  const char *procs;
  const char *freezer; /* NULL: none */
  const char **dirs;
  size_t ndirs;
  const char **parents; /* innermost first */
  size_t nparents;
};

struct nsinit_oci_record {
  struct nsinit_json_doc doc;
  char *text;
  const char *oci_version, *id, *start, *bundle, *rootfs, *created;
  pid_t pid;
  bool has_cgroup; /* the record's own `cgroup` is not null */
  bool no_process;
  const struct nsinit_json *annotations;
  const struct nsinit_json *node_verbs;  /* fast.node */
  const struct nsinit_json *start_steps; /* fast.startSteps */
  struct nsinit_oci_cgroup cg;
  bool has_fast_cgroup;
};

enum nsinit_oci_status {
  NSINIT_OCI_CREATED,
  NSINIT_OCI_RUNNING,
  NSINIT_OCI_PAUSED,
  NSINIT_OCI_STOPPED
};

/* Why the last NSINIT_OCI_FALLBACK was returned (for NSINIT_OCI_FAST_ONLY). */
extern const char *nsinit_oci_fallback_reason;
int nsinit_oci_fallback(const char *reason);

/* log.c: an error or warning as nsinit-oci's Node side writes it (--log, --log-format). */
void nsinit_log_error(const struct nsinit_oci_global *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void nsinit_log_warning(const struct nsinit_oci_global *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* record.c: open --root/<id> (O_NOFOLLOW) and load its state.json strictly. Returns the directory
 * fd, -2 when the container does not exist, or -1 with NSINIT_OCI_FALLBACK semantics. */
int nsinit_record_open(const char *root, const char *id, struct nsinit_oci_record *r);
int nsinit_record_load(int dirfd, const char *id, struct nsinit_oci_record *r);
void nsinit_record_free(struct nsinit_oci_record *r);
bool nsinit_record_needs_node(const struct nsinit_oci_record *r, const char *verb);
/* nsinit_record_open for one verb: the directory fd, or -1 with the verb's return value in *rc
 * (NSINIT_OCI_ERROR once "does not exist" is logged; NSINIT_OCI_FALLBACK for a record this
 * program does not read, or whose recipe sends `verb` to Node). */
int nsinit_record_open_verb(const struct nsinit_oci_global *g, const char *id, const char *verb,
                            struct nsinit_oci_record *r, int *rc);
bool nsinit_record_valid_id(const char *id);

/* status.c: the init by pid + start time, the start gate, the freezer. */
bool nsinit_status_alive(pid_t pid, const char *start);
enum nsinit_oci_status nsinit_status_of(int dirfd, const struct nsinit_oci_record *r);
const char *nsinit_status_name(enum nsinit_oci_status s);
int nsinit_status_open_init(const struct nsinit_oci_record *r); /* verified pidfd or -1 */
bool nsinit_status_wait_stopped(pid_t pid, const char *start, int timeout_ms);
int nsinit_status_lock(const struct nsinit_oci_global *g, int dirfd, const char *id);

/* cgroup.c: the recorded cgroup's processes, freezer, signals and removal. */
bool nsinit_cgroup_frozen(const struct nsinit_oci_cgroup *cg);
int nsinit_cgroup_freeze(const struct nsinit_oci_global *g, const struct nsinit_oci_cgroup *cg,
                         bool frozen);
size_t nsinit_cgroup_pids(const struct nsinit_oci_cgroup *cg, pid_t **out);
int nsinit_cgroup_signal_all(const struct nsinit_oci_global *g, const struct nsinit_oci_cgroup *cg,
                             int sig);
int nsinit_cgroup_destroy(const struct nsinit_oci_global *g, const struct nsinit_oci_cgroup *cg);
void nsinit_sleep_ms(int ms);
long long nsinit_now_ms(void);

/* commands.c, query.c: the verbs. args are the positional arguments after the verb's flags. */
int nsinit_verb_start(const struct nsinit_oci_global *g, const char *id);
int nsinit_verb_state(const struct nsinit_oci_global *g, const char *id);
int nsinit_verb_kill(const struct nsinit_oci_global *g, const char *id, int sig, bool all);
int nsinit_verb_delete(const struct nsinit_oci_global *g, const char *id, bool force);
int nsinit_verb_pause(const struct nsinit_oci_global *g, const char *id, bool pause);
int nsinit_verb_ps(const struct nsinit_oci_global *g, const char *id);
int nsinit_verb_list(const struct nsinit_oci_global *g, bool json, bool quiet);
int nsinit_verb_remove_tree(int parentfd, const char *name);

#endif
