// The parts of an OCI config.json (runtime-spec, Linux) the front end reads, as plain structural
// types: @nsinit/config's validated OciConfig is assignable to it. Fields the runtime refuses are
// typed loosely (`unknown`): only their presence matters.

/** One linux.uidMappings/gidMappings entry. */
export interface OciIdMappingInput {
  containerID: number;
  hostID: number;
  size: number;
}

export interface OciConfigInput {
  ociVersion?: string;
  root?: { path?: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts?: readonly {
    destination?: string;
    type?: string;
    source?: string;
    options?: readonly string[];
    uidMappings?: readonly OciIdMappingInput[];
    gidMappings?: readonly OciIdMappingInput[];
  }[];
  process?: {
    terminal?: boolean;
    consoleSize?: { height?: number; width?: number };
    user?: {
      uid?: number;
      gid?: number;
      umask?: number;
      additionalGids?: readonly number[];
      username?: string;
    };
    args?: readonly string[];
    env?: readonly string[];
    cwd?: string;
    capabilities?: Partial<
      Record<'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient', readonly string[]>
    >;
    rlimits?: readonly { type: string; soft: number; hard: number }[];
    noNewPrivileges?: boolean;
    apparmorProfile?: string;
    selinuxLabel?: string;
    oomScoreAdj?: number;
    scheduler?: unknown;
    ioPriority?: unknown;
    execCPUAffinity?: unknown;
  };
  hooks?: unknown;
  annotations?: Readonly<Record<string, string>>;
  linux?: {
    namespaces?: readonly { type: string; path?: string }[];
    uidMappings?: readonly OciIdMappingInput[];
    gidMappings?: readonly OciIdMappingInput[];
    timeOffsets?: unknown;
    devices?: readonly {
      type: string;
      path: string;
      major?: number;
      minor?: number;
      fileMode?: number;
      uid?: number;
      gid?: number;
    }[];
    cgroupsPath?: string;
    resources?: unknown;
    intelRdt?: unknown;
    memoryPolicy?: unknown;
    netDevices?: unknown;
    sysctl?: Readonly<Record<string, string>>;
    seccomp?: unknown;
    rootfsPropagation?: string;
    maskedPaths?: readonly string[];
    readonlyPaths?: readonly string[];
    mountLabel?: string;
    personality?: { domain?: string; flags?: readonly string[] };
  };
}
