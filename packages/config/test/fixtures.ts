// Shared fixtures for the config tests: paths of the 2014 reference sample and of the examples,
// and a config that sets every field of the format to a valid, non-default value.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// Imported from source: @nsinit/testkit depends on this package, so it cannot be a dependency here.
import {
  REFERENCE_MISSING,
  referenceCandidates,
  referenceFile,
  SAMPLE_NAME,
} from '../../testkit/src/reference.js';
import type { ContainerConfig } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const PACKAGE_DIR = resolve(here, '..');
export const REPO_ROOT = resolve(PACKAGE_DIR, '../..');
/** The 2014 sample lives beside the repository (../shared/reference), found as testkit finds it. */
export const SAMPLE_PATH = referenceFile() ?? join(referenceCandidates()[0]!, SAMPLE_NAME);
export const EXPECTED_SCHEMA_PATH = join(PACKAGE_DIR, 'schema.json');
export const EXAMPLES = ['minimal', 'bridge', 'limits'].map((name) => ({
  name,
  path: join(REPO_ROOT, 'examples', name, 'container.json'),
}));

/** The 2014 sample's text, or undefined when the reference folder beside the repository is absent. */
export function sampleText(): string | undefined {
  return existsSync(SAMPLE_PATH) ? readFileSync(SAMPLE_PATH, 'utf8') : undefined;
}
export const SKIP_SAMPLE = REFERENCE_MISSING;

/** Every field of the format, each with a valid value other than its default. */
export function fullConfig(): ContainerConfig {
  return {
    $schema: '../schema.json',
    hostname: 'full',
    readonly_fs: true,
    no_pivot_root: true,
    user: 'daemon:daemon',
    working_dir: '/srv',
    environment: ['HOME=/root', 'PATH=/bin', 'EMPTY='],
    tty: true,
    namespaces: {
      NEWNS: true,
      NEWUTS: true,
      NEWIPC: true,
      NEWUSER: true,
      NEWPID: true,
      NEWNET: true,
      NEWCGROUP: true,
      NEWTIME: true,
    },
    uid_mappings: [{ container_id: 0, host_id: 100000, size: 65536 }],
    gid_mappings: [{ container_id: 0, host_id: 100000, size: 65536 }],
    capabilities: ['CHOWN', 'NET_ADMIN', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE'],
    networks: [
      { type: 'loopback', mtu: 65536, address: '127.0.0.1/0', gateway: 'localhost' },
      {
        type: 'veth',
        address: 'fd00::2/64',
        gateway: 'fd00::1',
        mtu: 9000,
        context: { bridge: 'br-test', prefix: 'vt' },
      },
      { type: 'netns', context: { nspath: '/var/run/netns/other' } },
    ],
    routes: [
      { destination: '10.1.0.0/16', source: '10.2.0.0/16', gateway: '10.0.0.1', interface_name: 'eth0' },
      { gateway: 'fd00::fe', interface_name: 'eth0' },
    ],
    cgroups: {
      name: 'full',
      parent: 'nsinit/tests',
      allow_all_devices: true,
      allowed_devices: [{ type: 98, major_number: 8, minor_number: -1, cgroup_permissions: 'rw' }],
      memory: 536870912,
      memory_reservation: 268435456,
      memory_swap: -1,
      cpu_shares: 512,
      cpu_quota: 20000,
      cpu_period: 100000,
      cpuset_cpus: '0-1,3',
      freezer: 'THAWED',
      slice: 'machine.slice',
      pids_limit: 100,
    },
    context: {
      mount_label: 'system_u:object_r:svirt_sandbox_file_t:s0',
      process_label: 'p',
      apparmor_profile: 'a',
      restrictions: 'yes',
    },
    mounts: [{ type: 'bind', source: '/srv/data', destination: '/data', writable: true, private: true }],
    device_nodes: [{ type: 98, path: '/dev/loop0', major_number: 7, minor_number: 0, file_mode: 0o660 }],
    rlimits: [
      { type: 'RLIMIT_NOFILE', hard: 4096, soft: 1024 },
      { type: 'RLIMIT_CORE', hard: -1, soft: -1 },
    ],
    no_new_privileges: true,
    domainname: 'example.org',
    personality: 'LINUX32',
    sysctl: { 'kernel.domainname': 'full.example' },
    seccomp: {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      architectures: ['SCMP_ARCH_X86_64'],
      listenerPath: '/run/agent.sock',
      listenerMetadata: 'full',
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' },
        { names: ['kill'], action: 'SCMP_ACT_ALLOW', args: [{ index: 1, value: 0, op: 'SCMP_CMP_EQ' }] },
      ],
    },
    time_offsets: { monotonic: { secs: 3600, nanosecs: 5 }, boottime: { secs: -60 } },
  };
}
