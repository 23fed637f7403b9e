/* The recorded cgroup of a container, as runtime/src/cgroups/{freezer,cgroup-procs}.ts handle it:
 * the freezer (v1 freezer.state; v2 cgroup.freeze, done when cgroup.events says "frozen 1"), the
 * processes of the directory and every directory below it, a signal to all of them with the tree
 * frozen (v2 SIGKILL: one write to cgroup.kill), and the removal create's recipe lists.
 * cgroup-v1/freezer-subsystem.rst, cgroup-v2.rst; rmdir(2) refuses a cgroup with tasks (EBUSY). */
#include "verbs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void nsinit_sleep_ms(int ms)
{
  struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

long long nsinit_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int read_file(const char *dir, const char *name, char *buf, size_t len)
{
  char path[4200];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, len - 1);
  int err = errno;
  close(fd);
  if (n < 0) {
    errno = err;
    return -1;
  }
  buf[n] = 0;
  return (int)n;
}

static int write_file(const char *dir, const char *name, const char *value)
{
  char path[4200];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, value, strlen(value));
  int err = errno;
  close(fd);
  errno = err;
  return n < 0 ? -1 : 0;
}

static void trim(char *s)
{
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = 0;
}

/* freezer.ts freezerState: "FROZEN", "FREEZING" or "THAWED"; NULL when it cannot be read. */
static const char *freezer_state(const struct nsinit_oci_cgroup *cg, char *buf, size_t len)
{
  if (cg->freezer == NULL) return NULL;
  if (cg->version == 1) {
    if (read_file(cg->freezer, "freezer.state", buf, len) < 0) return NULL;
    trim(buf);
    return buf;
  }
  char want[16], events[512];
  if (read_file(cg->freezer, "cgroup.freeze", want, sizeof(want)) < 0 ||
      read_file(cg->freezer, "cgroup.events", events, sizeof(events)) < 0)
    return NULL;
  trim(want);
  bool frozen = strncmp(events, "frozen 1\n", 9) == 0 || strstr(events, "\nfrozen 1\n") != NULL;
  snprintf(buf, len, "%s", frozen ? "FROZEN" : strcmp(want, "1") == 0 ? "FREEZING" : "THAWED");
  return buf;
}

bool nsinit_cgroup_frozen(const struct nsinit_oci_cgroup *cg)
{
  char buf[64];
  const char *s = freezer_state(cg, buf, sizeof(buf));
  return s != NULL && strcmp(s, "THAWED") != 0;
}

/* Write the target and poll until the kernel reports it (freezing completes asynchronously once
 * every task has stopped), for up to 5 s as pollUntil does. */
int nsinit_cgroup_freeze(const struct nsinit_oci_global *g, const struct nsinit_oci_cgroup *cg,
                         bool frozen)
{
  const char *target = frozen ? "FROZEN" : "THAWED";
  int rc = cg->version == 1 ? write_file(cg->freezer, "freezer.state", target)
                            : write_file(cg->freezer, "cgroup.freeze", frozen ? "1" : "0");
  if (rc < 0) {
    nsinit_log_error(g, "%s: cannot write '%s', write '%s/%s'", strerror(errno), target,
                     cg->freezer, cg->version == 1 ? "freezer.state" : "cgroup.freeze");
    return NSINIT_OCI_ERROR;
  }
  long long deadline = nsinit_now_ms() + 5000;
  for (;;) {
    char buf[64];
    const char *s = freezer_state(cg, buf, sizeof(buf));
    if (s != NULL && strcmp(s, target) == 0) return NSINIT_OCI_OK;
    if (nsinit_now_ms() > deadline) {
      nsinit_log_error(g, "timed out waiting for the freezer of %s to reach %s", cg->freezer,
                       target);
      return NSINIT_OCI_ERROR;
    }
    nsinit_sleep_ms(1);
  }
}

struct pidset {
  pid_t *v;
  size_t n, cap;
};

static void add_pid(struct pidset *s, pid_t pid)
{
  for (size_t i = 0; i < s->n; i++)
    if (s->v[i] == pid) return;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    pid_t *v = realloc(s->v, cap * sizeof(*v));
    if (v == NULL) return;
    s->v = v;
    s->cap = cap;
  }
  s->v[s->n++] = pid;
}

/* Every directory below `dir` (deepest first) then `dir`, for `fn`. Depth-bounded: cgroupfs nests
 * at most as deep as the container made it. */
static void walk(const char *dir, int depth, void (*fn)(const char *, void *), void *arg)
{
  DIR *d = depth < 32 ? opendir(dir) : NULL;
  if (d != NULL) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      char sub[4200];
      if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) >= sizeof(sub)) continue;
      walk(sub, depth + 1, fn, arg);
    }
    closedir(d);
  }
  fn(dir, arg);
}

static void collect(const char *dir, void *arg)
{
  char path[4200];
  snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
  FILE *f = fopen(path, "re");
  if (f == NULL) return; /* removed meanwhile */
  char line[64];
  while (fgets(line, sizeof(line), f) != NULL) {
    char *end;
    long v = strtol(line, &end, 10);
    if (end != line && (*end == '\n' || *end == 0) && v > 0) add_pid(arg, (pid_t)v);
  }
  fclose(f);
}

static int cmp_pid(const void *a, const void *b)
{
  pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
  return (x > y) - (x < y);
}

