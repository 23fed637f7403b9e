/* start, kill, delete, pause and resume over the trusted record: the same lock, the same status
 * checks and refusals (with the same messages) as runtime/src/oci/lifecycle.ts, and only what the
 * record's recipe says. Each decides whether it can run before it changes anything; from the
 * first change on it finishes or reports, never hands over. Man pages: pidfd_send_signal(2),
 * unix(7) (the start gate), unlinkat(2). */
#include "../nsinit.h"
#include "verbs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

/* The container's directory, record and lock, with the record read again under the lock (as
 * lifecycle.ts `locked`). Returns the directory fd; *lock the locked fd. */
static int open_locked(const struct nsinit_oci_global *g, const char *id, const char *verb,
                       struct nsinit_oci_record *r, int *lock)
{
  int opened;
  int dirfd = nsinit_record_open_verb(g, id, verb, r, &opened);
  if (dirfd < 0) return opened == NSINIT_OCI_FALLBACK ? NSINIT_OCI_FALLBACK - 1 : -1;
  *lock = nsinit_status_lock(g, dirfd, id);
  int rc = *lock == -2 ? -2 : *lock < 0 ? -1 : nsinit_record_load(dirfd, id, r);
  if (rc == -2)
    nsinit_log_error(g, "container '%s' does not exist", id);
  else if (rc == NSINIT_OCI_FALLBACK)
    nsinit_log_error(g, "container '%s' changed its state format while locked", id);
  if (rc < 0) {
    if (*lock >= 0) close(*lock);
    close(dirfd);
    return -1;
  }
  return dirfd;
}

#define OPEN_LOCKED(g, id, verb, r, lock)                                                          \
  int dirfd = open_locked(g, id, verb, r, lock);                                                   \
  if (dirfd == NSINIT_OCI_FALLBACK - 1) return NSINIT_OCI_FALLBACK;                                \
  if (dirfd < 0) return NSINIT_OCI_ERROR;

static void done(struct nsinit_oci_record *r, int dirfd, int lock)
{
  if (lock >= 0) close(lock);
  if (dirfd >= 0) close(dirfd);
  nsinit_record_free(r);
}

static int bad_state(const struct nsinit_oci_global *g, struct nsinit_oci_record *r, int dirfd,
                     int lock, const char *msg)
{
  nsinit_log_error(g, "%s", msg);
  done(r, dirfd, lock);
  return NSINIT_OCI_ERROR;
}

/* The init's failure record after the gate, or EOF at a successful execve (sync.c's format). */
static int await_exec(const struct nsinit_oci_global *g, const struct nsinit_oci_record *r,
                      int conn)
{
  static struct nsinit_record rec;
  size_t got = 0;
  while (got < sizeof(rec)) {
    ssize_t n = recv(conn, (char *)&rec + got, sizeof(rec) - got, MSG_WAITALL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ECONNRESET && got == 0) break;
    if (n <= 0) break;
    got += (size_t)n;
  }
  close(conn);
  if (got == 0) return NSINIT_OCI_OK;
  if (got != sizeof(rec) || rec.magic != NSINIT_REC_MAGIC || rec.kind != NSINIT_REC_FAILURE) {
    nsinit_log_error(g, "EPROTO: protocol error, recv");
    return NSINIT_OCI_ERROR;
  }
  rec.syscall[sizeof(rec.syscall) - 1] = 0;
  rec.path[sizeof(rec.path) - 1] = 0;
  char key[16];
  snprintf(key, sizeof(key), "%d", (int)rec.step);
  const struct nsinit_json *op = nsinit_json_get(&r->doc, r->start_steps, key);
  const char *name = op != NULL && op->type == NSINIT_JSON_STRING ? op->str : "setup";
  if (rec.path[0])
    nsinit_log_error(g, "the container process failed at step '%s': %s '%s' errno %d", name,
                     rec.syscall, rec.path, (int)rec.err);
  else
    nsinit_log_error(g, "the container process failed at step '%s': %s errno %d", name, rec.syscall,
                     (int)rec.err);
  return NSINIT_OCI_ERROR;
}

int nsinit_verb_start(const struct nsinit_oci_global *g, const char *id)
{
  struct nsinit_oci_record r = {0};
  int lock = -1;
  OPEN_LOCKED(g, id, "start", &r, &lock);
  enum nsinit_oci_status st = nsinit_status_of(dirfd, &r);
  char msg[128];
  if (st == NSINIT_OCI_STOPPED)
    return bad_state(g, &r, dirfd, lock, "cannot start a container that has stopped");
  if (st != NSINIT_OCI_CREATED) {
    snprintf(msg, sizeof(msg), "cannot start an already %s container", nsinit_status_name(st));
    return bad_state(g, &r, dirfd, lock, msg);
  }
  /* sun_path is 108 bytes: the gate is reached through our own fd of its directory. */
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/start.sock", dirfd);
  int conn = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int rc;
  do {
    rc = conn < 0 ? -1 : connect(conn, (struct sockaddr *)&sa, sizeof(sa));
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    int err = errno;
    if (conn >= 0) close(conn);
    if (err == ECONNREFUSED || err == ENOENT)
      return bad_state(g, &r, dirfd, lock, "cannot start a container that has stopped");
    snprintf(msg, sizeof(msg), "%s: connect '%s'", strerror(err), sa.sun_path);
    return bad_state(g, &r, dirfd, lock, msg);
  }
  /* Unlinked at once: from here `state` says running, and a second start finds no gate. */
  unlinkat(dirfd, "start.sock", 0);
  rc = await_exec(g, &r, conn);
  done(&r, dirfd, lock);
  return rc;
}

