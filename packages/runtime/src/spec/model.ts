// The one internal model both configuration formats compile to (docs/architecture.md, "One
// model, two front ends"): OCI-shaped, since the runtime-spec is the superset, but normalized —
// every default decided, flags as MS_* names, each entry carrying the JSON pointer of the field
// it came from so the plan compiler names the user's own field in an error.
import type { Resources } from '../cgroups/resources.js';
import type { SeccompSpec } from './seccomp.js';

/** Namespace kinds, as the runtime-spec names them (CLONE_NEW* in clone(2)). */
export type NamespaceType = 'mount' | 'uts' | 'ipc' | 'pid' | 'network' | 'cgroup' | 'user' | 'time';

export interface NamespaceEntry {
  type: NamespaceType;
  /** Join the namespace at this host path (setns(2)) instead of creating a new one. */
  path?: string;
  /** Create it with unshare(2) after GO instead of at clone: for a cgroup namespace, so its root
   *  is the container's own cgroup (the parent places the child before GO), not ours. */
  afterCgroups?: boolean;
}

/** A clock offset of a time namespace (time_namespaces(7)). */
export interface ClockOffset {
  secs: number;
  nanosecs: number;
}

/** One mount, after defaults and option parsing. `flags` are MS_* names set on the mount itself
 *  (MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, atime modes); `propagation` is applied after it
 *  (one of MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE, with MS_REC for the r* forms). */
export interface MountEntry {
  destination: string;
  /** 'bind' for bind mounts (source is a host path), 'remount' to make what is mounted at the
   *  destination read-only with `flags` (runc's "remount,ro"); otherwise the filesystem type. */
  type: string;
  source: string;
  flags: readonly string[];
  propagation: readonly string[];
  /** Filesystem options passed to the filesystem (mode=, size=, newinstance, ...). */
  data: string;
  /** rbind: submounts of the source come along. */
  recursive: boolean;
  /** Mode for creating a missing destination directory (0: must exist). */
  mkdir: number;
  /** Refuse a destination that is itself a symlink (/proc, /sys, /dev: CVE-2019-19921 class). */
  noSymlinks: boolean;
  /** JSON pointer of the entry in the source config. */
  field: string;
  /** tmpfs with "tmpcopyup": the option's JSON pointer (compile-oci checks what it would copy). */
  copyUp?: string;
  /** An idmapped bind: the parent clones the source and idmaps the clone (mount_setattr(2)
   *  MOUNT_ATTR_IDMAP), the child only attaches it (runtime/src/idmap-mounts.ts). */
  idmap?: MountIdmap;
}

export interface MountIdmap {
  /** Written verbatim as the describing user namespace's maps (runc's and crun's "direct"
   *  reading): an id containerID+k stored in the source is seen as hostID+k. */
  uidMappings: readonly IdMapping[];
  gidMappings: readonly IdMapping[];
  /** Every mount of an rbind tree is idmapped (OCI ridmap; 2014), not only its top (OCI idmap). */
  recursive: boolean;
  /** JSON pointer of the mapping, for errors (/mounts/2/uidMappings). */
  field: string;
}

export interface DeviceEntry {
  path: string;
  /** c (character), u (unbuffered character), b (block), p (FIFO). */
  type: 'c' | 'u' | 'b' | 'p';
  major: number;
  minor: number;
  /** Permission bits, applied exactly (umask 0 while creating). */
  fileMode: number;
  uid?: number;
  gid?: number;
  field: string;
}

/** One uid_map/gid_map line (user_namespaces(7)): `size` ids from `containerId` inside the
 *  namespace are `hostId`.. outside it. */
export interface IdMapping {
  containerId: number;
  hostId: number;
  size: number;
}

export interface ReadonlyPath {
  path: string;
  /** Extra MS_* names for the read-only view (MS_NOSUID, MS_NODEV, MS_NOEXEC). */
  flags: readonly string[];
  recursive: boolean;
  /** A kernel may lack it: a missing path is not an error (only on the real procfs). */
  optional: boolean;
}

