/* nsinit-oci-verbs: run by packages/cli/bin/nsinit-oci as `nsinit-oci-verbs NODE_ENTRY ARGS...`.
 * It parses runc's command line as the Node side does (cli/src/oci/args.ts, urfave/cli rules) and
 * runs start, state, kill, delete, pause, resume, ps --format json and list itself; any other verb,
 * flag or case it does not handle is execvp(3)'d to `node NODE_ENTRY ARGS...` untouched, before
 * anything was changed. NSINIT_OCI_FAST_ONLY=1 (tests) makes such a hand-over an error instead. */
#include "verbs.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *nsinit_oci_fallback_reason = "";
/* Set once the verb is one this program runs: NSINIT_OCI_FAST_ONLY judges only those. */
static bool fast_verb;

int nsinit_oci_fallback(const char *reason)
{
  nsinit_oci_fallback_reason = reason;
  return NSINIT_OCI_FALLBACK;
}

struct flag {
  const char *name, *alias;
  bool is_bool;
  const char *value; /* set: "true"/"false" for booleans */
};

/* args.ts parseFlags: flags before positionals, `-x` = `--x`, `--x=v` or `--x v`, `--` ends them.
 * Returns the index of the first positional, or -1 for anything Node must judge (an unknown
 * flag, a missing value, a bad boolean: its error messages live there). */
static int parse_flags(int argc, char **argv, int i, struct flag *flags, size_t n)
{
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) return i + 1;
    if (a[0] != '-' || strcmp(a, "-") == 0) return i;
    const char *body = a + (a[1] == '-' ? 2 : 1);
    const char *eq = strchr(body, '=');
    size_t len = eq ? (size_t)(eq - body) : strlen(body);
    struct flag *f = NULL;
    for (size_t k = 0; k < n && f == NULL; k++)
      if ((strlen(flags[k].name) == len && strncmp(flags[k].name, body, len) == 0) ||
          (flags[k].alias && strlen(flags[k].alias) == len &&
           strncmp(flags[k].alias, body, len) == 0))
        f = &flags[k];
    if (f == NULL) return -1;
    if (f->is_bool) {
      if (eq && strcmp(eq + 1, "true") != 0 && strcmp(eq + 1, "false") != 0) return -1;
      f->value = eq && strcmp(eq + 1, "false") == 0 ? "false" : "true";
      continue;
    }
    if (eq)
      f->value = eq + 1;
    else if (i + 1 < argc)
      f->value = argv[++i];
    else
      return -1;
  }
  return i;
}

static bool is_true(const struct flag *f)
{
  return f->value != NULL && strcmp(f->value, "true") == 0;
}

