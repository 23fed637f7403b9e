/* rusage: run a command and print how long it took and what it used, as one JSON line.
 * wall time from CLOCK_MONOTONIC around fork..wait4(2); CPU time and peak RSS from the rusage
 * wait4 returns, which covers the child and every descendant it waited for (getrusage(2)).
 * Usage: rusage <file> [args...]   (stdin/stdout/stderr are inherited) */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

static double ms(const struct timeval *tv)
{
  return tv->tv_sec * 1e3 + tv->tv_usec / 1e3;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: rusage <file> [args...]\n");
    return 2;
  }
  /* The result pipe must not reach the command (a daemonised child would hold it open). */
  fcntl(3, F_SETFD, FD_CLOEXEC);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid_t pid = fork();
  if (pid < 0) {
    perror("rusage: fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    perror("rusage: execvp");
    _exit(127);
  }
  int status = 0;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) {
    perror("rusage: wait4");
    return 2;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double wall = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  /* fd 3 when the caller opened it for us, so the command's own stdout stays untouched. */
  FILE *out = fdopen(3, "w");
  if (out == NULL) out = stderr;
  fprintf(out,
          "{\"wallMs\":%.3f,\"userMs\":%.3f,\"sysMs\":%.3f,\"maxRssKiB\":%ld,\"exitCode\":%d,\"signal\":%d}\n",
          wall, ms(&ru.ru_utime), ms(&ru.ru_stime), ru.ru_maxrss,
          WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  fclose(out);
  return 0;
}
