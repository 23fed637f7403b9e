// The OCI front end: a runtime-spec config.json (Linux) → the RuntimeSpec. Defaults are runc's
// (umask 022, rslave root propagation, the six default device nodes), mount options are parsed
// as runc parses them (mount-options.ts), and every field nsinit cannot apply yet is refused
// naming its JSON pointer — never silently ignored.
import { posix } from 'node:path';
import { resourcesFromOci } from '../cgroups/resources-oci.js';
import type {
  DeviceEntry,
  IdMapping,
  MountEntry,
  MountIdmap,
  NamespaceEntry,
  NamespaceType,
  RuntimeSpec,
} from './model.js';
import { parseMountOptions } from './mount-options.js';
import type { OciConfigInput, OciIdMappingInput } from './oci-input.js';
import { ociProcess } from './oci-process.js';
import { checkLsm, refuse, refuseUnsupported } from './oci-refusals.js';
import { type OciSeccompInput, seccompFromOci } from './seccomp.js';
import { checkSysctl } from './sysctl.js';
import { type OffsetsInput, timeOffsets } from './time.js';

export interface FromOciOptions {
  /** Linux security modules the host has enabled (/sys/kernel/security/lsm), e.g. ['apparmor']. */
  lsms?: readonly string[];
}

const NAMESPACE_TYPES: Readonly<Record<string, NamespaceType>> = {
  mount: 'mount',
  uts: 'uts',
  ipc: 'ipc',
  pid: 'pid',
  network: 'network',
  cgroup: 'cgroup',
  user: 'user',
  time: 'time',
};

/** runc creates these in every container whose /dev it sets up (0666, root-owned). */
const DEFAULT_DEVICES: readonly [string, number, number][] = [
  ['/dev/null', 1, 3],
  ['/dev/zero', 1, 5],
  ['/dev/full', 1, 7],
  ['/dev/random', 1, 8],
  ['/dev/urandom', 1, 9],
  ['/dev/tty', 5, 0],
];

/** Files under /proc that may be mounted over (lxcfs and friends), as runc allows. Anything else
 *  mounted below /proc could hide the kernel's own files from the masks (CVE-2019-16884). */
const PROC_MOUNT_ALLOWED = new Set([
  '/proc/cpuinfo',
  '/proc/diskstats',
  '/proc/meminfo',
  '/proc/stat',
  '/proc/swaps',
  '/proc/uptime',
  '/proc/loadavg',
  '/proc/slabinfo',
  '/proc/net/dev',
  '/proc/sys/kernel/ns_last_pid',
]);

/** SELinux labels the filesystems we create (tmpfs, devpts, mqueue) with the mount label. */
const LABELLED_FS = new Set(['tmpfs', 'devpts', 'mqueue']);

function withMountLabel(m: MountEntry, label: string | undefined): MountEntry {
  if (!label || !LABELLED_FS.has(m.type)) return m;
  return { ...m, data: m.data === '' ? `context="${label}"` : `${m.data},context="${label}"` };
}

function namespaces(config: OciConfigInput): NamespaceEntry[] {
  const seen = new Set<string>();
  return (config.linux?.namespaces ?? []).map((ns, i) => {
    const field = `/linux/namespaces/${i}`;
    const type = NAMESPACE_TYPES[ns.type];
    if (!type) refuse(`${field}/type`, `unknown namespace type '${ns.type}'`);
    if (seen.has(type)) refuse(`${field}/type`, `the '${type}' namespace is listed twice`);
    seen.add(type);
    if (ns.path !== undefined && ns.path !== '') {
      if (!ns.path.startsWith('/')) refuse(`${field}/path`, `'${ns.path}' is not an absolute path`);
      return { type, path: ns.path };
    }
    return type === 'cgroup' ? { type, afterCgroups: true } : { type };
  });
}

function idMappings(list: readonly OciIdMappingInput[] | undefined): IdMapping[] {
  return (list ?? []).map((m) => ({ containerId: m.containerID, hostId: m.hostID, size: m.size }));
}

function underProcSysDev(dest: string): boolean {
  return ['/proc', '/sys', '/dev'].some((p) => dest === p || dest.startsWith(`${p}/`));
}

type OciMountInput = NonNullable<OciConfigInput['mounts']>[number];

/** The idmap of a bind mount (runtime-spec config "Mounts"): its own maps, or with the `idmap` or
 *  `ridmap` option alone the container's user namespace mapping (the spec's MAY). Without either,
 *  a plain bind. Refused on anything but a bind, as runc does: the map is set on a clone. */
