// What the OCI lifecycle calls: config.json + bundle directory → the plan and the RuntimeSpec it
// came from. The impure part of the front end lives here (the rootfs must exist, namespace paths
// are opened, the host's LSMs are read, a joined namespace must not be the host's own when a
// sysctl would write into it); the rest is fromOci + compilePlan, the same compiler as 2014.
import { closeSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import type { NativeBindings, Plan, Spawned, Step } from '@nsinit/native';
import { configError } from '../errors.js';
import { type OpenIdmappedTree, openIdmapTrees } from '../idmap-mounts.js';
import { cgroupHierarchies } from '../plan/cgroup-mounts.js';
import { type CompileOptions, cloneFlag, compilePlan, type KernelTables } from '../plan/compile.js';
import { checkCopyUp } from './copy-up.js';
import { fromOci } from './from-oci.js';
import type { NamespaceType, RuntimeSpec } from './model.js';
import type { OciConfigInput } from './oci-input.js';
import type { SeccompCompiler } from './seccomp.js';
import { cachedSeccompProgram } from './seccomp-cache.js';
import { sysctlNamespace } from './sysctl.js';

export interface CompileOciOptions {
  tables: KernelTables;
  /** Parent fds that become the child's 0, 1, 2 (-1 = /dev/null). */
  stdio: [number, number, number];
  /** The pty slave when process.terminal is true. */
  consoleFd?: number;
  /** Host LSMs; default: read from /sys/kernel/security/lsm. */
  lsms?: readonly string[];
  /** Steps run last before exec: the create/start split's wait for `start` goes here. */
  beforeExec?: readonly Step[];
  /** The addon's nsOpen (required when a namespace has a `path`): opened as O_PATH, checked to be
   *  nsfs, reopened for setns, and its type read with NS_GET_NSTYPE. */
  nsOpen?: (path: string) => { fd: number; nstype: number };
  /** The addon's compileSeccomp (required when the config has linux.seccomp). */
  compileSeccomp?: SeccompCompiler;
  /** Where the container's cgroup will be (ociCgroupDirs), for a `cgroup` mount without a
   *  cgroup namespace. */
  cgroupDirs?: Readonly<Record<string, string>>;
  /** Bind device nodes from the host instead of mknod: the runtime itself runs in a user
   *  namespace (rootless podman), where mknod(2) of a device is refused. */
  bindDevices?: boolean;
  /** The addon's openIdmappedTree (required when a mount has uidMappings or idmap/ridmap). */
  openIdmappedTree?: OpenIdmappedTree;
}

export interface CompiledOci {
  plan: Plan;
  spec: RuntimeSpec;
  /** A user namespace joined by path: start the plan inside it (native.join(fd, CLONE_NEWUSER,
   *  plan)), never with spawn, so it owns the container's new namespaces. */
  userNamespaceFd?: number;
  /** Close the namespace fds and idmapped trees opened for the plan; call once the child is
   *  spawned (or failed). */
  release(): void;
}

/** Host namespace files, to refuse "joining" the host's own namespace where that would let a
 *  sysctl change the host, or (mount) where the rootfs set-up would pivot the host itself. */
const HOST_NS: Readonly<Partial<Record<NamespaceType, string>>> = {
  network: '/proc/self/ns/net',
  ipc: '/proc/self/ns/ipc',
  uts: '/proc/self/ns/uts',
  mount: '/proc/self/ns/mnt',
};

export function hostLsms(): string[] {
  try {
    return readFileSync('/sys/kernel/security/lsm', 'utf8').trim().split(',').filter(Boolean);
  } catch {
    return [];
  }
}

function sameInode(a: string, b: string): boolean {
  const sa = statSync(a);
  const sb = statSync(b);
  return sa.ino === sb.ino && sa.dev === sb.dev;
}

export function compileOci(
  config: OciConfigInput,
  bundleDir: string,
  options: CompileOciOptions,
): CompiledOci {
  const spec = fromOci(config, bundleDir, { lsms: options.lsms ?? hostLsms() });
  let rootfs: string;
  try {
    rootfs = realpathSync(spec.root.path!);
    if (!statSync(rootfs).isDirectory())
      throw configError('/root/path', `'${spec.root.path}' is not a directory`);
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_NSINIT_INVALID_CONFIG') throw err;
    throw configError('/root/path', `'${spec.root.path}' does not exist`);
  }
  if (!config.process?.args?.length) throw configError('/process/args', 'is required to start a container');
  checkHeldCapabilities(config, options.tables.capabilities);
  checkCopyUp(rootfs, spec.mounts);

  const opened: number[] = [];
  const release = () => {
    for (const fd of opened.splice(0)) closeSync(fd);
  };
  try {
    const namespaceFds: Partial<Record<NamespaceType, number>> = {};
    spec.namespaces.forEach((ns) => {
      if (ns.path === undefined) return;
      const field = `/linux/namespaces/${(config.linux?.namespaces ?? []).findIndex((n) => n.type === ns.type)}/path`;
      const fd = openNamespace(ns.path, ns.type, field, options);
      opened.push(fd);
      namespaceFds[ns.type] = fd;
      const host = HOST_NS[ns.type];
      const usedBySysctl = Object.keys(spec.sysctl).some((key) => sysctlNamespace(key) === ns.type);
      if (host && usedBySysctl && sameInode(`/proc/self/fd/${fd}`, host))
        throw configError(
          field,
          `is the host's own ${ns.type} namespace, so linux.sysctl would change the host`,
        );
      // pivot_root(2) moves the root of every process of the namespace whose root is the old
      // one: in the runtime's own mount namespace that is the whole host.
      if (ns.type === 'mount' && sameInode(`/proc/self/fd/${fd}`, host!))
        throw configError(
          field,
          "is the runtime's own mount namespace: setting up the rootfs there would pivot the host",
        );
    });
    // Last, after everything that can be refused without the kernel: each is a clone of a host
    // mount, held until the child has its own copy.
    let idmapTrees: ReadonlyMap<string, number> | undefined;
    if (spec.mounts.some((m) => m.idmap)) {
      if (!options.openIdmappedTree)
        throw new Error('compileOci: idmapped mounts need the openIdmappedTree binding');
      const idmap = openIdmapTrees(spec, options.openIdmappedTree, closeSync, options.tables.constants);
      for (const fd of idmap.trees.values()) opened.push(fd);
      idmapTrees = idmap.trees;
    }
    const compile: CompileOptions = {
      rootfs,
      cgroupHierarchies: cgroupHierarchies(readFileSync('/proc/self/mountinfo', 'utf8')),
      ...(options.cgroupDirs ? { cgroupDirs: options.cgroupDirs } : {}),
      ...(options.bindDevices ? { bindDevices: true } : {}),
      tables: options.tables,
      stdio: options.stdio,
      namespaceFds,
      ...(options.consoleFd === undefined ? {} : { consoleFd: options.consoleFd }),
      ...(options.beforeExec ? { beforeExec: options.beforeExec } : {}),
      ...(spec.seccomp ? { seccomp: seccompFilter(spec, options.compileSeccomp) } : {}),
      ...(idmapTrees ? { idmapTrees } : {}),
    };
    const userNamespaceFd = namespaceFds.user;
    return {
      plan: compilePlan(spec, compile),
      spec,
      release,
      ...(userNamespaceFd === undefined ? {} : { userNamespaceFd }),
    };
  } catch (err) {
    release();
    throw err;
  }
}

const NSTYPE_NAMES: Readonly<Record<string, NamespaceType>> = {
  CLONE_NEWNS: 'mount',
  CLONE_NEWUTS: 'uts',
  CLONE_NEWIPC: 'ipc',
  CLONE_NEWPID: 'pid',
  CLONE_NEWNET: 'network',
  CLONE_NEWCGROUP: 'cgroup',
  CLONE_NEWUSER: 'user',
  CLONE_NEWTIME: 'time',
};

/** A namespace file for a setns step: a real nsfs file (never a FIFO, device or regular file
 *  opened blindly) of the type the config names, or an error naming the field. */
function openNamespace(path: string, type: NamespaceType, field: string, options: CompileOciOptions): number {
  if (!options.nsOpen) throw new Error('compileOci: a namespace path needs the nsOpen binding');
  let opened: { fd: number; nstype: number };
  try {
    opened = options.nsOpen(path);
  } catch (err) {
    const e = err as { syscall?: string; code?: string; message: string };
    if (e.syscall === 'fstatfs' && e.code === 'EINVAL')
      throw configError(field, `'${path}' is not a namespace file (not on nsfs)`);
    throw configError(field, `cannot open '${path}': ${e.message}`);
  }
  const want = cloneFlag(type, options.tables.constants);
  if (opened.nstype !== want) {
    closeSync(opened.fd);
    const [, got] =
      Object.entries(NSTYPE_NAMES).find(([name]) => options.tables.constants[name] === opened.nstype) ?? [];
    throw configError(field, `'${path}' is a namespace of type '${got ?? opened.nstype}', not '${type}'`);
  }
  return opened.fd;
}

/** Our own bounding set, from /proc/self/status (null when unreadable: nothing is checked). */
function ownBounding(): bigint | null {
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : null;
  } catch {
    return null;
  }
}

