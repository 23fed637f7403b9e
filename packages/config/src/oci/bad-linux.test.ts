// Bad `linux` sections of config.json (namespaces, sysctl, devices, paths, cgroup resources,
// seccomp), one break each in an otherwise valid full config, with the exact pointer and message
// expected for every error.
import { describe } from 'vitest';
import { all, type BadCase, del, push, set } from '../../test/edits.js';
import { ABS, runOciCases } from '../../test/oci-edits.js';

const cases: BadCase[] = [
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
];

describe('validateOciConfig: one break each in linux', () => {
  runOciCases(cases);
});