int nsinit_verb_kill(const struct nsinit_oci_global *g, const char *id, int sig, bool all)
{
  struct nsinit_oci_record r = {0};
  int lock = -1;
  OPEN_LOCKED(g, id, "kill", &r, &lock);
  if (nsinit_status_of(dirfd, &r) == NSINIT_OCI_STOPPED)
    return bad_state(g, &r, dirfd, lock, "container not running");
  int fd = nsinit_status_open_init(&r);
  if (fd < 0) return bad_state(g, &r, dirfd, lock, "container not running");
  int rc = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
  int err = errno;
  close(fd);
  if (rc < 0) {
    char msg[128];
    snprintf(msg, sizeof(msg), "%s: pidfd_send_signal", strerror(err));
    return bad_state(g, &r, dirfd, lock, msg);
  }
  /* --all: every process of the cgroup, frozen while signalled. */
  rc = all && r.has_fast_cgroup ? nsinit_cgroup_signal_all(g, &r.cg, sig) : NSINIT_OCI_OK;
  done(&r, dirfd, lock);
  return rc;
}

int nsinit_verb_pause(const struct nsinit_oci_global *g, const char *id, bool pause)
{
  struct nsinit_oci_record r = {0};
  int lock = -1;
  const char *verb = pause ? "pause" : "resume";
  OPEN_LOCKED(g, id, verb, &r, &lock);
  /* No freezer to write: Node says so (lifecycle.ts), nothing was changed yet. */
  if (!r.has_fast_cgroup || r.cg.freezer == NULL) {
    done(&r, dirfd, lock);
    return nsinit_oci_fallback("the record has no freezer");
  }
  enum nsinit_oci_status st = nsinit_status_of(dirfd, &r);
  if (st != (pause ? NSINIT_OCI_RUNNING : NSINIT_OCI_PAUSED)) {
    char msg[128];
    snprintf(msg, sizeof(msg), "cannot %s a %s container", verb, nsinit_status_name(st));
    return bad_state(g, &r, dirfd, lock, msg);
  }
  int rc = nsinit_cgroup_freeze(g, &r.cg, pause);
  done(&r, dirfd, lock);
  return rc;
}

/* rm -r of one entry below parentfd, never following a link (the state directory is ours). */
int nsinit_verb_remove_tree(int parentfd, const char *name)
{
  if (unlinkat(parentfd, name, 0) == 0 || errno == ENOENT) return 0;
  if (errno != EISDIR && errno != EPERM) return -1;
  int fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : -1;
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return -1;
  }
  struct dirent *e;
  int rc = 0;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    if (nsinit_verb_remove_tree(dirfd(d), e->d_name) < 0) rc = -1;
  }
  closedir(d);
  if (unlinkat(parentfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) rc = -1;
  return rc;
}

static int remove_dir(const struct nsinit_oci_global *g, const char *id)
{
  int rootfd = open(g->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return errno == ENOENT ? NSINIT_OCI_OK : NSINIT_OCI_ERROR;
  int rc = nsinit_verb_remove_tree(rootfd, id);
  int err = errno;
  close(rootfd);
  if (rc < 0) {
    nsinit_log_error(g, "%s: rm '%s/%s'", strerror(err), g->root, id);
    return NSINIT_OCI_ERROR;
  }
  return NSINIT_OCI_OK;
}

int nsinit_verb_delete(const struct nsinit_oci_global *g, const char *id, bool force)
{
  struct nsinit_oci_record r = {0};
  int first = nsinit_record_open(g->root, id, &r);
  if (first == -2) {
    nsinit_record_free(&r);
    /* runc: `delete --force` of a missing container succeeds, and clears a half-made directory. */
    if (force) return remove_dir(g, id);
    nsinit_log_error(g, "container '%s' does not exist", id);
    return NSINIT_OCI_ERROR;
  }
  if (first < 0) return NSINIT_OCI_FALLBACK;
  close(first);
  nsinit_record_free(&r);
  int lock = -1;
  OPEN_LOCKED(g, id, "delete", &r, &lock);
  enum nsinit_oci_status st = nsinit_status_of(dirfd, &r);
  if ((st == NSINIT_OCI_RUNNING || st == NSINIT_OCI_PAUSED) && !force) {
    char msg[128];
    snprintf(msg, sizeof(msg), "cannot delete container that is not stopped: %s",
             nsinit_status_name(st));
    return bad_state(g, &r, dirfd, lock, msg);
  }
  if (st != NSINIT_OCI_STOPPED) {
    int fd = nsinit_status_open_init(&r);
    if (fd >= 0) {
      syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
      close(fd);
    }
    /* A frozen task dies only once thawed. */
    if (st == NSINIT_OCI_PAUSED && r.has_fast_cgroup && r.cg.freezer != NULL)
      nsinit_cgroup_freeze(NULL, &r.cg, false);
    if (!nsinit_status_wait_stopped(r.pid, r.start, 10000)) {
      char msg[128];
      snprintf(msg, sizeof(msg), "container init %d did not stop after SIGKILL", (int)r.pid);
      return bad_state(g, &r, dirfd, lock, msg);
    }
  }
  /* Without a PID namespace the init's descendants may outlive it: the cgroup holds them. */
  if (r.has_fast_cgroup) nsinit_cgroup_destroy(g, &r.cg);
  int rc = remove_dir(g, id);
  done(&r, dirfd, lock);
  return rc;
}
