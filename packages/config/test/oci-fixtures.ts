// Real-world config.json fixtures: written by hand from what each tool generates, `runc spec`
// (runc's specconv example), containerd's CRI plugin for a Kubernetes pod container and `podman run`
// (with its default seccomp profile, trimmed); and the config runtime-tools' conformance programs
// (validation/default, 408c51e) hand to the runtime, captured from a run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_DIR } from './fixtures.js';

export const OCI_FIXTURE_DIR = join(PACKAGE_DIR, 'test', 'oci');

export const OCI_FIXTURES = ['runc-spec', 'containerd-cri', 'podman', 'runtime-tools-default'].map(
  (name) => ({
    name,
    path: join(OCI_FIXTURE_DIR, `${name}.json`),
    /** A fresh parsed copy. */
    config: (): Record<string, any> =>
      JSON.parse(readFileSync(join(OCI_FIXTURE_DIR, `${name}.json`), 'utf8')),
  }),
);

/** Every field of config.json the schema knows, each with a valid value (zero warnings). */
export function fullOciConfig(): Record<string, any> {
  // Fresh arrays and objects at every use, so an edit at one pointer changes only that place.
  const all = () => ['CAP_CHOWN', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN', 'CAP_BPF'];
  const hook = () => ({ path: '/usr/bin/hook', args: ['hook', 'x'], env: ['A=1'], timeout: 5 });
  return {
    $schema: '../schema-oci.json',
    ociVersion: '1.2.0',
    process: {
      terminal: true,
      consoleSize: { height: 24, width: 80 },
      user: { uid: 1000, gid: 1000, umask: 0o27, additionalGids: [10, 20], username: 'ignored' },
      args: ['/bin/sh', '-c', 'echo hi'],
      commandLine: 'ignored on linux',
      env: ['PATH=/bin', 'HOME=/home/u', 'EMPTY='],
      cwd: '/home/u',
      capabilities: {
        bounding: all(),
        effective: ['CAP_CHOWN'],
        inheritable: ['CAP_NET_ADMIN'],
        permitted: all(),
        ambient: ['CAP_NET_ADMIN'],
      },
      rlimits: [
        { type: 'RLIMIT_NOFILE', hard: 4096, soft: 1024 },
        { type: 'RLIMIT_CORE', hard: Number('18446744073709551615'), soft: 0 },
      ],
      noNewPrivileges: true,
      apparmorProfile: 'nsinit-default',
      oomScoreAdj: -500,
      scheduler: { policy: 'SCHED_FIFO', priority: 10, flags: ['SCHED_FLAG_RESET_ON_FORK'] },
      selinuxLabel: 'system_u:system_r:container_t:s0',
      ioPriority: { class: 'IOPRIO_CLASS_BE', priority: 3 },
      execCPUAffinity: { initial: '0-1', final: '1' },
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'full',
    domainname: 'example.org',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      {
        destination: '/data',
        type: 'bind',
        source: '/srv/data',
        options: ['rbind', 'ro', 'idmap'],
        uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
        gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      },
    ],
    hooks: {
      prestart: [hook()],
      createRuntime: [hook()],
      createContainer: [hook()],
      startContainer: [{ path: '/bin/true' }],
      poststart: [hook()],
      poststop: [hook()],
    },
    annotations: { 'org.opencontainers.image.os': 'linux', 'com.example/any key': 'any value' },
    linux: {
      namespaces: [
        { type: 'user' },
        { type: 'pid' },
        { type: 'network', path: '/var/run/netns/full' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        { type: 'cgroup' },
        { type: 'time' },
      ],
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      timeOffsets: { boottime: { secs: 3600, nanosecs: 0 }, monotonic: { secs: -60, nanosecs: 500 } },
      devices: [
        { type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 },
        { type: 'p', path: '/dev/fifo' },
      ],
      cgroupsPath: '/nsinit/full',
      resources: {
        devices: [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' },
        ],
        memory: {
          limit: 536870912,
          reservation: 268435456,
          swap: 1073741824,
          kernelTCP: 16777216,
          swappiness: 10,
          disableOOMKiller: false,
          useHierarchy: true,
          checkBeforeUpdate: true,
        },
        cpu: {
          shares: 512,
          quota: 50000,
          burst: 10000,
          period: 100000,
          realtimeRuntime: 0,
          realtimePeriod: 1000000,
          cpus: '0-1',
          mems: '0',
          idle: 0,
        },
        pids: { limit: 100 },
        blockIO: {
          weight: 500,
          leafWeight: 300,
          weightDevice: [{ major: 8, minor: 0, weight: 600 }],
          throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
          throttleWriteBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
          throttleReadIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
          throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 100 }],
        },
        hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
        network: { classID: 1048577, priorities: [{ name: 'eth0', priority: 5 }] },
        rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 } },
        unified: { 'memory.high': '400000000', 'io.weight': 'default 100' },
      },
      intelRdt: { closID: 'guaranteed', l3CacheSchema: 'L3:0=7f0;1=1f', memBwSchema: 'MB:0=20;1=70' },
      sysctl: { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '68719476736', 'fs.mqueue.msg_max': '20' },
      seccomp: {
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 38,
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
        flags: ['SECCOMP_FILTER_FLAG_LOG'],
        listenerPath: '/run/seccomp-agent.sock',
        listenerMetadata: 'full',
        syscalls: [
          { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
          { names: ['mount'], action: 'SCMP_ACT_NOTIFY' },
          {
            names: ['personality'],
            action: 'SCMP_ACT_ALLOW',
            args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }],
          },
          { names: ['kexec_load'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
        ],
      },
      rootfsPropagation: 'slave',
      maskedPaths: ['/proc/kcore'],
      readonlyPaths: ['/proc/sys'],
      mountLabel: 'system_u:object_r:container_file_t:s0',
      personality: { domain: 'LINUX32', flags: [] },
    },
  };
}
