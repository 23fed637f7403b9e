/* state, ps --format json and list: what runtime/src/oci/lifecycle.ts reports, printed exactly as
 * the Node side prints it (JSON.stringify, with two-space indentation for `state`), without the
 * lock (as there). Man pages: proc(5), readdir(3). */
#include "verbs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* lifecycle.ts stateOf, as JSON.stringify(state, null, indent ? 2 : undefined). */
static void write_state(FILE *out, const struct nsinit_oci_record *r, enum nsinit_oci_status st,
                        bool indent)
{
  const char *nl = indent ? "\n  " : "", *sep = indent ? ": " : ":";
  fprintf(out, "{%s\"ociVersion\"%s", nl, sep);
  nsinit_json_write_string(out, r->oci_version);
  fprintf(out, ",%s\"id\"%s", nl, sep);
  nsinit_json_write_string(out, r->id);
  fprintf(out, ",%s\"pid\"%s%d", nl, sep, st == NSINIT_OCI_STOPPED ? 0 : (int)r->pid);
  fprintf(out, ",%s\"status\"%s\"%s\"", nl, sep, nsinit_status_name(st));
  fprintf(out, ",%s\"bundle\"%s", nl, sep);
  nsinit_json_write_string(out, r->bundle);
  fprintf(out, ",%s\"rootfs\"%s", nl, sep);
  nsinit_json_write_string(out, r->rootfs);
  fprintf(out, ",%s\"created\"%s", nl, sep);
  nsinit_json_write_string(out, r->created);
  fprintf(out, ",%s\"annotations\"%s{", nl, sep);
  bool first = true;
  for (const struct nsinit_json *m = nsinit_json_first(&r->doc, r->annotations); m;
       m = nsinit_json_next(&r->doc, m)) {
    fprintf(out, "%s%s", first ? "" : ",", indent ? "\n    " : "");
    nsinit_json_write_string(out, m->key);
    fputs(sep, out);
    nsinit_json_write_string(out, m->str);
    first = false;
  }
  fprintf(out, "%s},%s\"owner\"%s\"\"%s}", !first && indent ? "\n  " : "", nl, sep,
          indent ? "\n" : "");
}

int nsinit_verb_state(const struct nsinit_oci_global *g, const char *id)
{
  struct nsinit_oci_record r = {0};
  int rc;
  int dirfd = nsinit_record_open_verb(g, id, "state", &r, &rc);
  if (dirfd < 0) return rc;
  write_state(stdout, &r, nsinit_status_of(dirfd, &r), true);
  fputc('\n', stdout);
  close(dirfd);
  nsinit_record_free(&r);
  return fflush(stdout) == 0 ? NSINIT_OCI_OK : NSINIT_OCI_ERROR;
}

int nsinit_verb_ps(const struct nsinit_oci_global *g, const char *id)
{
  struct nsinit_oci_record r = {0};
  int rc;
  int dirfd = nsinit_record_open_verb(g, id, "ps", &r, &rc);
  if (dirfd < 0) return rc;
  pid_t *pids = NULL;
  size_t n = 0;
  if (nsinit_status_of(dirfd, &r) != NSINIT_OCI_STOPPED) {
    if (r.has_fast_cgroup) n = nsinit_cgroup_pids(&r.cg, &pids);
    /* No cgroup recorded at all: the init is all we know of. */
    if (n == 0 && !r.has_cgroup) {
      free(pids);
      pids = malloc(sizeof(*pids));
      if (pids != NULL) pids[n++] = r.pid;
    }
  }
  fputc('[', stdout);
  for (size_t i = 0; i < n; i++)
    printf("%s%d", i ? "," : "", (int)pids[i]);
  fputs("]\n", stdout);
  free(pids);
  close(dirfd);
  nsinit_record_free(&r);
  return fflush(stdout) == 0 ? NSINIT_OCI_OK : NSINIT_OCI_ERROR;
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ascii(const char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s >= 0x80) return false;
  return true;
}

struct row {
  char *cells[6];
};

/* Every container under --root that has a state file, in the order Node's readdirSync gives
 * (libuv sorts the names with strcmp). */
