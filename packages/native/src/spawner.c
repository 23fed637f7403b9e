/* spawner: ONE long-lived thread per process that runs clone3(2) jobs (a start's clone, a join's
 * intermediate) so the event loop never waits for the kernel to build namespaces and copy our page
 * tables. A child's parent-death signal follows the THREAD that cloned it (prctl(2)
 * PR_SET_PDEATHSIG: it fires when that thread exits, even while the process lives on), so the
 * cloning thread is started once, never exits, and dies only with the whole process (exit_group),
 * exactly when the main thread would. It runs with every signal blocked: no handler of Node's can
 * run on it, and each child starts from that mask. Man pages: pthread_create(3),
 * pthread_sigmask(3), prctl(2), clone(2). */
#include "nsinit.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

struct job {
  nsinit_spawner_fn fn;
  void *arg;
  struct job *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static struct job *head, *tail;
static bool started;

static void *loop(void *unused)
{
  (void)unused;
  pthread_setname_np(pthread_self(), "nsinit-spawner"); /* as ps -L and /proc/<pid>/task show it */
  for (;;) {
    pthread_mutex_lock(&lock);
    while (head == NULL)
      pthread_cond_wait(&ready, &lock);
    struct job *j = head;
    head = j->next;
    if (head == NULL) tail = NULL;
    pthread_mutex_unlock(&lock);
    /* Outside the lock: a clone takes ~1 ms and submitters must not wait for it. (A child is a
     * copy of this thread only; it never touches the queue.) */
    j->fn(j->arg);
    free(j);
  }
  return NULL;
}

static int start_locked(struct nsinit_err *e)
{
  if (started) return 0;
  pthread_t t;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  /* The new thread inherits this mask: all blocked, for its whole life. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&t, &attr, loop, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (rc != 0) return nsinit_err_set(e, rc, "pthread_create", NULL);
  started = true;
  return 0;
}

int nsinit_spawner_submit(nsinit_spawner_fn fn, void *arg, struct nsinit_err *e)
{
  struct job *j = calloc(1, sizeof(*j));
  if (j == NULL) return nsinit_err_set(e, ENOMEM, "calloc", NULL);
  j->fn = fn;
  j->arg = arg;
  pthread_mutex_lock(&lock);
  if (start_locked(e) != 0) {
    pthread_mutex_unlock(&lock);
    free(j);
    return -1;
  }
  /* First in, first cloned: starts keep the order the caller asked for them in. */
  if (tail != NULL)
    tail->next = j;
  else
    head = j;
  tail = j;
  pthread_cond_signal(&ready);
  pthread_mutex_unlock(&lock);
  return 0;
}
