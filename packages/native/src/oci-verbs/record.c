/* Loading one container's state.json (written by the TypeScript create, atomically, in a root-only
 * directory under --root): opened below a directory fd with O_NOFOLLOW, bounded, owned by us and
 * writable by nobody else, and validated against the one format this program knows. Anything
 * else (another format number, a key it does not know, a path that is not a plain absolute
 * cgroupfs path) is NSINIT_OCI_FALLBACK: Node reads it instead. Man pages: openat(2), fstat(2). */
#include "verbs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* hookSteps (the startContainer hooks' labels) is read by Node's start only: fast.node sends
 * start there whenever it is present; hostMount (a rootfs bind left in the runtime's mount
 * namespace) by Node's delete only, which fast.node sends there likewise. */
static const char *const RECORD_KEYS[] = {"format",      "ociVersion", "id",        "pid",
                                          "start",       "bundle",     "rootfs",    "created",
                                          "annotations", "cgroup",     "noProcess", "hookSteps",
                                          "hooks",       "fast",       "hostMount", NULL};
static const char *const FAST_KEYS[] = {"node", "cgroup", "startSteps", NULL};
static const char *const CGROUP_KEYS[] = {"version", "procs", "freezer", "dirs", "parents", NULL};

bool nsinit_record_valid_id(const char *id)
{
  size_t n = strlen(id);
  if (n == 0 || n > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0) return false;
  for (const char *p = id; *p; p++) {
    char c = *p;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '+' || c == '-' || c == '.'))
      return false;
  }
  return true;
}

static bool only_keys(const struct nsinit_json_doc *d, const struct nsinit_json *obj,
                      const char *const *keys)
{
  if (obj == NULL || obj->type != NSINIT_JSON_OBJECT) return false;
  for (const struct nsinit_json *m = nsinit_json_first(d, obj); m; m = nsinit_json_next(d, m)) {
    bool known = false;
    for (const char *const *k = keys; *k && !known; k++)
      known = strcmp(*k, m->key) == 0;
    if (!known) return false;
  }
  return true;
}

static const char *str_of(const struct nsinit_json_doc *d, const struct nsinit_json *obj,
                          const char *key)
{
  const struct nsinit_json *v = nsinit_json_get(d, obj, key);
  return v != NULL && v->type == NSINIT_JSON_STRING ? v->str : NULL;
}

/* Absolute, no "." or ".." component, no "//": the paths openCgroup accepts, and no others. */
static bool plain_path(const char *p)
{
  if (p == NULL || p[0] != '/' || strlen(p) > 4000) return false;
  for (const char *s = p; *s;) {
    s++;
    const char *e = strchr(s, '/');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) return false;
    if (n == 0 && e != NULL) return false;
    if (e == NULL) break;
    s = e;
  }
  return true;
}

static bool string_array(const struct nsinit_json_doc *d, const struct nsinit_json *arr,
                         const char ***out, size_t *n)
{
  if (arr == NULL || arr->type != NSINIT_JSON_ARRAY) return false;
  size_t count = 0;
  for (const struct nsinit_json *m = nsinit_json_first(d, arr); m; m = nsinit_json_next(d, m)) {
    if (m->type != NSINIT_JSON_STRING || !plain_path(m->str)) return false;
    count++;
  }
  const char **v = calloc(count + 1, sizeof(*v));
  if (v == NULL) return false;
  size_t i = 0;
  for (const struct nsinit_json *m = nsinit_json_first(d, arr); m; m = nsinit_json_next(d, m))
    v[i++] = m->str;
  *out = v;
  *n = count;
  return true;
}

static bool load_cgroup(struct nsinit_oci_record *r, const struct nsinit_json *c)
{
  const struct nsinit_json_doc *d = &r->doc;
  if (c->type == NSINIT_JSON_NULL) return true;
  if (!only_keys(d, c, CGROUP_KEYS)) return false;
  uint64_t version;
  if (!nsinit_json_uint(nsinit_json_get(d, c, "version"), &version) ||
      (version != 1 && version != 2))
    return false;
  r->cg.version = (int)version;
  r->cg.procs = str_of(d, c, "procs");
  if (!plain_path(r->cg.procs)) return false;
  const struct nsinit_json *f = nsinit_json_get(d, c, "freezer");
  if (f == NULL) return false;
  if (f->type == NSINIT_JSON_STRING) {
    if (!plain_path(f->str)) return false;
    r->cg.freezer = f->str;
  } else if (f->type != NSINIT_JSON_NULL) {
    return false;
  }
  if (!string_array(d, nsinit_json_get(d, c, "dirs"), &r->cg.dirs, &r->cg.ndirs) ||
      !string_array(d, nsinit_json_get(d, c, "parents"), &r->cg.parents, &r->cg.nparents))
    return false;
  r->has_fast_cgroup = true;
  return true;
}