int nsinit_verb_list(const struct nsinit_oci_global *g, bool json, bool quiet)
{
  int rootfd = open(g->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0 && errno != ENOENT) return nsinit_oci_fallback("--root cannot be listed");
  char **names = NULL;
  size_t n = 0, cap = 0;
  DIR *d = rootfd >= 0 ? fdopendir(rootfd) : NULL;
  if (rootfd >= 0 && d == NULL) {
    close(rootfd);
    return nsinit_oci_fallback("--root cannot be listed");
  }
  for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char path[512];
    struct stat st;
    if ((size_t)snprintf(path, sizeof(path), "%s/state.json", e->d_name) >= sizeof(path) ||
        fstatat(dirfd(d), path, &st, 0) < 0 || !S_ISREG(st.st_mode))
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      char **v = realloc(names, cap * sizeof(*v));
      if (v == NULL) break;
      names = v;
    }
    names[n++] = strdup(e->d_name);
  }
  if (d != NULL) closedir(d);
  if (n > 1) qsort(names, n, sizeof(*names), cmp_str);
  /* Load every record first: one this program cannot read hands the whole listing to Node. */
  struct nsinit_oci_record *recs = calloc(n + 1, sizeof(*recs));
  enum nsinit_oci_status *sts = calloc(n + 1, sizeof(*sts));
  bool *ok = calloc(n + 1, sizeof(*ok));
  int rc = recs && sts && ok ? NSINIT_OCI_OK : NSINIT_OCI_ERROR;
  for (size_t i = 0; i < n && rc == NSINIT_OCI_OK; i++) {
    if (names[i] == NULL || !nsinit_record_valid_id(names[i])) continue; /* Node skips those */
    int dirfd = nsinit_record_open(g->root, names[i], &recs[i]);
    if (dirfd == -2) continue; /* deleted meanwhile */
    if (dirfd < 0 || nsinit_record_needs_node(&recs[i], "state") ||
        (!json && !quiet &&
         (!ascii(recs[i].bundle) || !ascii(recs[i].created) || !ascii(names[i])))) {
      if (dirfd >= 0) close(dirfd);
      rc = nsinit_oci_fallback("a record this program cannot list");
      break;
    }
    sts[i] = nsinit_status_of(dirfd, &recs[i]);
    ok[i] = true;
    close(dirfd);
  }
  if (rc == NSINIT_OCI_OK) {
    if (quiet) {
      for (size_t i = 0; i < n; i++)
        if (ok[i]) printf("%s\n", recs[i].id);
    } else if (json) {
      bool first = true;
      fputc('[', stdout);
      for (size_t i = 0; i < n; i++) {
        if (!ok[i]) continue;
        if (!first) fputc(',', stdout);
        write_state(stdout, &recs[i], sts[i], false);
        first = false;
      }
      fputs("]\n", stdout);
    } else {
      static const char *const head[6] = {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
      size_t w[6];
      char pid[n + 1][16];
      for (int c = 0; c < 6; c++)
        w[c] = strlen(head[c]);
      for (size_t i = 0; i < n; i++) {
        if (!ok[i]) continue;
        snprintf(pid[i], sizeof(pid[i]), "%d", sts[i] == NSINIT_OCI_STOPPED ? 0 : (int)recs[i].pid);
        const char *cells[6] = {recs[i].id,     pid[i],          nsinit_status_name(sts[i]),
                                recs[i].bundle, recs[i].created, "root"};
        for (int c = 0; c < 6; c++)
          if (strlen(cells[c]) > w[c]) w[c] = strlen(cells[c]);
      }
      for (size_t i = 0; i <= n; i++) {
        if (i > 0 && !ok[i - 1]) continue;
        const struct nsinit_oci_record *rr = i > 0 ? &recs[i - 1] : NULL;
        const char *cells[6] = {head[0], head[1], head[2], head[3], head[4], head[5]};
        if (rr) {
          cells[0] = rr->id, cells[1] = pid[i - 1], cells[2] = nsinit_status_name(sts[i - 1]);
          cells[3] = rr->bundle, cells[4] = rr->created, cells[5] = "root";
        }
        /* cells padded to their column, joined by three spaces, trailing blanks trimmed */
        char line[16384];
        size_t len = 0;
        for (int c = 0; c < 6 && len < sizeof(line) - 1; c++) {
          int k = snprintf(line + len, sizeof(line) - len, "%s%-*s", c ? "   " : "", (int)w[c],
                           cells[c]);
          len = k < 0 ? len : len + (size_t)k >= sizeof(line) ? sizeof(line) - 1 : len + (size_t)k;
        }
        while (len > 0 && line[len - 1] == ' ')
          len--;
        printf("%.*s\n", (int)len, line);
      }
    }
  }
  for (size_t i = 0; i < n; i++) {
    nsinit_record_free(&recs[i]);
    free(names[i]);
  }
  free(names);
  free(recs);
  free(sts);
  free(ok);
  if (rc != NSINIT_OCI_OK) return rc;
  return fflush(stdout) == 0 ? NSINIT_OCI_OK : NSINIT_OCI_ERROR;
}
