// `process` of config.json: what execve(2) runs and the credentials, capabilities(7), setrlimit(2)
// limits, no_new_privs, oom_score_adj, LSM labels, sched_setattr(2) and ioprio_set(2) settings it
// runs with.
import Type, { type Static } from 'typebox';
import { annotate, DOMAIN, EXPECTED, PATTERN_HINT, SUGGEST } from '../annotations.js';
import { MAX_ARG_STRING } from '../fields.js';
import { argStrings, flag, i32, id, list, oneOf, path, text, u32, u64 } from './fields.js';
import {
  IOPRIO_CLASSES,
  OCI_CAPABILITY_NAMES,
  OCI_RLIMIT_NAMES,
  type OciCapabilityName,
  SCHED_FLAGS,
  SCHED_POLICIES,
} from './names.js';

/** NGROUPS_MAX: the most supplementary groups setgroups(2) takes. */
export const MAX_ADDITIONAL_GIDS = 65536;

export const OciUserSchema = Type.Object(
  {
    uid: Type.Optional(id('User id the process runs as (setresuid(2)), in the container user namespace.')),
    gid: Type.Optional(id('Group id the process runs as (setresgid(2)), in the container user namespace.')),
    umask: Type.Optional(
      u32('File mode creation mask (umask(2)), as a decimal number (18 = 0022). Absent: 0022.', {
        default: 0o22,
        maximum: 0o777,
        expected: 'a umask from 0 to 511 (0777)',
      }),
    ),
    additionalGids: Type.Optional(
      list(
        id('A supplementary group id.'),
        'Supplementary groups (setgroups(2)). Absent or empty: the process has none.',
        { maxItems: MAX_ADDITIONAL_GIDS, why: 'NGROUPS_MAX, the most setgroups(2) takes' },
      ),
    ),
    username: Type.Optional(text('Windows user name; not used on Linux.')),
  },
  {
    additionalProperties: false,
    description: 'The user the process runs as: numeric ids only, nothing is looked up in /etc/passwd.',
    default: { uid: 0, gid: 0 },
  },
);
export type OciUser = Static<typeof OciUserSchema>;

/** A capability name with the CAP_ prefix. Well-formed names the kernel table does not know are
 *  dropped with a warning (the spec says to warn, not fail); the type is the known names. */
const capability = annotate(
  Type.Unsafe<OciCapabilityName>(
    Type.String({
      description: 'A capability name with the CAP_ prefix, e.g. CAP_NET_BIND_SERVICE (capabilities(7)).',
      default: 'CAP_CHOWN',
      pattern: '^CAP_[A-Z0-9_]+$',
      maxLength: 64,
    }),
  ),
  {
    [EXPECTED]: 'a capability name such as "CAP_CHOWN"',
    [PATTERN_HINT]: 'expected a capability name such as "CAP_CHOWN" (upper case, with the CAP_ prefix)',
    [DOMAIN]: 'capability',
    [SUGGEST]: OCI_CAPABILITY_NAMES,
  },
);

const capSet = (what: string) =>
  Type.Optional(list(capability, `${what} Absent or empty: the set is empty.`, { limit: 'capabilities' }));

export const OciCapabilitiesSchema = Type.Object(
  {
    bounding: capSet('Bounding set: the most the process or its children can ever gain (PR_CAPBSET_DROP).'),
    effective: capSet('Effective set: the capabilities the kernel checks.'),
    inheritable: capSet('Inheritable set: kept across execve(2) for files with matching inheritable bits.'),
    permitted: capSet('Permitted set: the ceiling for effective and inheritable.'),
    ambient: capSet(
      'Ambient set: kept across execve(2) of unprivileged files; each must be permitted and inheritable.',
    ),
  },
  {
    additionalProperties: false,
    description:
      'The five capability sets of the process after exec. Unknown but well-formed names are dropped ' +
      'with a warning. Absent: every set is empty.',
    default: {},
  },
);
export type OciCapabilities = Static<typeof OciCapabilitiesSchema>;

export const OciRlimitSchema = Type.Object(
  {
    type: oneOf(
      OCI_RLIMIT_NAMES,
      'Resource, e.g. RLIMIT_NOFILE (getrlimit(2)).',
      'resource limit',
      'a resource name such as "RLIMIT_NOFILE"',
      'RLIMIT_NOFILE',
    ),
    hard: u64('Hard limit (rlim_max); 18446744073709551615 is RLIM_INFINITY.', {
      expected: 'a limit (a non-negative integer)',
    }),
    soft: u64('Soft limit (rlim_cur), the one enforced; must not exceed hard.', {
      expected: 'a limit (a non-negative integer)',
    }),
  },
  { additionalProperties: false, description: 'A resource limit set with setrlimit(2) before exec.' },
);
export type OciRlimit = Static<typeof OciRlimitSchema>;

export const OciConsoleSizeSchema = Type.Object(
  {
    height: u32('Rows of the terminal (TIOCSWINSZ).', { maximum: 65535, expected: 'a row count (0-65535)' }),
    width: u32('Columns of the terminal (TIOCSWINSZ).', {
      maximum: 65535,
      expected: 'a column count (0-65535)',
    }),
  },
  {
    additionalProperties: false,
    description: 'Initial terminal size; ignored unless terminal is true.',
    default: { height: 0, width: 0 },
  },
);

