// The features document (the runtime-spec features document) printed by `nsinit-oci features`: what this
// runtime implements. buildOciFeatures fills the static part from the tables here; the CLI passes
// what depends on the host (cgroup versions, LSMs) and on what the runtime implements.
import { OCI_CAPABILITY_NAMES, type OciHookName, type OciNamespaceType } from './names.js';
import { OCI_VERSION } from './schema.js';

export interface OciFeaturesLinux {
  namespaces?: OciNamespaceType[];
  capabilities?: string[];
  cgroup?: { v1?: boolean; v2?: boolean; systemd?: boolean; systemdUser?: boolean; rdma?: boolean };
  seccomp?: {
    enabled?: boolean;
    actions?: string[];
    operators?: string[];
    archs?: string[];
    knownFlags?: string[];
    supportedFlags?: string[];
  };
  apparmor?: { enabled?: boolean };
  selinux?: { enabled?: boolean };
  intelRdt?: { enabled?: boolean };
  mountExtensions?: { idmap?: { enabled?: boolean } };
}

export interface OciFeatures {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks?: OciHookName[];
  mountOptions?: string[];
  linux?: OciFeaturesLinux;
  annotations?: Record<string, string>;
  potentiallyUnsafeConfigAnnotations?: string[];
}

/** The mount(8)-style options runtime-spec lists for Linux (the runtime-spec config document "Mounts"). */
export const OCI_MOUNT_OPTIONS = [
  'async',
  'atime',
  'bind',
  'defaults',
  'dev',
  'diratime',
  'dirsync',
  'exec',
  'iversion',
  'lazytime',
  'loud',
  'mand',
  'noatime',
  'nodev',
  'nodiratime',
  'noexec',
  'noiversion',
  'nolazytime',
  'nomand',
  'norelatime',
  'nostrictatime',
  'nosuid',
  'nosymfollow',
  'private',
  'ratime',
  'rbind',
  'rdev',
  'rdiratime',
  'relatime',
  'remount',
  'rexec',
  'rnoatime',
  'rnodev',
  'rnodiratime',
  'rnoexec',
  'rnorelatime',
  'rnostrictatime',
  'rnosuid',
  'rnosymfollow',
  'ro',
  'rprivate',
  'rrelatime',
  'rro',
  'rrw',
  'rshared',
  'rslave',
  'rstrictatime',
  'rsuid',
  'rsymfollow',
  'runbindable',
  'rw',
  'shared',
  'silent',
  'slave',
  'strictatime',
  'suid',
  'symfollow',
  'sync',
  'tmpcopyup',
  'unbindable',
  'idmap',
  'ridmap',
] as const;

export interface OciFeaturesInput {
  /** Highest runtime-spec version accepted (default "1.2.1"). */
  ociVersionMax?: string;
  hooks: OciHookName[];
  mountOptions: string[];
  linux: Omit<OciFeaturesLinux, 'capabilities'> & { capabilities?: string[] };
  annotations?: Record<string, string>;
  potentiallyUnsafeConfigAnnotations?: string[];
}

/** A features document: the accepted version range and the capability table are filled in; the
 *  rest is what the caller says it implements (never claim what create would refuse). */
export function buildOciFeatures(input: OciFeaturesInput): OciFeatures {
  const doc: OciFeatures = {
    ociVersionMin: '1.0.0',
    ociVersionMax: input.ociVersionMax ?? OCI_VERSION,
    hooks: [...input.hooks],
    mountOptions: [...input.mountOptions],
    linux: { ...input.linux, capabilities: input.linux.capabilities ?? [...OCI_CAPABILITY_NAMES] },
  };
  if (input.annotations !== undefined) doc.annotations = { ...input.annotations };
  if (input.potentiallyUnsafeConfigAnnotations !== undefined) {
    doc.potentiallyUnsafeConfigAnnotations = [...input.potentiallyUnsafeConfigAnnotations];
  }
  return doc;
}