static bool validate(struct nsinit_oci_record *r, int root, const char *id)
{
  const struct nsinit_json_doc *d = &r->doc;
  const struct nsinit_json *top = nsinit_json_at(d, root);
  if (!only_keys(d, top, RECORD_KEYS)) return false;
  uint64_t format, pid;
  if (!nsinit_json_uint(nsinit_json_get(d, top, "format"), &format) ||
      format != NSINIT_OCI_STATE_FORMAT)
    return false;
  if (!nsinit_json_uint(nsinit_json_get(d, top, "pid"), &pid) || pid == 0 || pid > 4194304)
    return false;
  r->pid = (pid_t)pid;
  r->oci_version = str_of(d, top, "ociVersion");
  r->id = str_of(d, top, "id");
  r->start = str_of(d, top, "start");
  r->bundle = str_of(d, top, "bundle");
  r->rootfs = str_of(d, top, "rootfs");
  r->created = str_of(d, top, "created");
  if (!r->oci_version || !r->id || !r->start || !r->bundle || !r->rootfs || !r->created)
    return false;
  if (strcmp(r->id, id) != 0 || r->start[0] == 0 ||
      strspn(r->start, "0123456789") != strlen(r->start))
    return false;
  /* JSON.stringify writes array-index keys first: such annotations are left to Node. */
  r->annotations = nsinit_json_get(d, top, "annotations");
  if (r->annotations == NULL || r->annotations->type != NSINIT_JSON_OBJECT) return false;
  for (const struct nsinit_json *m = nsinit_json_first(d, r->annotations); m;
       m = nsinit_json_next(d, m))
    if (m->type != NSINIT_JSON_STRING || nsinit_json_index_key(m->key)) return false;
  const struct nsinit_json *cgroup = nsinit_json_get(d, top, "cgroup");
  if (cgroup == NULL) return false;
  r->has_cgroup = cgroup->type != NSINIT_JSON_NULL;
  const struct nsinit_json *hooks = nsinit_json_get(d, top, "hooks");
  if (hooks == NULL || hooks->type != NSINIT_JSON_OBJECT) return false;
  const struct nsinit_json *hs = nsinit_json_get(d, top, "hookSteps");
  if (hs != NULL && hs->type != NSINIT_JSON_OBJECT) return false;
  const struct nsinit_json *np = nsinit_json_get(d, top, "noProcess");
  if (np != NULL && np->type != NSINIT_JSON_BOOL) return false;
  r->no_process = np != NULL && np->boolean;
  const struct nsinit_json *fast = nsinit_json_get(d, top, "fast");
  if (!only_keys(d, fast, FAST_KEYS)) return false;
  r->node_verbs = nsinit_json_get(d, fast, "node");
  if (r->node_verbs == NULL || r->node_verbs->type != NSINIT_JSON_ARRAY) return false;
  for (const struct nsinit_json *m = nsinit_json_first(d, r->node_verbs); m;
       m = nsinit_json_next(d, m))
    if (m->type != NSINIT_JSON_STRING) return false;
  r->start_steps = nsinit_json_get(d, fast, "startSteps");
  if (r->start_steps == NULL || r->start_steps->type != NSINIT_JSON_OBJECT) return false;
  const struct nsinit_json *fc = nsinit_json_get(d, fast, "cgroup");
  return fc != NULL && load_cgroup(r, fc);
}

int nsinit_record_load(int dirfd, const char *id, struct nsinit_oci_record *r)
{
  nsinit_record_free(r);
  int fd = openat(dirfd, "state.json", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? -2 : nsinit_oci_fallback("state.json cannot be opened");
  struct stat st;
  /* Only what this user wrote, and nobody else can change, is trusted. */
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & 022) != 0 || st.st_size > NSINIT_OCI_STATE_LIMIT) {
    close(fd);
    return nsinit_oci_fallback("state.json is not a private regular file of ours");
  }
  r->text = malloc((size_t)st.st_size + 1);
  size_t got = 0;
  while (r->text != NULL && got < (size_t)st.st_size) {
    ssize_t n = read(fd, r->text + got, (size_t)st.st_size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(fd);
  if (r->text == NULL || got != (size_t)st.st_size)
    return nsinit_oci_fallback("state.json cannot be read");
  int root = nsinit_json_parse(&r->doc, r->text, got);
  if (root < 0 || !validate(r, root, id))
    return nsinit_oci_fallback("state.json is not in the format this program reads");
  return 0;
}

int nsinit_record_open(const char *root, const char *id, struct nsinit_oci_record *r)
{
  int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return errno == ENOENT ? -2 : nsinit_oci_fallback("--root cannot be opened");
  int dirfd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int err = errno;
  close(rootfd);
  if (dirfd < 0) return err == ENOENT ? -2 : nsinit_oci_fallback("the container directory");
  int rc = nsinit_record_load(dirfd, id, r);
  if (rc < 0) {
    nsinit_record_free(r);
    close(dirfd);
    return rc;
  }
  return dirfd;
}

void nsinit_record_free(struct nsinit_oci_record *r)
{
  nsinit_json_free(&r->doc);
  free(r->text);
  free(r->cg.dirs);
  free(r->cg.parents);
  memset(r, 0, sizeof(*r));
}

int nsinit_record_open_verb(const struct nsinit_oci_global *g, const char *id, const char *verb,
                            struct nsinit_oci_record *r, int *rc)
{
  int dirfd = nsinit_record_open(g->root, id, r);
  if (dirfd == -2) {
    nsinit_record_free(r);
    nsinit_log_error(g, "container '%s' does not exist", id);
    *rc = NSINIT_OCI_ERROR;
    return -1;
  }
  if (dirfd < 0) {
    *rc = NSINIT_OCI_FALLBACK;
    return -1;
  }
  if (nsinit_record_needs_node(r, verb)) {
    close(dirfd);
    nsinit_record_free(r);
    *rc = nsinit_oci_fallback("the record's recipe sends this verb to Node");
    return -1;
  }
  return dirfd;
}

bool nsinit_record_needs_node(const struct nsinit_oci_record *r, const char *verb)
{
  for (const struct nsinit_json *m = nsinit_json_first(&r->doc, r->node_verbs); m;
       m = nsinit_json_next(&r->doc, m))
    if (strcmp(m->str, verb) == 0) return true;
  return false;
}