export const OciSchedulerSchema = Type.Object(
  {
    policy: oneOf(
      SCHED_POLICIES,
      'Scheduling policy (sched(7)).',
      'scheduling policy',
      'a policy such as "SCHED_OTHER"',
    ),
    nice: Type.Optional(
      i32('Nice value (-20..19) for SCHED_OTHER and SCHED_BATCH.', { minimum: -20, maximum: 19 }),
    ),
    priority: Type.Optional(
      i32('Static priority (1..99) for SCHED_FIFO and SCHED_RR; 0 for the others.', {
        minimum: 0,
        maximum: 99,
      }),
    ),
    flags: Type.Optional(
      list(
        oneOf(
          SCHED_FLAGS,
          'A sched_setattr(2) flag.',
          'scheduler flag',
          'a flag such as "SCHED_FLAG_RESET_ON_FORK"',
        ),
        'sched_setattr(2) flags.',
      ),
    ),
    runtime: Type.Optional(u64('SCHED_DEADLINE runtime in nanoseconds per period.')),
    deadline: Type.Optional(u64('SCHED_DEADLINE relative deadline in nanoseconds.')),
    period: Type.Optional(u64('SCHED_DEADLINE period in nanoseconds.')),
  },
  {
    additionalProperties: false,
    description: 'Scheduling policy and attributes set with sched_setattr(2) before exec.',
    default: { policy: 'SCHED_OTHER' },
  },
);

export const OciIoPrioritySchema = Type.Object(
  {
    class: oneOf(
      IOPRIO_CLASSES,
      'I/O scheduling class (ioprio_set(2)).',
      'I/O priority class',
      'a class such as "IOPRIO_CLASS_BE"',
      'IOPRIO_CLASS_BE',
    ),
    priority: Type.Optional(
      i32('Level within the class, 0 (highest) to 7 (lowest).', { minimum: 0, maximum: 7, default: 4 }),
    ),
  },
  {
    additionalProperties: false,
    description: 'I/O priority of the process (ioprio_set(2) with IOPRIO_WHO_PROCESS).',
    default: { class: 'IOPRIO_CLASS_BE', priority: 4 },
  },
);

const CPU_LIST = '^[0-9, -]*$';
export const OciCpuAffinitySchema = Type.Object(
  {
    initial: Type.Optional(
      text('CPU list (e.g. "0-3,7") the runtime moves to before joining the container cgroup.', {
        pattern: CPU_LIST,
        patternHint: 'expected a CPU list such as "0-3,7"',
      }),
    ),
    final: Type.Optional(
      text('CPU list the process is pinned to (sched_setaffinity(2)) just before exec.', {
        pattern: CPU_LIST,
        patternHint: 'expected a CPU list such as "0-3,7"',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'CPU affinity for processes started with exec (runtime-spec 1.2.1); not for the init.',
    default: {},
  },
);

export const OciProcessSchema = Type.Object(
  {
    terminal: Type.Optional(
      flag('Give the process a pseudo-terminal as stdio; the master goes to the --console-socket.'),
    ),
    consoleSize: Type.Optional(OciConsoleSizeSchema),
    user: Type.Optional(OciUserSchema),
    args: Type.Optional(
      argStrings(
        'The command and its arguments (execvp(3) semantics: args[0] is searched in PATH). At least ' +
          'one entry is needed to start the container.',
        'One argument (at most MAX_ARG_STRLEN-1 bytes).',
      ),
    ),
    commandLine: Type.Optional(
      text('Windows command line; not used on Linux.', { maxLength: MAX_ARG_STRING }),
    ),
    env: Type.Optional(
      list(
        text('One NAME=value entry.', {
          maxLength: MAX_ARG_STRING,
          pattern: '^[^=]+=',
          patternHint: 'expected "NAME=value"',
          expected: 'a "NAME=value" string',
        }),
        'The complete environment of the process; nothing is inherited from the runtime.',
        { limit: 'environment' },
      ),
    ),
    cwd: path('Working directory inside the container (absolute); created if missing, as runc does.', {
      default: '/',
    }),
    capabilities: Type.Optional(OciCapabilitiesSchema),
    rlimits: Type.Optional(
      list(OciRlimitSchema, 'Resource limits set before exec; each type at most once. Absent: inherited.', {
        limit: 'rlimits',
      }),
    ),
    noNewPrivileges: Type.Optional(
      flag('Set PR_SET_NO_NEW_PRIVS so setuid binaries and file capabilities cannot add privileges.'),
    ),
    apparmorProfile: Type.Optional(
      text('AppArmor profile to exec under; create fails naming this field when the host has no AppArmor.'),
    ),
    oomScoreAdj: Type.Optional(
      i32(
        'Written to /proc/<pid>/oom_score_adj (-1000 never killed .. 1000 killed first). Absent: unchanged.',
        {
          minimum: -1000,
          maximum: 1000,
          expected: 'an integer from -1000 to 1000',
        },
      ),
    ),
    scheduler: Type.Optional(OciSchedulerSchema),
    selinuxLabel: Type.Optional(
      text('SELinux label to exec with; create fails naming this field when the host has no SELinux.'),
    ),
    ioPriority: Type.Optional(OciIoPrioritySchema),
    execCPUAffinity: Type.Optional(OciCpuAffinitySchema),
  },
  {
    additionalProperties: false,
    description: 'The container process. Optional in the spec, but needed by create and start.',
  },
);
export type OciProcess = Static<typeof OciProcessSchema>;
