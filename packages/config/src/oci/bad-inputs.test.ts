// Bad config.json inputs, one break each in an otherwise valid full config, with the exact pointer
// and message expected for every error.
import { describe, expect, it } from 'vitest';
import { all, type BadCase, type Doc, del, push, set } from '../../test/edits.js';
import { fullOciConfig } from '../../test/oci-fixtures.js';
import { formatIssue, validateOciConfig } from '../index.js';

const ABS = 'expected an absolute path (starting with "/"), got';
const NUL = 'must not contain a NUL character (the kernel would cut the string there)';

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
  // linux.namespaces
  [
    'misspelt namespace type',
    set('/linux/namespaces/1/type', 'pdi'),
    '/linux/namespaces/1/type: unknown namespace type; did you mean pid?',
  ],
  [
    'container.json style namespace name',
    set('/linux/namespaces/1/type', 'NEWPID'),
    '/linux/namespaces/1/type: unknown namespace type; did you mean pid?',
  ],
  [
    'net instead of network',
    set('/linux/namespaces/2/type', 'net'),
    '/linux/namespaces/2/type: unknown namespace type; did you mean network?',
  ],
  [
    'duplicate namespace',
    push('/linux/namespaces', { type: 'pid' }),
    '/linux/namespaces/8: duplicate namespace pid',
  ],
  [
    'relative namespace path',
    set('/linux/namespaces/2/path', 'netns/x'),
    `/linux/namespaces/2/path: ${ABS} "netns/x"`,
  ],
  [
    'empty namespace path',
    set('/linux/namespaces/2/path', ''),
    '/linux/namespaces/2/path: must not be empty; omit path to create a new namespace',
  ],
  [
    'id mappings when joining a user namespace',
    set('/linux/namespaces/0/path', '/proc/1/ns/user'),
    '/linux/uidMappings: needs a new user namespace (a "user" entry without a path)',
    '/linux/gidMappings: needs a new user namespace (a "user" entry without a path)',
  ],
  [
    'new user namespace without mappings',
    del('/linux/uidMappings'),
    '/linux/uidMappings: missing required field; a new user namespace needs id mappings',
  ],
  // sysctl
  [
    'host-wide sysctl',
    set('/linux/sysctl/kernel.panic', '1'),
    '/linux/sysctl/kernel.panic: not a namespaced sysctl: setting it would change the host (only ipc, net and uts ones are allowed)',
  ],
  [
    'sysctl climbing out of /proc/sys',
    (c) => {
      c.linux.sysctl['net/../../etc'] = '1';
    },
    '/linux/sysctl/net~1..~1..~1etc: not a sysctl name; expected dotted words such as "net.ipv4.ip_forward"',
  ],
  [
    'sysctl value a number',
    set('/linux/sysctl/net.ipv4.ip_forward', 1),
    '/linux/sysctl/net.ipv4.ip_forward: expected a string, got 1',
  ],
  // devices
  [
    'relative device path',
    set('/linux/devices/0/path', 'dev/fuse'),
    `/linux/devices/0/path: ${ABS} "dev/fuse"`,
  ],
  [
    'device type a word',
    set('/linux/devices/0/type', 'char'),
    '/linux/devices/0/type: expected "c", "b", "u" or "p", got "char"',
  ],
  [
    'char device without major',
    del('/linux/devices/0/major'),
    '/linux/devices/0/major: missing required field; a "c" device needs a major number',
  ],
  [
    'duplicate device',
    push('/linux/devices', { type: 'p', path: '/dev/fifo' }),
    '/linux/devices/2: duplicate device path /dev/fifo',
  ],
  [
    'fileMode as octal string',
    set('/linux/devices/0/fileMode', '0666'),
    '/linux/devices/0/fileMode: expected permission bits as a number (438 = 0666), got "0666"',
  ],
  // paths and cgroupsPath
  [
    'relative masked path',
    push('/linux/maskedPaths', 'proc/keys'),
    `/linux/maskedPaths/1: ${ABS} "proc/keys"`,
  ],
  ['relative readonly path', set('/linux/readonlyPaths/0', 'proc'), `/linux/readonlyPaths/0: ${ABS} "proc"`],
  [
    'cgroupsPath climbing out',
    set('/linux/cgroupsPath', '/nsinit/../../escape'),
    '/linux/cgroupsPath: must not contain ".." (it would leave the cgroup hierarchy)',
  ],
  [
    'unknown propagation',
    set('/linux/rootfsPropagation', 'rslav'),
    '/linux/rootfsPropagation: unknown propagation; did you mean rslave?',
  ],
  [
    'rootfs propagation without a mount namespace',
    set('/linux/namespaces', [
      { type: 'user' },
      { type: 'uts' },
      { type: 'ipc' },
      { type: 'network' },
      { type: 'time' },
    ]),
    '/linux/rootfsPropagation: needs a mount namespace; without one it would change the host mounts',
    '/linux/maskedPaths: needs a mount namespace; without one it would change the host mounts',
    '/linux/readonlyPaths: needs a mount namespace; without one it would change the host mounts',
  ],
  [
    'personality domain',
    set('/linux/personality/domain', 'LINUX64'),
    '/linux/personality/domain: unknown personality domain; did you mean LINUX?',
  ],
  [
    'time offset nanoseconds',
    set('/linux/timeOffsets/boottime/nanosecs', 1e9),
    '/linux/timeOffsets/boottime/nanosecs: must be at most 999999999, got 1000000000',
  ],
  // resources
  [
    'memory with a unit',
    set('/linux/resources/memory/limit', '512m'),
    '/linux/resources/memory/limit: expected a number of bytes (-1 for unlimited), got "512m"',
  ],
  [
    'swap below memory',
    set('/linux/resources/memory/swap', 1024),
    '/linux/resources/memory/swap: must be at least limit (536870912), as it limits memory plus swap',
  ],
  [
    'swappiness above 100',
    set('/linux/resources/memory/swappiness', 101),
    '/linux/resources/memory/swappiness: must be at most 100, got 101',
  ],
  [
    'CFS period below 1 ms',
    set('/linux/resources/cpu/period', 999),
    '/linux/resources/cpu/period: must be at least 1000 microseconds, got 999',
  ],
  [
    'CFS quota below 1 ms',
    set('/linux/resources/cpu/quota', 10),
    '/linux/resources/cpu/quota: must be at least 1000 microseconds, got 10',
  ],
  [
    'burst above quota',
    set('/linux/resources/cpu/burst', 60000),
    '/linux/resources/cpu/burst: must not exceed quota (50000)',
  ],
  [
    'cpus as a number',
    set('/linux/resources/cpu/cpus', 2),
    '/linux/resources/cpu/cpus: expected a string, got 2',
  ],
  [
    'pids without limit',
    set('/linux/resources/pids', {}),
    '/linux/resources/pids/limit: missing required field; expected an integer',
  ],
  [
    'device rule without allow',
    del('/linux/resources/devices/1/allow'),
    '/linux/resources/devices/1/allow: missing required field; expected true or false',
  ],
  [
    'device rule access',
    set('/linux/resources/devices/1/access', 'rx'),
    '/linux/resources/devices/1/access: expected a combination of "r", "w" and "m", such as "rwm", got "rx"',
  ],
  [
    'blkio weight below 10',
    set('/linux/resources/blockIO/weight', 5),
    '/linux/resources/blockIO/weight: must be at least 10, got 5',
  ],
  [
    'weightDevice without weights',
    set('/linux/resources/blockIO/weightDevice/0', { major: 8, minor: 0 }),
    '/linux/resources/blockIO/weightDevice/0/weight: missing required field; set weight, leafWeight or both',
  ],
  [
    'throttle without rate',
    del('/linux/resources/blockIO/throttleReadBpsDevice/0/rate'),
    '/linux/resources/blockIO/throttleReadBpsDevice/0/rate: missing required field; expected a non-negative integer',
  ],
  [
    'hugepage size',
    set('/linux/resources/hugepageLimits/0/pageSize', '2M'),
    '/linux/resources/hugepageLimits/0/pageSize: expected a page size such as "2MB" or "1GB", got "2M"',
  ],
  [
    'duplicate hugepage size',
    push('/linux/resources/hugepageLimits', { pageSize: '2MB', limit: 1 }),
    '/linux/resources/hugepageLimits/1: duplicate page size 2MB',
  ],
  [
    'rdma without limits',
    set('/linux/resources/rdma/mlx5_1', {}),
    '/linux/resources/rdma/mlx5_1: set hcaHandles, hcaObjects or both',
  ],
  [
    'unified file with a slash',
    (c) => {
      c.linux.resources.unified['../memory.max'] = '1';
    },
    '/linux/resources/unified/..~1memory.max: expected a cgroup v2 file name such as "memory.high" (no "/")',
  ],
  // seccomp
  [
    'seccomp without defaultAction',
    del('/linux/seccomp/defaultAction'),
    '/linux/seccomp/defaultAction: missing required field; expected an action such as "SCMP_ACT_ERRNO"',
  ],
  [
    'seccomp action misspelt',
    set('/linux/seccomp/syscalls/0/action', 'SCMP_ACT_ALOW'),
    '/linux/seccomp/syscalls/0/action: unknown seccomp action; did you mean SCMP_ACT_ALLOW?',
  ],
  [
    'seccomp rule without names',
    set('/linux/seccomp/syscalls/0/names', []),
    '/linux/seccomp/syscalls/0/names: must have at least 1 entries, got 0',
  ],
  [
    'seccomp arg index 6',
    set('/linux/seccomp/syscalls/2/args/0/index', 6),
    '/linux/seccomp/syscalls/2/args/0/index: must be at most 5, got 6',
  ],
  [
    'notify without a listener',
    all(del('/linux/seccomp/listenerPath'), del('/linux/seccomp/listenerMetadata')),
    '/linux/seccomp/listenerPath: missing required field; SCMP_ACT_NOTIFY needs a listener socket',
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
    '/process/user/additionalGids: must have at most 65536 entries, got 65537',
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

  it.each(cases)('%s', (_name, edit, ...errors) => {
    const input = fullOciConfig() as Doc;
    edit(input);
    const result = validateOciConfig(input);
    expect(result.ok ? [] : result.errors.map(formatIssue)).toEqual(errors);
    for (const e of result.ok ? [] : result.errors) expect(e.message).not.toMatch(/\.$/);
  });
});