function idmapOf(
  config: OciConfigInput,
  ns: readonly NamespaceEntry[],
  m: OciMountInput,
  opts: ReturnType<typeof parseMountOptions>,
  bind: boolean,
  field: string,
): MountIdmap | undefined {
  const uid = m.uidMappings ?? [];
  const gid = m.gidMappings ?? [];
  const mapped = uid.length > 0 || gid.length > 0;
  if (!mapped && !opts.idmap) return undefined;
  const at = mapped ? `${field}/uidMappings` : opts.idmap!.at;
  if (!bind) refuse(at, 'idmapped mounts are bind mounts only; add "bind" or "rbind" to options');
  const recursive = opts.idmap?.recursive ?? false;
  if (mapped) {
    if (uid.length === 0 || gid.length === 0)
      refuse(
        `${field}/${uid.length === 0 ? 'uid' : 'gid'}Mappings`,
        'both uidMappings and gidMappings are needed',
      );
    return { uidMappings: idMappings(uid), gidMappings: idMappings(gid), recursive, field: at };
  }
  const own = ns.some((n) => n.type === 'user' && n.path === undefined);
  const linux = config.linux ?? {};
  if (!own || !linux.uidMappings?.length || !linux.gidMappings?.length)
    refuse(
      at,
      "without uidMappings and gidMappings it takes the container's user namespace mapping, and this " +
        'container has no new user namespace',
    );
  return {
    uidMappings: idMappings(linux.uidMappings),
    gidMappings: idMappings(linux.gidMappings),
    recursive,
    field: at,
  };
}

function mounts(config: OciConfigInput, bundleDir: string, ns: readonly NamespaceEntry[]): MountEntry[] {
  return (config.mounts ?? []).map((m, i) => {
    const field = `/mounts/${i}`;
    const opts = parseMountOptions(m.options ?? [], `${field}/options`);
    const destination = posix.resolve('/', m.destination ?? '');
    const bind = opts.bind || m.type === 'bind';
    const type = bind ? 'bind' : (m.type ?? '');
    if (!bind && type === '' && !opts.remount)
      refuse(`${field}/type`, 'is required for a mount that is not a bind mount');
    if (destination.startsWith('/proc/') && !PROC_MOUNT_ALLOWED.has(destination))
      refuse(
        `${field}/destination`,
        `'${destination}' is inside /proc, where only a few files may be mounted over`,
      );
    if (type === 'proc' && destination !== '/proc' && !destination.startsWith('/proc/') && opts.remount)
      refuse(`${field}/options`, 'a proc mount cannot be remounted');
    if (opts.remount) {
      if (!opts.flags.includes('MS_RDONLY'))
        refuse(`${field}/options`, "'remount' is supported only with 'ro' (a read-only remount)");
      return entry('remount', '', destination, opts, field);
    }
    const idmap = idmapOf(config, ns, m, opts, bind, field);
    const source = bind ? posix.resolve(bundleDir, m.source ?? '') : (m.source ?? type);
    const e = entry(type, source, destination, opts, field);
    return idmap ? { ...e, idmap } : e;
  });
}

function entry(
  type: string,
  source: string,
  destination: string,
  opts: ReturnType<typeof parseMountOptions>,
  field: string,
): MountEntry {
  return {
    destination,
    type,
    source,
    flags: opts.flags,
    propagation: opts.propagation,
    data: opts.data.join(','),
    recursive: opts.recursive,
    mkdir: type === 'bind' || type === 'remount' ? 0 : 0o755,
    noSymlinks: underProcSysDev(destination),
    field,
    ...(opts.copyUp && type === 'tmpfs' ? { copyUp: opts.copyUp } : {}),
  };
}

function devices(config: OciConfigInput, setupDev: boolean): DeviceEntry[] {
  const out: DeviceEntry[] = [];
  const configured = new Set<string>();
  (config.linux?.devices ?? []).forEach((d, i) => {
    const field = `/linux/devices/${i}`;
    if (d.type !== 'c' && d.type !== 'b' && d.type !== 'u' && d.type !== 'p')
      refuse(`${field}/type`, `device type '${d.type}' is not c, b, u or p`);
    if (d.type !== 'p' && (d.major === undefined || d.minor === undefined))
      refuse(field, `a '${d.type}' device needs major and minor`);
    configured.add(posix.normalize(d.path));
    out.push({
      path: d.path,
      type: d.type,
      major: d.major ?? 0,
      minor: d.minor ?? 0,
      fileMode: d.fileMode ?? 0o666,
      ...(d.uid === undefined ? {} : { uid: d.uid }),
      ...(d.gid === undefined ? {} : { gid: d.gid }),
      field,
    });
  });
  if (!setupDev) return out;
  const defaults = DEFAULT_DEVICES.filter(([path]) => !configured.has(path)).map(
    ([path, major, minor]): DeviceEntry => ({
      path,
      type: 'c',
      major,
      minor,
      fileMode: 0o666,
      uid: 0,
      gid: 0,
      field: '/linux/devices',
    }),
  );
  return [...defaults, ...out];
}

const PROPAGATION: Readonly<Record<string, readonly string[]>> = {
  private: ['MS_PRIVATE'],
  rprivate: ['MS_REC', 'MS_PRIVATE'],
  shared: ['MS_SHARED'],
  rshared: ['MS_REC', 'MS_SHARED'],
  slave: ['MS_SLAVE'],
  rslave: ['MS_REC', 'MS_SLAVE'],
  unbindable: ['MS_UNBINDABLE'],
  runbindable: ['MS_REC', 'MS_UNBINDABLE'],
};

