// Bad config.json inputs outside `linux` (version, process, root, mounts, hooks, annotations) and
// hostile strings, one break each in an otherwise valid full config, with the exact pointer and
// message expected for every error.
import { describe, expect, it } from 'vitest';
import { all, type BadCase, del, push, set } from '../../test/edits.js';
import { ABS, NUL, runOciCases } from '../../test/oci-edits.js';
import { fullOciConfig } from '../../test/oci-fixtures.js';
import { formatIssue, validateOciConfig } from '../index.js';

const cases: BadCase[] = [
  // ociVersion
  [
    'missing ociVersion',
    del('/ociVersion'),
    '/ociVersion: missing required field; expected a version such as "1.2.1"',
  ],
  [
    'ociVersion 1.3',
    set('/ociVersion', '1.3.0'),
    '/ociVersion: unsupported runtime-spec version; expected 1.0.0 through 1.2.x, got "1.3.0"',
  ],
  [
    'ociVersion 2.0',
    set('/ociVersion', '2.0.0'),
    '/ociVersion: unsupported runtime-spec version; expected 1.0.0 through 1.2.x, got "2.0.0"',
  ],
  [
    'a 1.0.0 release candidate',
    set('/ociVersion', '1.0.0-rc5'),
    '/ociVersion: unsupported runtime-spec version; expected 1.0.0 through 1.2.x, got "1.0.0-rc5"',
  ],
  [
    'ociVersion not semver',
    set('/ociVersion', '1.2'),
    '/ociVersion: unsupported runtime-spec version; expected 1.0.0 through 1.2.x, got "1.2"',
  ],
  [
    'ociVersion as a number',
    set('/ociVersion', 1.2),
    '/ociVersion: expected a version such as "1.2.1", got 1.2',
  ],
  // process
  ['relative cwd', set('/process/cwd', 'home'), `/process/cwd: ${ABS} "home"`],
  ['missing cwd', del('/process/cwd'), '/process/cwd: missing required field; expected a path'],
  [
    'no args',
    del('/process/args'),
    '/process/args: missing required field; expected the command as at least one argument, e.g. ["sh"]',
  ],
  [
    'empty args',
    set('/process/args', []),
    '/process/args: missing required field; expected the command as at least one argument, e.g. ["sh"]',
  ],
  [
    'empty program',
    set('/process/args/0', ''),
    '/process/args/0: must not be empty; expected the program to run',
  ],
  ['NUL in an argument', set('/process/args/1', '-c\u0000x'), `/process/args/1: ${NUL}`],
  [
    'env without =',
    push('/process/env', 'JUSTNAME'),
    '/process/env/3: expected "NAME=value", got "JUSTNAME"',
  ],
  ['args as a string', set('/process/args', 'sh -c x'), '/process/args: expected an array, got "sh -c x"'],
  [
    'terminal as a string',
    set('/process/terminal', 'yes'),
    '/process/terminal: expected true or false, got "yes"',
  ],
  [
    'consoleSize without width',
    del('/process/consoleSize/width'),
    '/process/consoleSize/width: missing required field; expected a column count (0-65535)',
  ],
  [
    'uid (uid_t)-1',
    set('/process/user/uid', 4294967295),
    '/process/user/uid: must be at most 4294967294, got 4294967295',
  ],
  ['negative gid', set('/process/user/gid', -1), '/process/user/gid: must be at least 0, got -1'],
  [
    'umask as an octal string',
    set('/process/user/umask', '022'),
    '/process/user/umask: expected a umask from 0 to 511 (0777), got "022"',
  ],
  [
    'umask above 0777',
    set('/process/user/umask', 0o1000),
    '/process/user/umask: must be at most 511, got 512',
  ],
  [
    'fractional additional gid',
    set('/process/user/additionalGids/0', 1.5),
    '/process/user/additionalGids/0: expected a user or group id (an integer from 0 to 4294967294), got 1.5',
  ],
  [
    'capability without CAP_',
    set('/process/capabilities/bounding/0', 'SYS_ADMIN'),
    '/process/capabilities/bounding/0: unknown capability; did you mean CAP_SYS_ADMIN?',
  ],
  [
    'capability in lower case',
    set('/process/capabilities/permitted/0', 'cap_chown'),
    '/process/capabilities/permitted/0: unknown capability; did you mean CAP_CHOWN?',
  ],
  [
    'unknown capability in a runtime-spec 1.0 config (1.0 says MUST error)',
    all(set('/ociVersion', '1.0.2-dev'), push('/process/capabilities/bounding', 'CAP_TEST')),
    '/process/capabilities/bounding/4: unknown capability (an error for runtime-spec 1.0; 1.1 and later ignore it)',
  ],
  [
    'effective not permitted',
    push('/process/capabilities/effective', 'CAP_KILL'),
    '/process/capabilities/effective/1: CAP_KILL is not in the permitted set; capset(2) refuses an effective capability that is not permitted',
  ],
  [
    'misspelt capability set',
    set('/process/capabilities', { bounds: [] }),
    // An unknown key is a warning; an object with only unknown keys is still a valid (empty) one.
  ],
  [
    'rlimit without RLIMIT_',
    set('/process/rlimits/0/type', 'NOFILE'),
    '/process/rlimits/0/type: unknown resource limit; did you mean RLIMIT_NOFILE?',
  ],
  [
    'duplicate rlimit',
    set('/process/rlimits/1/type', 'RLIMIT_NOFILE'),
    '/process/rlimits/1: duplicate resource limit RLIMIT_NOFILE',
  ],
  [
    'soft above hard',
    set('/process/rlimits/0/soft', 8192),
    '/process/rlimits/0/soft: must not exceed the hard limit (4096), got 8192',
  ],
  [
    'rlimit -1 for unlimited (container.json style)',
    set('/process/rlimits/0/hard', -1),
    '/process/rlimits/0/hard: must be at least 0, got -1',
  ],
  [
    'rlimit without soft',
    del('/process/rlimits/0/soft'),
    '/process/rlimits/0/soft: missing required field; expected a limit (a non-negative integer)',
  ],
  [
    'oomScoreAdj too low',
    set('/process/oomScoreAdj', -1001),
    '/process/oomScoreAdj: must be at least -1000, got -1001',
  ],
  [
    'oomScoreAdj too high',
    set('/process/oomScoreAdj', 1001),
    '/process/oomScoreAdj: must be at most 1000, got 1001',
  ],
  [
    'SCHED_FIFO without a priority',
    del('/process/scheduler/priority'),
    '/process/scheduler/priority: SCHED_FIFO needs a priority from 1 to 99',
  ],
  [
    'priority for SCHED_OTHER',
    set('/process/scheduler/policy', 'SCHED_OTHER'),
    '/process/scheduler/priority: must be 0 for SCHED_OTHER; only SCHED_FIFO and SCHED_RR use it',
  ],
  [
    'unknown scheduling policy',
    set('/process/scheduler/policy', 'SCHED_FIF0'),
    '/process/scheduler/policy: unknown scheduling policy; did you mean SCHED_FIFO?',
  ],
  [
    'SCHED_DEADLINE runtime above deadline',
    set('/process/scheduler', {
      policy: 'SCHED_DEADLINE',
      runtime: 2000000,
      deadline: 1000000,
      period: 1000000,
    }),
    '/process/scheduler/runtime: must not exceed deadline (1000000)',
  ],
  [
    'I/O priority 8',
    set('/process/ioPriority/priority', 8),
    '/process/ioPriority/priority: must be at most 7, got 8',
  ],
  [
    'unknown I/O class',
    set('/process/ioPriority/class', 'IOPRIO_CLASS_BEST'),
    '/process/ioPriority/class: unknown I/O priority class; did you mean IOPRIO_CLASS_BE?',
  ],
  [
    'CPU affinity as a mask',
    set('/process/execCPUAffinity/final', '0xff'),
    '/process/execCPUAffinity/final: expected a CPU list such as "0-3,7", got "0xff"',
  ],
  // root, hostname
  ['no root', del('/root'), '/root: missing required field; expected an object such as {"path": "rootfs"}'],
  ['empty root path', set('/root/path', ''), '/root/path: must not be empty; expected the rootfs directory'],
  [
    'hostname too long',
    set('/hostname', 'h'.repeat(65)),
    '/hostname: must be at most 64 characters long, got 65',
  ],
  [
    'hostname without a uts namespace',
    set('/linux/namespaces', [{ type: 'mount' }, { type: 'user' }]),
    '/hostname: needs a uts namespace; without one it would rename the host',
    '/domainname: needs a uts namespace; without one it would rename the host',
    '/linux/timeOffsets: needs a new time namespace (a "time" entry without a path)',
    '/linux/sysctl/net.ipv4.ip_forward: needs a network namespace; without one it would change the host',
    '/linux/sysctl/kernel.shmmax: needs an ipc namespace; without one it would change the host',
    '/linux/sysctl/fs.mqueue.msg_max: needs an ipc namespace; without one it would change the host',
  ],
  // mounts
  [
    'mount without destination',
    del('/mounts/1/destination'),
    '/mounts/1/destination: missing required field; expected a path',
  ],
  [
    'empty destination',
    set('/mounts/1/destination', ''),
    '/mounts/1/destination: must not be empty; expected an absolute path',
  ],
  [
    'mount options as a string',
    set('/mounts/0/options', 'ro,nosuid'),
    '/mounts/0/options: expected an array, got "ro,nosuid"',
  ],
  [
    'uidMappings without gidMappings',
    del('/mounts/1/gidMappings'),
    '/mounts/1/gidMappings: missing required field; uidMappings needs gidMappings too',
  ],
  [
    'mapping of size 0',
    set('/mounts/1/uidMappings/0/size', 0),
    '/mounts/1/uidMappings/0/size: must be at least 1, got 0',
  ],
  [
    'idmap on a proc mount',
    push('/mounts/0/options', 'idmap'),
    '/mounts/0/options/3: "idmap" needs a bind mount ("bind" or "rbind" in options)',
  ],
  [
    'uidMappings on a proc mount',
    all(
      set('/mounts/0/uidMappings', [{ containerID: 1000, hostID: 0, size: 1 }]),
      set('/mounts/0/gidMappings', [{ containerID: 1000, hostID: 0, size: 1 }]),
    ),
    '/mounts/0/uidMappings: idmapped mounts are bind mounts only; add "bind" or "rbind" to options',
  ],
  [
    'idmap without mappings or a user namespace',
    all(
      del('/mounts/1/uidMappings'),
      del('/mounts/1/gidMappings'),
      del('/linux/uidMappings'),
      del('/linux/gidMappings'),
      set('/linux/namespaces/0', { type: 'user', path: '/proc/1/ns/user' }),
    ),
    '/mounts/1/options/2: "idmap" without uidMappings and gidMappings takes the container\'s user namespace mapping, and this container has no new user namespace',
  ],
  [
    'overlapping mount mapping',
    set('/mounts/1/gidMappings', [
      { containerID: 0, hostID: 100000, size: 65536 },
      { containerID: 70000, hostID: 165535, size: 1 },
    ]),
    '/mounts/1/gidMappings/1/hostID: overlaps the host ids of mapping 0',
  ],
  [
    'mapping without hostID',
    del('/linux/uidMappings/0/hostID'),
    '/linux/uidMappings/0/hostID: missing required field; expected an integer from 0 to 4294967295',
  ],
  [
    'more than 340 mappings',
    set(
      '/linux/gidMappings',
      Array.from({ length: 341 }, (_, i) => ({ containerID: i, hostID: 100000 + i, size: 1 })),
    ),
    '/linux/gidMappings: must have at most 340 entries, got 341',
  ],
  // hooks
  ['relative hook path', set('/hooks/prestart/0/path', 'hook'), `/hooks/prestart/0/path: ${ABS} "hook"`],
  [
    'hook timeout 0',
    set('/hooks/poststop/0/timeout', 0),
    '/hooks/poststop/0/timeout: must be at least 1, got 0',
  ],
  [
    'hook env without =',
    set('/hooks/poststart/0/env/0', 'A'),
    '/hooks/poststart/0/env/0: expected "NAME=value", got "A"',
  ],
  [
    'hook without path',
    del('/hooks/createRuntime/0/path'),
    '/hooks/createRuntime/0/path: missing required field; expected a path',
  ],
  ['hooks as a list', set('/hooks', [{ path: '/x' }]), '/hooks: expected an object, got an array'],
  // annotations
  ['empty annotation key', set('/annotations/', 'x'), '/annotations/: annotation keys must not be empty'],
  [
    'annotation value a number',
    (c) => {
      c.annotations['com.example/n'] = 1;
    },
    '/annotations/com.example~1n: expected a string, got 1',
  ],
  // hostile strings and combinations
  ['NUL in the cwd', set('/process/cwd', '/home\u0000/x'), `/process/cwd: ${NUL}`],
  [
    'NUL in a mount destination',
    set('/mounts/1/destination', '/data\u0000'),
    `/mounts/1/destination: ${NUL}`,
  ],
  ['NUL in a masked path', set('/linux/maskedPaths/0', '/proc/kcore\u0000'), `/linux/maskedPaths/0: ${NUL}`],
  [
    'sysctl escape checked even when the namespace list is wrong',
    all(set('/linux/namespaces/1/type', 'pdi'), (c) => {
      c.linux.sysctl['../../etc/passwd'] = 'x';
    }),
    '/linux/namespaces/1/type: unknown namespace type; did you mean pid?',
    '/linux/sysctl/..~1..~1etc~1passwd: not a sysctl name; expected dotted words such as "net.ipv4.ip_forward"',
  ],
  [
    'sysctl with a leading dot',
    (c) => {
      c.linux.sysctl['.net.ipv4.ip_forward'] = '1';
    },
    '/linux/sysctl/.net.ipv4.ip_forward: not a sysctl name; expected dotted words such as "net.ipv4.ip_forward"',
  ],
  [
    'too many supplementary groups',
    set(
      '/process/user/additionalGids',
      Array.from({ length: 65537 }, (_, i) => i),
    ),
    '/process/user/additionalGids: must have at most 65536 entries (NGROUPS_MAX, the most setgroups(2) takes), got 65537',
  ],
  // the budgets container.json is held to (limits.ts)
  [
    "args and env beyond execve's argument space",
    set(
      '/process/env',
      Array.from({ length: 20 }, (_, i) => `V${i}=${'a'.repeat(120000)}`),
    ),
    "/process/env: args and env take 2400293 bytes of execve's argument space (with their NULs and pointers); at most 2097152 fit with this RLIMIT_STACK",
  ],
  [
    'more mounts than the plan carries',
    set(
      '/mounts',
      Array.from({ length: 1025 }, (_, i) => ({ destination: `/m${i}`, type: 'tmpfs', source: 'tmpfs' })),
    ),
    '/mounts: must have at most 1024 entries (each is a step of the plan, which has at most 4096), got 1025',
  ],
  [
    "lists that together exceed the plan's steps",
    all(
      set(
        '/mounts',
        Array.from({ length: 1024 }, (_, i) => ({ destination: `/m${i}`, type: 'tmpfs', source: 'tmpfs' })),
      ),
      set(
        '/linux/devices',
        Array.from({ length: 1024 }, (_, i) => ({ type: 'p', path: `/dev/f${i}` })),
      ),
      set(
        '/linux/maskedPaths',
        Array.from({ length: 1024 }, (_, i) => `/proc/m${i}`),
      ),
      set(
        '/linux/readonlyPaths',
        Array.from({ length: 1024 }, (_, i) => `/proc/r${i}`),
      ),
    ),
    "/mounts: mounts, devices, masked and read-only paths, sysctls and rlimits need 4165 steps of the container's plan; at most 4096 fit",
  ],
  [
    'device paths needing too many directories',
    set(
      '/linux/devices',
      Array.from({ length: 513 }, (_, i) => ({ type: 'p', path: `/dev/a${i}/b/f` })),
    ),
    '/linux/devices: the device paths need 1026 directories; at most 1024 are made (one step of the plan each)',
  ],
  [
    "a capability set longer than the kernel's 64 bits",
    set(
      '/process/capabilities/bounding',
      Array.from({ length: 65 }, () => 'CAP_CHOWN'),
    ),
    '/process/capabilities/bounding: must have at most 64 entries (the kernel capability sets are 64 bits; name each capability once), got 65',
  ],
  [
    'process as an array',
    (c) => Object.assign(c, { process: [] }),
    '/process: expected an object, got an array',
  ],
  // unknown keys are warnings; keys read twice are errors
  [
    'the same key twice under different case',
    set('/Hostname', 'again'),
    '/Hostname: duplicate key: "hostname" already sets "hostname"',
  ],
];

describe('validateOciConfig: one break each', () => {
  it('starts from a config that validates with no warnings', () => {
    const r = validateOciConfig(fullOciConfig());
    expect(r.warnings.map(formatIssue)).toEqual([]);
    expect(r.ok).toBe(true);
  });

  runOciCases(cases);
});