size_t nsinit_cgroup_pids(const struct nsinit_oci_cgroup *cg, pid_t **out)
{
  struct pidset s = {0};
  walk(cg->procs, 0, collect, &s);
  if (s.n > 1) qsort(s.v, s.n, sizeof(*s.v), cmp_pid);
  *out = s.v;
  return s.n;
}

int nsinit_cgroup_signal_all(const struct nsinit_oci_global *g, const struct nsinit_oci_cgroup *cg,
                             int sig)
{
  if (cg->version == 2 && sig == SIGKILL) {
    char path[4200];
    struct stat st;
    snprintf(path, sizeof(path), "%s/cgroup.kill", cg->procs);
    if (stat(path, &st) == 0) {
      if (write_file(cg->procs, "cgroup.kill", "1") == 0) return NSINIT_OCI_OK;
      nsinit_log_error(g, "%s: write '%s'", strerror(errno), path);
      return NSINIT_OCI_ERROR;
    }
  }
  /* Frozen while the list is read and signalled, so nothing forks past it; a container that was
   * already paused stays paused. */
  char buf[64];
  const char *state = freezer_state(cg, buf, sizeof(buf));
  bool thawed = state != NULL && strcmp(state, "THAWED") == 0;
  if (thawed && nsinit_cgroup_freeze(g, cg, true) != NSINIT_OCI_OK) return NSINIT_OCI_ERROR;
  pid_t *pids;
  size_t n = nsinit_cgroup_pids(cg, &pids);
  int rc = NSINIT_OCI_OK;
  for (size_t i = 0; i < n && rc == NSINIT_OCI_OK; i++) {
    if (kill(pids[i], sig) < 0 && errno != ESRCH) {
      nsinit_log_error(g, "%s: kill %d", strerror(errno), (int)pids[i]);
      rc = NSINIT_OCI_ERROR;
    }
  }
  free(pids);
  if (thawed && nsinit_cgroup_freeze(g, cg, false) != NSINIT_OCI_OK) return NSINIT_OCI_ERROR;
  return rc;
}

/* cgroupfs.ts rmdirRetry: gone is done; EBUSY (exiting tasks still draining) is retried. */
static int rmdir_retry(const char *dir)
{
  for (int i = 0;; i++) {
    if (rmdir(dir) == 0 || errno == ENOENT) return 0;
    if (errno != EBUSY || i >= 50) return -1;
    nsinit_sleep_ms(20);
  }
}

struct teardown {
  const char *top;
  const char *failed;
  char path[4200];
  int err;
};

static void remove_sub(const char *dir, void *arg)
{
  struct teardown *t = arg;
  if (t->failed != NULL || strcmp(dir, t->top) == 0) return;
  if (rmdir_retry(dir) < 0) {
    t->err = errno;
    snprintf(t->path, sizeof(t->path), "%s", dir);
    t->failed = t->path;
  }
}

/* cgroup-procs.ts destroyCgroup, then the handle's destroy (handle.ts removeChains): kill what
 * is left and wait for the cgroup to empty, remove the sub-cgroups the container made, its own
 * directories, then the parents create made when they are empty. Failures are warnings. */
int nsinit_cgroup_destroy(const struct nsinit_oci_global *g, const struct nsinit_oci_cgroup *cg)
{
  struct stat st;
  if (stat(cg->procs, &st) == 0) {
    pid_t *pids;
    size_t n = nsinit_cgroup_pids(cg, &pids);
    free(pids);
    if (n > 0) {
      if (nsinit_cgroup_signal_all(g, cg, SIGKILL) != NSINIT_OCI_OK) return NSINIT_OCI_ERROR;
      /* A frozen cgroup's tasks die only once thawed (v1 freezer holds even SIGKILL). */
      if (nsinit_cgroup_frozen(cg) && nsinit_cgroup_freeze(g, cg, false) != NSINIT_OCI_OK)
        return NSINIT_OCI_ERROR;
      long long deadline = nsinit_now_ms() + 5000;
      for (;;) {
        n = nsinit_cgroup_pids(cg, &pids);
        free(pids);
        if (n == 0) break;
        if (nsinit_now_ms() > deadline) {
          nsinit_log_warning(
              g, "cgroup teardown: timed out waiting for the processes of %s to exit", cg->procs);
          return NSINIT_OCI_ERROR;
        }
        nsinit_sleep_ms(1);
      }
    }
    for (size_t i = 0; i < cg->ndirs; i++) {
      struct teardown t = {.top = cg->dirs[i]};
      walk(cg->dirs[i], 0, remove_sub, &t);
      if (t.failed != NULL) {
        nsinit_log_warning(g, "cgroup teardown: cannot remove the container's sub-cgroup %s: %s",
                           t.failed, strerror(t.err));
        return NSINIT_OCI_ERROR;
      }
    }
  }
  int rc = NSINIT_OCI_OK;
  for (size_t i = 0; i < cg->ndirs; i++) {
    if (rmdir_retry(cg->dirs[i]) < 0 && rc == NSINIT_OCI_OK) {
      nsinit_log_warning(g, "cgroup teardown: %s, rmdir '%s'", strerror(errno), cg->dirs[i]);
      rc = NSINIT_OCI_ERROR;
    }
  }
  /* A parent shared with another container stays (EBUSY, ENOTEMPTY). */
  for (size_t i = 0; i < cg->nparents; i++)
    rmdir(cg->parents[i]);
  return rc;
}
