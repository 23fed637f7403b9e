// The 2014 front end: a container.json (ContainerConfig is assignable to PlanConfig) → the
// RuntimeSpec. Everything 2014-specific is decided here — the fixed /proc, /sys and /dev mounts,
// bind-only `mounts`, the rune device types, `context.restrictions` — so the plan compiler holds
// no 2014 rule of its own.
import { configError } from '../errors.js';
import type { RlimitEntry } from '../rlimits.js';
import { DEFAULT_MASKED_PATHS } from './defaults.js';
import type {
  DeviceEntry,
  IdMapping,
  MountEntry,
  MountIdmap,
  NamespaceEntry,
  NamespaceType,
  RuntimeSpec,
} from './model.js';
import { type OciSeccompInput, seccompFromOci } from './seccomp.js';
import { type OffsetsInput, timeOffsets } from './time.js';

/** A 2014 `mounts` entry (only "bind" ones act). */
export interface BindMount {
  type?: string;
  source?: string;
  destination?: string;
  writable?: boolean;
  private?: boolean;
  /** nsinit extension: an idmapped bind (both or neither). */
  uid_mappings?: readonly IdMap2014[];
  gid_mappings?: readonly IdMap2014[];
}

/** A 2014 `device_nodes` entry; `file_mode` is the permission bits. */
export interface DeviceNode {
  type: number | string;
  path?: string;
  major_number?: number;
  minor_number?: number;
  file_mode?: number;
}

/** A 2014-style `uid_mappings`/`gid_mappings` entry (the later libcontainer's own spelling). */
export interface IdMap2014 {
  container_id: number;
  host_id: number;
  size: number;
}

/** The parts of container.json the plan depends on (ContainerConfig is assignable to it). */
export interface PlanConfig {
  hostname?: string;
  readonly_fs?: boolean;
  no_pivot_root?: boolean;
  working_dir?: string;
  environment?: readonly string[] | null;
  tty?: boolean;
  namespaces?: Readonly<Record<string, boolean | undefined>> | null;
  capabilities?: readonly string[] | null;
  context?: Readonly<Record<string, string | undefined>> | null;
  mounts?: readonly BindMount[] | null;
  device_nodes?: readonly DeviceNode[] | null;
  rlimits?: readonly RlimitEntry[] | null;
  no_new_privileges?: boolean;
  networks?: readonly unknown[] | null;
  uid_mappings?: readonly IdMap2014[] | null;
  gid_mappings?: readonly IdMap2014[] | null;
  /** nsinit extensions (schema-kernel.ts of @nsinit/config). */
  domainname?: string;
  personality?: 'LINUX' | 'LINUX32';
  sysctl?: Readonly<Record<string, string>> | null;
  seccomp?: OciSeccompInput | null;
  time_offsets?: OffsetsInput | null;
}

const NAMESPACES: Readonly<Record<string, NamespaceType>> = {
  NEWNS: 'mount',
  NEWUTS: 'uts',
  NEWIPC: 'ipc',
  NEWPID: 'pid',
  NEWNET: 'network',
  NEWCGROUP: 'cgroup',
  NEWTIME: 'time',
  // 2014 accepted NEWUSER but wrote no id maps; nsinit writes uid_mappings/gid_mappings.
  NEWUSER: 'user',
};

function namespaces(config: PlanConfig): NamespaceEntry[] {
  // Unknown keys are ignored, as in 2014.
  return (
    Object.entries(NAMESPACES)
      .filter(([key]) => config.namespaces?.[key] === true)
      // A cgroup namespace is unshared once the parent has placed the child in its cgroups, so
      // the container sees its own cgroup as "/".
      .map(([, type]) => (type === 'cgroup' ? { type, afterCgroups: true } : { type }))
  );
}

function idMap(list: readonly IdMap2014[] | null | undefined): IdMapping[] {
  return (list ?? []).map((m) => ({ containerId: m.container_id, hostId: m.host_id, size: m.size }));
}

function withLabel(data: string, label: string): string {
  return label === '' ? data : `${data},context="${label}"`;
}

const NSE = ['MS_NOEXEC', 'MS_NOSUID', 'MS_NODEV'];

/** The 2014 mount order (libcontainer v1.0.1 mount/init.go): /proc, /sys, the /dev tmpfs,
 *  /dev/shm, /dev/pts, /dev/mqueue, then the bind mounts. See proc(5), sysfs(5), pts(4). */