/** No process we start can hold a capability outside our own bounding set (capset(2) would fail
 *  with a bare EPERM): name the set and the capability instead. */
function checkHeldCapabilities(config: OciConfigInput, table: Readonly<Record<string, number>>): void {
  const bounding = ownBounding();
  if (bounding === null) return;
  const sets = config.process?.capabilities ?? {};
  for (const [set, names] of Object.entries(sets)) {
    (names ?? []).forEach((raw, i) => {
      const name = raw.toUpperCase().replace(/^CAP_/, '');
      const bit = table[name];
      if (bit !== undefined && ((bounding >> BigInt(bit)) & 1n) === 0n)
        throw configError(
          `/process/capabilities/${set}/${i}`,
          `${raw} is outside this runtime's own bounding set, so no process it starts can have it`,
        );
    });
  }
}

/** The compiled filter for a spec with `seccomp`, in the parent (precompiled or cached when the
 *  same filter was compiled before: seccomp-cache.ts). */
export function seccompFilter(
  spec: RuntimeSpec,
  compile: SeccompCompiler | undefined,
): { program: Uint8Array; flags: number } {
  if (!spec.seccomp) throw new Error('seccompFilter: the spec has no seccomp filter');
  if (!compile) throw new Error('seccompFilter: a seccomp filter needs the compileSeccomp binding');
  return {
    program: cachedSeccompProgram(spec.seccomp, compile, spec.at.seccomp),
    flags: spec.seccomp.flags,
  };
}

/** process.oomScoreAdj: written by the parent through the host's /proc before GO (the child
 *  may lack the privilege to raise it itself once its capabilities are dropped). */
export function writeOomScoreAdj(pid: number, value: number): void {
  writeFileSync(`/proc/${pid}/oom_score_adj`, String(value));
}

/** Start a compiled plan: inside the user namespace it joins by path, or with a plain spawn. */
export function startCompiled(
  native: Pick<NativeBindings, 'spawn' | 'join' | 'constants'>,
  compiled: Pick<CompiledOci, 'plan' | 'userNamespaceFd'>,
): Promise<Spawned> {
  if (compiled.userNamespaceFd === undefined) return Promise.resolve(native.spawn(compiled.plan));
  return native.join(compiled.userNamespaceFd, native.constants.CLONE_NEWUSER!, compiled.plan);
}
