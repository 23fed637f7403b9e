// Bad inputs, one break each, with the exact path and message expected for every error.
import { describe, expect, it } from 'vitest';
import { all, type BadCase, del, push, runCases, set } from '../test/edits.js';
import { fullConfig } from '../test/fixtures.js';
import { validateConfig } from './index.js';

const ABS_HINT = 'expected an absolute path (starting with "/")';
const ABS = `${ABS_HINT}, got`;
const DEVTYPE = "expected 99 (character device, 'c') or 98 (block device, 'b'), got";
const PERMS = 'expected a combination of "r", "w" and "m"';

// [name, edit, every error expected, exactly]: each breaks one thing in an otherwise valid config.
export const cases: BadCase[] = [
  [
    'misspelt namespace',
    set('/namespaces/NEWPDI', true),
    '/namespaces/NEWPDI: unknown namespace; did you mean NEWPID?',
  ],
  [
    'lower-case namespace key',
    set('/namespaces/newnet', true),
    '/namespaces/newnet: unknown namespace; did you mean NEWNET?',
  ],
  [
    'CLONE_ prefixed namespace',
    set('/namespaces/CLONE_NEWIPC', true),
    '/namespaces/CLONE_NEWIPC: unknown namespace; did you mean NEWIPC?',
  ],
  [
    'namespace flag as string',
    set('/namespaces/NEWPID', 'true'),
    '/namespaces/NEWPID: expected true or false, got "true"',
  ],
  [
    'namespaces as a list',
    set('/namespaces', ['NEWPID']),
    '/namespaces: expected an object such as {"NEWPID": true}, got an array',
  ],
  [
    'memory with a unit',
    set('/cgroups/memory', '512m'),
    '/cgroups/memory: expected a number of bytes, got "512m"',
  ],
  ['fractional memory', set('/cgroups/memory', 1.5), '/cgroups/memory: expected a number of bytes, got 1.5'],
  ['negative memory', set('/cgroups/memory', -2), '/cgroups/memory: must be at least -1, got -2'],
  [
    'CAP_ prefixed capability',
    push('/capabilities', 'CAP_SYS_ADMIN'),
    '/capabilities/6: unknown capability; did you mean SYS_ADMIN?',
  ],
  [
    'misspelt lower-case capability',
    push('/capabilities', 'sys_admn'),
    '/capabilities/6: unknown capability; did you mean SYS_ADMIN?',
  ],
  [
    'invented capability',
    push('/capabilities', 'FLY'),
    '/capabilities/6: unknown capability; expected a capability name such as "CHOWN"',
  ],
  [
    'capabilities as a string',
    set('/capabilities', 'CHOWN'),
    '/capabilities: expected an array, got "CHOWN"',
  ],
  [
    'environment entry without =',
    push('/environment', 'FOO'),
    '/environment/3: expected "NAME=value", got "FOO"',
  ],
  [
    'environment entry without a name',
    set('/environment/0', '=x'),
    '/environment/0: expected "NAME=value", got "=x"',
  ],
  [
    'environment entry not a string',
    set('/environment/1', 5),
    '/environment/1: expected a "NAME=value" string, got 5',
  ],
  [
    'hostname too long',
    set('/hostname', 'h'.repeat(65)),
    '/hostname: must be at most 64 characters long, got 65',
  ],
  ['hostname a number', set('/hostname', 42), '/hostname: expected a string, got 42'],
  // Longer than the kernel takes (PATH_MAX for paths and mount options, MAX_ARG_STRLEN for an
  // environment entry): refused here with the field, not later by the native plan decoder.
  [
    'working_dir longer than PATH_MAX',
    set('/working_dir', `/${'d'.repeat(4095)}`),
    '/working_dir: must be at most 4095 characters long, got 4096',
  ],
  [
    'mount_label longer than a mount option string',
    set('/context/mount_label', 'l'.repeat(5000)),
    '/context/mount_label: must be at most 4095 characters long, got 5000',
  ],
  [
    'environment entry longer than MAX_ARG_STRLEN',
    set('/environment/0', `A=${'v'.repeat(128 * 1024)}`),
    '/environment/0: must be at most 131071 characters long, got 131074',
  ],
  ['tty as yes', set('/tty', 'yes'), '/tty: expected true or false, got "yes"'],
  ['readonly_fs as 1', set('/readonly_fs', 1), '/readonly_fs: expected true or false, got 1'],
  [
    'no_new_privileges as a string',
    set('/no_new_privileges', '1'),
    '/no_new_privileges: expected true or false, got "1"',
  ],
  ['relative working_dir', set('/working_dir', 'srv'), `/working_dir: ${ABS} "srv"`],
  [
    'user with two colons',
    set('/user', 'a:b:c'),
    '/user: expected "user", "uid", "user:group" or "uid:gid", got "a:b:c"',
  ],
  [
    'relative mount destination',
    set('/mounts/0/destination', 'data'),
    `/mounts/0/destination: ${ABS} "data"`,
  ],
  [
    'bind mount without source',
    del('/mounts/0/source'),
    '/mounts/0/source: missing required field; a bind mount needs an absolute path',
  ],
  [
    'mount type a number',
    set('/mounts/0/type', 5),
    '/mounts/0/type: expected a mount type such as "bind", got 5',
  ],
  [
    'mount without type',
    del('/mounts/0/type'),
    '/mounts/0/type: missing required field; expected a mount type such as "bind"',
  ],
  [
    'idmapped bind with uid_mappings only',
    set('/mounts/0/uid_mappings', [{ container_id: 1000, host_id: 0, size: 1 }]),
    '/mounts/0/gid_mappings: missing required field; uid_mappings needs gid_mappings too',
  ],
  [
    'mapping without host_id',
    all(
      set('/mounts/0/uid_mappings', [{ container_id: 1000, size: 1 }]),
      set('/mounts/0/gid_mappings', [{ container_id: 1000, host_id: 0, size: 1 }]),
    ),
    '/mounts/0/uid_mappings/0/host_id: missing required field; expected an id from 0 to 4294967295',
  ],
  [
    'mapping of size 0',
    all(
      set('/mounts/0/uid_mappings', [{ container_id: 1000, host_id: 0, size: 1 }]),
      set('/mounts/0/gid_mappings', [{ container_id: 1000, host_id: 0, size: 0 }]),
    ),
    '/mounts/0/gid_mappings/0/size: must be at least 1, got 0',
  ],
  [
    'empty mappings',
    all(set('/mounts/0/uid_mappings', []), set('/mounts/0/gid_mappings', [])),
    '/mounts/0/uid_mappings: must have at least one range; leave it out for a plain bind',
    '/mounts/0/gid_mappings: must have at least one range; leave it out for a plain bind',
  ],
  [
    'overlapping mapping ranges',
    all(
      set('/mounts/0/uid_mappings', [
        { container_id: 0, host_id: 100000, size: 10 },
        { container_id: 5, host_id: 200000, size: 10 },
      ]),
      set('/mounts/0/gid_mappings', [
        { container_id: 0, host_id: 100000, size: 10 },
        { container_id: 100, host_id: 100009, size: 1 },
      ]),
    ),
    '/mounts/0/uid_mappings/1/container_id: overlaps the container ids of mapping 0',
    '/mounts/0/gid_mappings/1/host_id: overlaps the host ids of mapping 0',
  ],
  [
    'mapping past the last id',
    all(
      set('/mounts/0/uid_mappings', [{ container_id: 4294967295, host_id: 0, size: 2 }]),
      set('/mounts/0/gid_mappings', [{ container_id: 0, host_id: 0, size: 1 }]),
    ),
    '/mounts/0/uid_mappings/0: the range runs past id 4294967295',
  ],
  ['device type as a letter', set('/device_nodes/0/type', 'c'), `/device_nodes/0/type: ${DEVTYPE} "c"`],
  ['device type 97', set('/device_nodes/0/type', 97), `/device_nodes/0/type: ${DEVTYPE} 97`],
  [
    'major above 12 bits',
    set('/device_nodes/0/major_number', 4096),
    '/device_nodes/0/major_number: must be at most 4095, got 4096',
  ],
  [
    'minor above 20 bits',
    set('/device_nodes/0/minor_number', 1048576),
    '/device_nodes/0/minor_number: must be at most 1048575, got 1048576',
  ],
  [
    'major below the wildcard',
    set('/cgroups/allowed_devices/0/major_number', -2),
    '/cgroups/allowed_devices/0/major_number: must be at least -1, got -2',
  ],
  [
    'wildcard in device_nodes',
    set('/device_nodes/0/minor_number', -1),
    '/device_nodes/0/minor_number: the wildcard -1 is only valid in cgroups.allowed_devices',
  ],
  [
    'device node without path',
    del('/device_nodes/0/path'),
    '/device_nodes/0/path: missing required field; a device node needs a path such as "/dev/null"',
  ],
  [
    'relative device node path',
    set('/device_nodes/0/path', 'dev/loop0'),
    `/device_nodes/0/path: ${ABS} "dev/loop0"`,
  ],
  [
    'file_mode above 07777',
    set('/device_nodes/0/file_mode', 4096),
    '/device_nodes/0/file_mode: must be at most 4095, got 4096',
  ],
  [
    'file_mode as an octal string',
    set('/device_nodes/0/file_mode', '0666'),
    '/device_nodes/0/file_mode: expected permission bits as a number (438 = 0666), got "0666"',
  ],
  [
    'cgroup permission x',
    set('/cgroups/allowed_devices/0/cgroup_permissions', 'rwx'),
    `/cgroups/allowed_devices/0/cgroup_permissions: ${PERMS}, such as "rwm", got "rwx"`,
  ],
  [
    'cgroup permission repeated',
    set('/cgroups/allowed_devices/0/cgroup_permissions', 'rrw'),
    '/cgroups/allowed_devices/0/cgroup_permissions: each of "r", "w" and "m" may appear only once',
  ],
  [
    'allowed device without permissions',
    del('/cgroups/allowed_devices/0/cgroup_permissions'),
    `/cgroups/allowed_devices/0/cgroup_permissions: missing required field; ${PERMS}`,
  ],
  [
    'cgroups without name',
    del('/cgroups/name'),
    '/cgroups/name: missing required field; expected the name of the container cgroup',
  ],
  [
    'cgroup name with a slash',
    set('/cgroups/name', 'a/b'),
    '/cgroups/name: expected a single path component (no "/"), got "a/b"',
  ],
  ['cgroup name ..', set('/cgroups/name', '..'), '/cgroups/name: must not be "." or ".."'],
  [
    'cgroup parent escaping',
    set('/cgroups/parent', 'nsinit/../../etc'),
    '/cgroups/parent: must not contain ".." (it would leave the cgroup hierarchy)',
  ],
  ['cgroups as a string', set('/cgroups', 'docker'), '/cgroups: expected an object, got "docker"'],
  [
    'cpu_period below 1 ms',
    set('/cgroups/cpu_period', 500),
    '/cgroups/cpu_period: must be at least 1000 microseconds, got 500',
  ],
  [
    'cpu_period above 1 s',
    set('/cgroups/cpu_period', 2_000_000),
    '/cgroups/cpu_period: must be at most 1000000, got 2000000',
  ],
  [
    'cpu_quota below 1 ms',
    set('/cgroups/cpu_quota', 10),
    '/cgroups/cpu_quota: must be at least 1000 microseconds, got 10',
  ],
  [
    'memory_swap below memory',
    set('/cgroups/memory_swap', 1024),
    '/cgroups/memory_swap: must be at least memory (536870912), as it limits memory plus swap',
  ],
  [
    'cpuset list with a trailing comma',
    set('/cgroups/cpuset_cpus', '0-1,'),
    '/cgroups/cpuset_cpus: expected a CPU list such as "0-1,3", got "0-1,"',
  ],
  [
    'freezer state in lower case',
    set('/cgroups/freezer', 'frozen'),
    '/cgroups/freezer: unknown freezer state; did you mean FROZEN?',
  ],
  ['negative pids_limit', set('/cgroups/pids_limit', -1), '/cgroups/pids_limit: must be at least 0, got -1'],
  [
    'rlimit without RLIMIT_ prefix',
    set('/rlimits/0/type', 'NOFILE'),
    '/rlimits/0/type: unknown resource limit; did you mean RLIMIT_NOFILE?',
  ],
  [
    'soft limit above hard',
    set('/rlimits/0/soft', 8192),
    '/rlimits/0/soft: must not exceed the hard limit (4096), got 8192',
  ],
  [
    'unlimited soft under a finite hard',
    set('/rlimits/0/soft', -1),
    '/rlimits/0/soft: must not exceed the hard limit (4096), got -1',
  ],
  [
    'rlimit without hard',
    del('/rlimits/0/hard'),
    '/rlimits/0/hard: missing required field; expected a limit (a non-negative integer, or -1 for unlimited)',
  ],
  [
    'duplicate rlimit',
    set('/rlimits/1/type', 'RLIMIT_NOFILE'),
    '/rlimits/1: duplicate resource limit RLIMIT_NOFILE',
  ],
  [
    'restrictions as a boolean',
    set('/context/restrictions', true),
    '/context/restrictions: expected a string, got true',
  ],
  [
    'context as a string',
    set('/context', 'restrict'),
    '/context: expected an object of strings, got "restrict"',
  ],
  [
    'unknown context key with a non-string value',
    set('/context/other', 1),
    '/context/other: expected a string, got 1',
  ],
  [
    'key given twice with different case',
    set('/HOSTNAME', 'again'),
    '/HOSTNAME: duplicate key: "hostname" already sets "hostname"',
  ],
  [
    'host-wide sysctl',
    set('/sysctl/kernel.panic', '1'),
    '/sysctl/kernel.panic: not a namespaced sysctl: setting it would change the host (only ipc, net and uts ones are allowed)',
  ],
  [
    'ipc sysctl without NEWIPC',
    all(set('/namespaces/NEWIPC', false), set('/sysctl/kernel.shmmax', '65536')),
    '/sysctl/kernel.shmmax: needs namespaces.NEWIPC; without one it would change the host',
  ],
  [
    'sysctl name climbing out of /proc/sys',
    set('/sysctl/net..ipv4', '1'),
    '/sysctl/net..ipv4: not a sysctl name; expected dotted words such as "net.ipv4.ip_forward"',
  ],
  [
    'SCMP_ACT_NOTIFY without a listener',
    del('/seccomp/listenerPath'),
    '/seccomp/listenerPath: missing required field; SCMP_ACT_NOTIFY needs a listener socket',
    '/seccomp/listenerMetadata: only valid together with listenerPath',
  ],
  [
    'SCMP_ACT_NOTIFY on the write the runtime needs',
    set('/seccomp/syscalls/1/names', ['mkdir', 'write']),
    '/seccomp/syscalls/1/names/1: SCMP_ACT_NOTIFY cannot be used for write: the runtime hands the listener its fd with it',
  ],
  [
    'misspelt seccomp action',
    set('/seccomp/defaultAction', 'SCMP_ACT_ERNO'),
    '/seccomp/defaultAction: unknown seccomp action; did you mean SCMP_ACT_ERRNO?',
  ],
  [
    'time offsets without NEWTIME',
    set('/namespaces/NEWTIME', false),
    '/time_offsets: needs namespaces.NEWTIME (a new time namespace)',
  ],
  [
    'domain name without NEWUTS',
    set('/namespaces/NEWUTS', false),
    "/domainname: needs namespaces.NEWUTS; without it the host's domain name would change",
    '/sysctl/kernel.domainname: needs namespaces.NEWUTS; without one it would change the host',
  ],
  [
    'unknown personality',
    set('/personality', 'BSD'),
    '/personality: unknown personality domain; expected "LINUX" or "LINUX32"',
  ],
];

describe('validateConfig: bad inputs', () => {
  it('has at least 40 distinct cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c[0])).size).toBe(cases.length);
  });

  it('starts from a config that is valid with no warnings', () => {
    expect(validateConfig(fullConfig())).toEqual({ ok: true, config: fullConfig(), warnings: [] });
  });

  runCases(cases);
});