function mounts(config: PlanConfig, gids: readonly IdMapping[]): MountEntry[] {
  const label = config.context?.mount_label ?? '';
  // In a user namespace devpts takes gid= only for a gid it maps (else EINVAL): without the tty
  // group mapped, the ptys belong to the opener's group, as runc's rootless spec has them.
  const user = config.namespaces?.NEWUSER === true;
  const ttyGroup =
    !user || gids.some((m) => 5 >= m.containerId && 5 < m.containerId + m.size) ? ',gid=5' : '';
  const fs = (source: string, destination: string, type: string, flags: string[], data: string) => ({
    destination,
    type,
    source,
    flags,
    propagation: [],
    data,
    recursive: false,
    mkdir: 0o755,
    // Symlinked /proc, /sys or /dev would redirect these mounts (CVE-2019-19921 class).
    noSymlinks: true,
    field: '',
  });
  const out: MountEntry[] = [
    fs('proc', '/proc', 'proc', NSE, ''),
    fs('sysfs', '/sys', 'sysfs', NSE, ''),
    fs('tmpfs', '/dev', 'tmpfs', ['MS_NOSUID', 'MS_STRICTATIME'], withLabel('mode=755', label)),
    fs('shm', '/dev/shm', 'tmpfs', NSE, withLabel('mode=1777,size=65536k', label)),
    // newinstance: a private devpts, so the container never sees the host's ptys; ptmxmode=0666
    // makes pts/ptmx usable through the /dev/ptmx link; gid=5 is the conventional tty group.
    fs(
      'devpts',
      '/dev/pts',
      'devpts',
      ['MS_NOSUID', 'MS_NOEXEC'],
      withLabel(`newinstance,ptmxmode=0666,mode=620${ttyGroup}`, label),
    ),
    fs('mqueue', '/dev/mqueue', 'mqueue', NSE, ''),
  ];
  (config.mounts ?? []).forEach((m, i) => {
    // 2014 acted on "bind" entries only; other types were silently ignored.
    if (m.type !== 'bind') return;
    // The 2014 bind is recursive, and so is its mapping: every file seen through it is mapped.
    const idmap: MountIdmap | undefined =
      m.uid_mappings?.length && m.gid_mappings?.length
        ? {
            uidMappings: idMap(m.uid_mappings),
            gidMappings: idMap(m.gid_mappings),
            recursive: true,
            field: `/mounts/${i}/uid_mappings`,
          }
        : undefined;
    out.push({
      destination: m.destination ?? '',
      type: 'bind',
      source: m.source ?? '',
      flags: m.writable ? [] : ['MS_RDONLY'],
      propagation: m.private ? ['MS_PRIVATE'] : [],
      data: '',
      recursive: true,
      mkdir: 0,
      noSymlinks: false,
      field: `/mounts/${i}`,
      ...(idmap ? { idmap } : {}),
    });
  });
  return out;
}

/** The 2014 `type` is a Go rune: 99 ('c') for character and 98 ('b') for block devices. */
function devices(config: PlanConfig): DeviceEntry[] {
  return (config.device_nodes ?? []).map((node, i) => {
    const field = `/device_nodes/${i}`;
    const kind = typeof node.type === 'number' ? String.fromCharCode(node.type) : node.type;
    if (kind !== 'c' && kind !== 'u' && kind !== 'b')
      throw configError(
        `${field}/type`,
        `device type ${JSON.stringify(node.type)} is neither 99 ('c') nor 98 ('b')`,
      );
    return {
      path: node.path ?? '',
      type: kind,
      major: node.major_number ?? 0,
      minor: node.minor_number ?? 0,
      // A missing mode really creates a 0000 node, as /dev/fuse in the 2014 sample.
      fileMode: (node.file_mode ?? 0) & 0o7777,
      field,
    };
  });
}

export function from2014(config: PlanConfig): RuntimeSpec {
  const caps = config.capabilities ?? [];
  const restrictions = (config.context?.restrictions ?? '') !== '';
  const ro = (path: string, recursive: boolean) => ({ path, flags: NSE, recursive, optional: true });
  const uid = idMap(config.uid_mappings);
  const gid = idMap(config.gid_mappings);
  return {
    format: '2014',
    namespaces: namespaces(config),
    ...(uid.length > 0 || gid.length > 0 ? { idMappings: { uid, gid } } : {}),
    root: {
      readonly: config.readonly_fs === true,
      // MS_SLAVE for no_pivot_root: the rootfs is moved onto "/" there, and a private "/" would
      // pin host mounts (2014 did the same).
      propagation: ['MS_REC', config.no_pivot_root === true ? 'MS_SLAVE' : 'MS_PRIVATE'],
      noPivot: config.no_pivot_root === true,
    },
    mounts: mounts(config, gid),
    devices: devices(config),
    setupDev: true,
    // Read-only views of the kernel knobs a container could otherwise turn (2014 restrict.go);
    // paths a kernel may lack are optional.
    readonlyPaths: restrictions
      ? [
          ro('/proc/sys', true),
          ro('/proc/sysrq-trigger', false),
          ro('/proc/irq', true),
          ro('/proc/bus', true),
          ro('/sys', true),
        ]
      : [],
    // The host information runc's default config masks, always (not only with restrictions):
    // nothing in a container needs the host's keyring or timer list, and 2014 masked /proc/kcore.
    maskedPaths: DEFAULT_MASKED_PATHS.map((path) => ({ path, optional: true })),
    ...(config.hostname ? { hostname: config.hostname } : {}),
    ...(config.domainname ? { domainname: config.domainname } : {}),
    sysctl: { ...(config.sysctl ?? {}) },
    ...(config.personality ? { personality: config.personality } : {}),
    ...(config.seccomp ? { seccomp: seccompFromOci(config.seccomp, '/seccomp') } : {}),
    ...(config.time_offsets ? { timeOffsets: timeOffsets(config.time_offsets) } : {}),
    process: {
      env: [...(config.environment ?? [])],
      cwd: config.working_dir || '/',
      umask: 0o022,
      // Bounding, effective and permitted are exactly the list (a missing list drops everything);
      // inheritable and ambient stay empty (CVE-2022-29162 class).
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      rlimits: config.rlimits ?? [],
      noNewPrivileges: config.no_new_privileges === true,
      terminal: config.tty === true,
    },
    ...(config.networks ? { networks: config.networks } : {}),
    at: {
      namespaces: '/namespaces',
      hostname: '/hostname',
      domainname: '/domainname',
      env: '/environment',
      cwd: '/working_dir',
      rlimits: '/rlimits',
      capabilities: {
        bounding: '/capabilities',
        effective: '/capabilities',
        permitted: '/capabilities',
        inheritable: '/capabilities',
        ambient: '/capabilities',
      },
      sysctl: '/sysctl',
      personality: '/personality',
      uidMappings: '/uid_mappings',
      gidMappings: '/gid_mappings',
      timeOffsets: '/time_offsets',
      seccomp: '/seccomp',
    },
  };
}