const warningCases: Array<[string, (c: Doc) => void, ...string[]]> = [
  [
    'misspelt key',
    set('/process/capabilites', {}),
    '/process/capabilites: unknown key, ignored; did you mean "capabilities"?',
  ],
  ['misspelt top-level key', set('/mount', []), '/mount: unknown key, ignored; did you mean "mounts"?'],
  [
    'key in the wrong case',
    (c) => {
      c.Linux = c.linux;
      delete c.linux;
    },
    '/Linux: key differs from "linux" only by case; read as "linux"',
  ],
  [
    'a Windows-only section',
    set('/windows', { layerFolders: [] }),
    '/windows: settings for another platform (windows); ignored on Linux',
  ],
  [
    'a 1.3 field',
    set('/linux/netDevices', { eth0: {} }),
    '/linux/netDevices: a runtime-spec 1.3 field, not read by this 1.0-1.2 reader; ignored',
  ],
  [
    'relative mount destination',
    set('/mounts/1/destination', 'data'),
    '/mounts/1/destination: relative destination is read as "/data"; write the absolute path',
  ],
  [
    'consoleSize without a terminal',
    set('/process/terminal', false),
    '/process/consoleSize: ignored because process.terminal is not true',
  ],
  [
    'ambient not inheritable',
    set('/process/capabilities/inheritable', []),
    '/process/capabilities/ambient/0: CAP_NET_ADMIN is not raised: an ambient capability must also be permitted and inheritable',
  ],
  [
    'unknown capability in a 1.1 config',
    all(set('/ociVersion', '1.1.0'), push('/process/capabilities/bounding', 'CAP_TEST')),
    '/process/capabilities/bounding/4: unknown capability, ignored',
  ],
  [
    'duplicate capability',
    push('/process/capabilities/bounding', 'CAP_CHOWN'),
    '/process/capabilities/bounding/4: duplicate capability CAP_CHOWN',
  ],
  [
    'a unified hugetlb file keeps its upper-case page size',
    (c) => {
      c.linux.resources.unified['hugetlb.2MB.max'] = '0';
    },
  ],
  [
    'duplicate env',
    push('/process/env', 'PATH=/usr/bin'),
    '/process/env/3: duplicate environment variable PATH',
  ],
  [
    'duplicate group',
    push('/process/user/additionalGids', 10),
    '/process/user/additionalGids/2: duplicate group 10',
  ],
  [
    'no mount namespace',
    all(
      set('/linux/namespaces', [
        { type: 'user' },
        { type: 'uts' },
        { type: 'ipc' },
        { type: 'network' },
        { type: 'time' },
      ]),
      del('/linux/rootfsPropagation'),
      set('/linux/maskedPaths', []),
      del('/linux/readonlyPaths'),
    ),
    '/linux/namespaces: no mount namespace: mounts and pivot_root would act on the host mount namespace',
  ],
  [
    'reservation above limit',
    set('/linux/resources/memory/reservation', 1e10),
    '/linux/resources/memory/reservation: above limit (536870912), so it never takes effect',
  ],
  [
    'kernel memory',
    set('/linux/resources/memory/kernel', 1e8),
    '/linux/resources/memory/kernel: kernel memory limits are deprecated by the kernel and ignored',
  ],
];

describe('validateOciConfig: warnings', () => {
  it.each(warningCases)('%s', (_name, edit, ...warnings) => {
    const input = fullOciConfig() as Doc;
    edit(input);
    const result = validateOciConfig(input);
    expect(result.ok ? [] : result.errors.map(formatIssue)).toEqual([]);
    expect(result.warnings.map(formatIssue)).toEqual(warnings);
  });

  it('keeps a __proto__ annotation as an own key without touching any prototype', () => {
    const input = JSON.parse('{"ociVersion":"1.2.0","root":{"path":"r"},"annotations":{"__proto__":"x"}}');
    const result = validateOciConfig(input);
    expect(result.ok && Object.getOwnPropertyNames(result.config.annotations)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
