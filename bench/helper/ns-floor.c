/* The kernel's floor for a container start: clone3(2) with the bench container's five namespaces
 * (mnt, uts, ipc, pid, net) and execve(2) of /bin/true, from this small process (its page tables
 * are tiny), `parallel` in flight, `count` in all, each reaped with wait(2). No rootfs, no mounts,
 * no state: what no runtime can go below. Prints {"perSecond", "msEach", "count", "parallel"}.
 * Usage: ns-floor COUNT PARALLEL */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
  if (argc != 3) {
    fprintf(stderr, "usage: ns-floor COUNT PARALLEL\n");
    return 2;
  }
  int count = atoi(argv[1]), parallel = atoi(argv[2]);
  unsigned long long flags =
      CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET;
  int started = 0, done = 0, live = 0;
  double t0 = now_ms();
  while (done < count) {
    while (live < parallel && started < count) {
      struct clone_args a;
      memset(&a, 0, sizeof(a));
      a.flags = flags;
      a.exit_signal = SIGCHLD;
      long pid = syscall(SYS_clone3, &a, sizeof(a));
      if (pid == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
      }
      if (pid < 0) {
        perror("clone3");
        return 1;
      }
      started++;
      live++;
    }
    int status;
    if (wait(&status) < 0) {
      perror("wait");
      return 1;
    }
    live--;
    done++;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "ns-floor: a child failed (status %#x)\n", status);
      return 1;
    }
  }
  double ms = now_ms() - t0;
  printf("{\"count\":%d,\"parallel\":%d,\"perSecond\":%.1f,\"msEach\":%.3f}\n", count, parallel,
         count / ms * 1e3, ms / count);
  return 0;
}
