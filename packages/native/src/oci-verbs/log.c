/* Errors and warnings exactly as the Node side writes them (packages/cli/src/oci/log.ts): a log
 * entry to --log (JSON lines {"level","msg","time"} that containerd's shim reads, or logfmt text;
 * stderr without --log), and for errors also "nsinit-oci: <msg>" on stderr. */
#include "verbs.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Date.prototype.toISOString(): 2026-12-05T02:27:31.123Z */
static void iso_time(char *buf, size_t len)
{
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* logfmt: bare when it matches /^[\w./:-]+$/, else a JSON string. */
static bool logfmt_bare(const char *s)
{
  if (*s == 0) return false;
  for (; *s; s++) {
    char c = *s;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '/' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

static void log_line(const struct nsinit_oci_global *g, const char *level, const char *msg)
{
  char time[64];
  iso_time(time, sizeof(time));
  char *line = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&line, &len);
  if (m == NULL) return;
  if (g->json_log) {
    fprintf(m, "{\"level\":\"%s\",\"msg\":", level);
    nsinit_json_write_string(m, msg);
    fprintf(m, ",\"time\":\"%s\"}\n", time);
  } else {
    fprintf(m, "time=\"%s\" level=%s msg=", time, level);
    if (logfmt_bare(msg))
      fputs(msg, m);
    else
      nsinit_json_write_string(m, msg);
    fputc('\n', m);
  }
  fclose(m);
  int fd = 2;
  if (g->log != NULL) {
    fd = open(g->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) fd = 2;
  }
  if (write(fd, line, len) < 0) {
    /* nowhere left to report it */
  }
  if (fd != 2) close(fd);
  free(line);
}

static void vlog(const struct nsinit_oci_global *g, const char *level, bool stderr_too,
                 const char *fmt, va_list ap)
{
  if (g == NULL) return; /* a best-effort step whose failure is ignored */
  char msg[8192];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  /* Only the first line, as the Node side reports an error's message. */
  char *nl = strchr(msg, '\n');
  if (nl != NULL) *nl = 0;
  fflush(stdout);
  log_line(g, level, msg);
  if (stderr_too) dprintf(2, "nsinit-oci: %s\n", msg);
}

void nsinit_log_error(const struct nsinit_oci_global *g, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vlog(g, "error", true, fmt, ap);
  va_end(ap);
}

void nsinit_log_warning(const struct nsinit_oci_global *g, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vlog(g, "warning", false, fmt, ap);
  va_end(ap);
}