/* signals.ts parseSignal for the names and numbers Node's table has; anything else is Node's. */
static int parse_signal(const char *s)
{
  static const struct {
    const char *name;
    int sig;
  } table[] = {{"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},     {"ILL", SIGILL},
               {"TRAP", SIGTRAP},   {"ABRT", SIGABRT},     {"IOT", SIGIOT},       {"BUS", SIGBUS},
               {"FPE", SIGFPE},     {"KILL", SIGKILL},     {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
               {"USR2", SIGUSR2},   {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},     {"TERM", SIGTERM},
               {"CHLD", SIGCHLD},   {"STKFLT", SIGSTKFLT}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
               {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},     {"URG", SIGURG},
               {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
               {"WINCH", SIGWINCH}, {"IO", SIGIO},         {"POLL", SIGPOLL},     {"PWR", SIGPWR},
               {"SYS", SIGSYS}};
  if (s[0] >= '0' && s[0] <= '9') {
    if (strspn(s, "0123456789") != strlen(s) || strlen(s) > 3) return -1;
    int n = atoi(s);
    return n >= 1 && n <= 64 ? n : -1;
  }
  char up[16];
  size_t n = strlen(s);
  if (n >= sizeof(up)) return -1;
  for (size_t i = 0; i <= n; i++)
    up[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
  const char *name = strncmp(up, "SIG", 3) == 0 ? up + 3 : up;
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
    if (strcmp(table[i].name, name) == 0) return table[i].sig;
  return -1;
}

static bool has_help(int argc, char **argv, int from)
{
  for (int i = from; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
  return false;
}

/* One verb with its positional arguments; NSINIT_OCI_FALLBACK when Node must run it. */
static int run_verb(const struct nsinit_oci_global *g, const char *verb, int argc, char **argv,
                    int at)
{
  if (has_help(argc, argv, at)) return nsinit_oci_fallback("help"); /* any verb's */
  bool simple = strcmp(verb, "start") == 0 || strcmp(verb, "state") == 0 ||
                strcmp(verb, "pause") == 0 || strcmp(verb, "resume") == 0;
  struct flag kill_flags[] = {{"all", "a", true, NULL}};
  struct flag delete_flags[] = {{"force", "f", true, NULL}};
  struct flag ps_flags[] = {{"format", "f", false, NULL}};
  struct flag list_flags[] = {{"format", "f", false, NULL}, {"quiet", "q", true, NULL}};
  struct flag *flags = NULL;
  size_t nflags = 0;
  size_t extra = 0; /* positionals allowed after the id */
  if (strcmp(verb, "kill") == 0)
    flags = kill_flags, nflags = 1, extra = 1;
  else if (strcmp(verb, "delete") == 0)
    flags = delete_flags, nflags = 1;
  else if (strcmp(verb, "ps") == 0)
    flags = ps_flags, nflags = 1, extra = (size_t)argc;
  else if (strcmp(verb, "list") == 0)
    flags = list_flags, nflags = 2;
  else if (!simple)
    return nsinit_oci_fallback("not a verb of this program");
  fast_verb = true;
  int pos = parse_flags(argc, argv, at, flags, nflags);
  if (pos < 0) return nsinit_oci_fallback("flags");
  size_t npos = (size_t)(argc - pos);
  if (strcmp(verb, "list") == 0) {
    const char *format = list_flags[0].value ? list_flags[0].value : "table";
    if (npos != 0 || (strcmp(format, "table") != 0 && strcmp(format, "json") != 0))
      return nsinit_oci_fallback("list arguments");
    return nsinit_verb_list(g, strcmp(format, "json") == 0, is_true(&list_flags[1]));
  }
  /* lifecycle-commands.ts oneId: one valid id and at most `extra` more. */
  if (npos == 0 || npos > 1 + extra || !nsinit_record_valid_id(argv[pos]))
    return nsinit_oci_fallback("arguments");
  const char *id = argv[pos];
  if (strcmp(verb, "start") == 0) return nsinit_verb_start(g, id);
  if (strcmp(verb, "state") == 0) return nsinit_verb_state(g, id);
  if (strcmp(verb, "pause") == 0) return nsinit_verb_pause(g, id, true);
  if (strcmp(verb, "resume") == 0) return nsinit_verb_pause(g, id, false);
  if (strcmp(verb, "delete") == 0) return nsinit_verb_delete(g, id, is_true(&delete_flags[0]));
  if (strcmp(verb, "ps") == 0) {
    /* The table runs the host's ps(1): Node's. */
    if (ps_flags[0].value == NULL || strcmp(ps_flags[0].value, "json") != 0)
      return nsinit_oci_fallback("ps table");
    return nsinit_verb_ps(g, id);
  }
  int sig = parse_signal(npos > 1 ? argv[pos + 1] : "SIGTERM");
  if (sig < 0) return nsinit_oci_fallback("signal");
  return nsinit_verb_kill(g, id, sig, is_true(&kill_flags[0]));
}

/* Rootless (not root, or root only in a user namespace: user_namespaces(7), where the initial
 * namespace's uid_map is "0 0 4294967295"): the default --root is then $XDG_RUNTIME_DIR/nsinit-oci
 * and any --root must be the caller's own, checks Node makes (runtime rootless.ts): Node runs it.
 */
static bool rootless(void)
{
  if (geteuid() != 0) return true;
  FILE *f = fopen("/proc/self/uid_map", "re");
  if (f == NULL) return false;
  unsigned long inside, outside, count;
  int n = fscanf(f, "%lu %lu %lu", &inside, &outside, &count);
  int more = fgetc(f) == '\n' ? fgetc(f) : EOF;
  fclose(f);
  return !(n == 3 && inside == 0 && outside == 0 && count == 4294967295UL && more == EOF);
}

static int dispatch(int argc, char **argv)
{
  /* main.ts GLOBAL; what only Node does (--debug output, help, version, refusals) is Node's. */
  struct flag global[] = {
      {"debug", NULL, true, NULL},          {"log", NULL, false, NULL},
      {"log-format", NULL, false, NULL},    {"root", NULL, false, NULL},
      {"systemd-cgroup", NULL, true, NULL}, {"criu", NULL, false, NULL},
      {"rootless", NULL, false, NULL},      {"help", "h", true, NULL},
      {"version", "v", true, NULL},
  };
  int at = parse_flags(argc, argv, 2, global, sizeof(global) / sizeof(global[0]));
  if (at < 0 || at >= argc) return nsinit_oci_fallback("global flags");
  const char *format = global[2].value ? global[2].value : "text";
  if (is_true(&global[0]) || is_true(&global[4]) || is_true(&global[7]) || is_true(&global[8]) ||
      (global[6].value && strcmp(global[6].value, "true") == 0) ||
      (strcmp(format, "text") != 0 && strcmp(format, "json") != 0))
    return nsinit_oci_fallback("global flags");
  if (rootless()) return nsinit_oci_fallback("rootless");
  struct nsinit_oci_global g = {
      .root = global[3].value ? global[3].value : "/run/nsinit-oci",
      .log = global[1].value,
      .json_log = strcmp(format, "json") == 0,
  };
  if (g.root[0] == 0) return nsinit_oci_fallback("empty --root");
  return run_verb(&g, argv[at], argc, argv, at + 1);
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fputs("nsinit-oci-verbs: run by bin/nsinit-oci as: nsinit-oci-verbs NODE_ENTRY ARGS...\n",
          stderr);
    return 1;
  }
  int rc = dispatch(argc, argv);
  if (rc != NSINIT_OCI_FALLBACK) return rc == NSINIT_OCI_OK ? 0 : 1;
  const char *only = getenv("NSINIT_OCI_FAST_ONLY");
  if (only != NULL && strcmp(only, "1") == 0 && fast_verb) {
    fprintf(stderr, "nsinit-oci: NSINIT_OCI_FAST_ONLY: not handled natively (%s)\n",
            nsinit_oci_fallback_reason);
    return 125;
  }
  /* Node never uses TLS here: parsing the CA bundle a host may name costs a start ~35 ms. */
  unsetenv("NODE_EXTRA_CA_CERTS");
  char **nargv = calloc((size_t)argc + 1, sizeof(*nargv));
  if (nargv == NULL) return 1;
  nargv[0] = "node";
  for (int i = 1; i < argc; i++)
    nargv[i] = argv[i];
  execvp("node", nargv);
  perror("nsinit-oci: cannot run node");
  return 1;
}