export interface MaskedPath {
  path: string;
  optional: boolean;
}

export interface CapabilitySets {
  bounding: readonly string[];
  effective: readonly string[];
  permitted: readonly string[];
  inheritable: readonly string[];
  ambient: readonly string[];
}

export interface RlimitSpec {
  type: string | number;
  soft: number;
  hard: number;
}

export interface ProcessSpec {
  /** The command (OCI process.args); 2014 takes it from the command line instead. */
  args?: readonly string[];
  env: readonly string[];
  cwd: string;
  /** Numeric identity (OCI); 2014 resolves `user` against the container's /etc at launch. */
  user?: { uid: number; gid: number; additionalGids: readonly number[] };
  umask: number;
  capabilities: CapabilitySets;
  rlimits: readonly RlimitSpec[];
  noNewPrivileges: boolean;
  /** Written by the parent to /proc/<pid>/oom_score_adj before GO. */
  oomScoreAdj?: number;
  terminal: boolean;
  /** Create a missing working directory (runc does; 2014 failed instead). */
  createCwd?: boolean;
}

/** Where the front end's fields live, for error messages (JSON pointers). */
export interface FieldPointers {
  namespaces: string;
  hostname: string;
  domainname: string;
  env: string;
  cwd: string;
  rlimits: string;
  capabilities: Readonly<Record<keyof CapabilitySets, string>>;
  sysctl: string;
  personality: string;
  uidMappings: string;
  gidMappings: string;
  timeOffsets: string;
  seccomp: string;
}

export interface RuntimeSpec {
  /** Which front end produced it (for wording errors in the user's terms). */
  format: '2014' | 'oci';
  namespaces: readonly NamespaceEntry[];
  /** The maps of a new user namespace, written by the parent while the child waits for GO. */
  idMappings?: { uid: readonly IdMapping[]; gid: readonly IdMapping[] };
  root: {
    /** Host path of the rootfs when the config names it (OCI root.path, made absolute). */
    path?: string;
    readonly: boolean;
    /** Propagation of "/" set first, so nothing we mount reaches the host (MS_REC + one kind). */
    propagation: readonly string[];
    /** Propagation given to the container's "/" after the change of root (OCI
     *  rootfsPropagation), when it differs from the isolation set first. */
    finalPropagation?: readonly string[];
    /** mount --move + chroot instead of pivot_root (initramfs roots). */
    noPivot: boolean;
  };
  mounts: readonly MountEntry[];
  devices: readonly DeviceEntry[];
  /** Create the device nodes and the /dev links (false when /dev is bound from elsewhere). */
  setupDev: boolean;
  readonlyPaths: readonly ReadonlyPath[];
  maskedPaths: readonly MaskedPath[];
  hostname?: string;
  domainname?: string;
  /** Namespaced kernel parameters, written through a verified procfs after it is mounted. */
  sysctl: Readonly<Record<string, string>>;
  /** LSM exec labels for the container's program (only when the host has that LSM). */
  labels?: { apparmor?: string; selinux?: string };
  /** The syscall filter (compiled to BPF by the addon before the plan is built). */
  seccomp?: SeccompSpec;
  /** personality(2) domain: LINUX or LINUX32. */
  personality?: 'LINUX' | 'LINUX32';
  /** Offsets of a new time namespace's clocks (a 'time' namespace without a path). */
  timeOffsets?: { monotonic?: ClockOffset; boottime?: ClockOffset };
  process: ProcessSpec;
  /** cgroup placement and limits: `path` as linux.cgroupsPath, `resources` the one resources
   *  model both formats map onto (cgroups/resources.ts: resourcesFrom2014, resourcesFromOci). */
  cgroup?: { path?: string; resources?: Resources };
  /** The 2014 network strategies (net/strategies.ts). */
  networks?: readonly unknown[];
  /** OCI lifecycle hooks, run by the OCI lifecycle. */
  hooks?: unknown;
  at: FieldPointers;
}

export function hasNamespace(spec: RuntimeSpec, type: NamespaceType): boolean {
  return spec.namespaces.some((n) => n.type === type);
}