/** config.json → RuntimeSpec. `bundleDir` is the absolute bundle directory (root.path and bind
 *  sources are relative to it). */
export function fromOci(
  config: OciConfigInput,
  bundleDir: string,
  options: FromOciOptions = {},
): RuntimeSpec {
  refuseUnsupported(config);
  checkLsm(config, options.lsms ?? []);
  const linux = config.linux ?? {};
  const p = config.process ?? {};
  const ns = namespaces(config);
  const mountList = mounts(config, bundleDir, ns).map((m) => withMountLabel(m, linux.mountLabel));
  // A /dev bound from elsewhere is used as it is (runc sets up devices only on its own /dev).
  const setupDev = !mountList.some((m) => m.destination === '/dev' && m.type === 'bind');
  const rootProp = linux.rootfsPropagation;
  if (rootProp !== undefined && rootProp !== '' && !PROPAGATION[rootProp])
    refuse('/linux/rootfsPropagation', `'${rootProp}' is not a propagation mode`);
  if (linux.personality?.flags?.length)
    refuse('/linux/personality/flags', 'no personality flags are supported');
  const domain = linux.personality?.domain;
  if (domain !== undefined && domain !== 'LINUX' && domain !== 'LINUX32')
    refuse('/linux/personality/domain', `'${domain}' is not LINUX or LINUX32`);
  const sysctl = { ...(linux.sysctl ?? {}) };
  for (const key of Object.keys(sysctl)) checkSysctl(key, ns);
  const offsets = linux.timeOffsets as OffsetsInput | undefined;
  if (offsets !== undefined && !ns.some((n) => n.type === 'time' && n.path === undefined))
    refuse('/linux/timeOffsets', 'needs a new time namespace (a "time" entry without a path)');
  const uidMap = idMappings(linux.uidMappings);
  const gidMap = idMappings(linux.gidMappings);
  return {
    format: 'oci',
    namespaces: ns,
    ...(uidMap.length > 0 || gidMap.length > 0 ? { idMappings: { uid: uidMap, gid: gidMap } } : {}),
    root: {
      path: posix.resolve(bundleDir, config.root?.path ?? 'rootfs'),
      readonly: config.root?.readonly === true,
      // runc's default: our mounts never reach the host, the host's still reach us. A private or
      // shared root is set after the change of root (rootPropagation), so the host never shares
      // a peer group with the container.
      propagation:
        rootProp === 'private' || rootProp === 'rprivate' ? ['MS_REC', 'MS_PRIVATE'] : ['MS_REC', 'MS_SLAVE'],
      ...(rootProp ? { finalPropagation: [...PROPAGATION[rootProp]!] } : {}),
      noPivot: false,
    },
    mounts: mountList,
    devices: devices(config, setupDev),
    setupDev,
    readonlyPaths: (linux.readonlyPaths ?? []).map((path) => ({
      path,
      flags: ['MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC'],
      recursive: true,
      optional: true,
    })),
    maskedPaths: (linux.maskedPaths ?? []).map((path) => ({ path, optional: true })),
    ...(config.hostname ? { hostname: config.hostname } : {}),
    ...(config.domainname ? { domainname: config.domainname } : {}),
    sysctl,
    ...(domain ? { personality: domain } : {}),
    ...(offsets ? { timeOffsets: timeOffsets(offsets) } : {}),
    ...(linux.seccomp === undefined ? {} : { seccomp: seccompFromOci(linux.seccomp as OciSeccompInput) }),
    ...(p.apparmorProfile || p.selinuxLabel
      ? {
          labels: {
            ...(p.apparmorProfile ? { apparmor: p.apparmorProfile } : {}),
            ...(p.selinuxLabel ? { selinux: p.selinuxLabel } : {}),
          },
        }
      : {}),
    process: ociProcess(p),
    cgroup: {
      ...(linux.cgroupsPath ? { path: linux.cgroupsPath } : {}),
      // Normalized (0 unset, -1 unlimited) with runc's device policy even when no resources are
      // given: deny-all, the config's rules, runc's default devices, the linux.devices nodes.
      resources: resourcesFromOci(linux.resources, { devices: linux.devices }),
    },
    ...(config.hooks ? { hooks: config.hooks } : {}),
    at: {
      namespaces: '/linux/namespaces',
      hostname: '/hostname',
      domainname: '/domainname',
      env: '/process/env',
      cwd: '/process/cwd',
      rlimits: '/process/rlimits',
      capabilities: {
        bounding: '/process/capabilities/bounding',
        effective: '/process/capabilities/effective',
        permitted: '/process/capabilities/permitted',
        inheritable: '/process/capabilities/inheritable',
        ambient: '/process/capabilities/ambient',
      },
      sysctl: '/linux/sysctl',
      personality: '/linux/personality',
      timeOffsets: '/linux/timeOffsets',
      seccomp: '/linux/seccomp',
      uidMappings: '/linux/uidMappings',
      gidMappings: '/linux/gidMappings',
    },
  };
}
