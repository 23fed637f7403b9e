// The mount namespace from a RuntimeSpec, in the 2014 order (libcontainer v1.0.1 mount/init.go),
// which is also runc's: propagation, rootfs bind, the spec's mounts in order, device nodes, /dev
// links, console, change of root, read-only root, then the read-only and masked paths.
// See mount(2), mount_namespaces(7), pivot_root(2), proc(5), devpts in pts(4).
import { posix } from 'node:path';
import type { Step } from '@nsinit/native';
import { configError, invalidArg } from '../errors.js';
import { hasNamespace, type MountEntry, type RuntimeSpec } from '../spec/model.js';
import { type CgroupHierarchy, cgroupMountSteps } from './cgroup-mounts.js';
import { deviceSteps } from './devices.js';
import { inUserNamespace, treesFirst, usernsDevices, usernsMounts } from './userns-rootfs.js';

export interface RootfsInput {
  /** Host path of the rootfs (absolute, symlinks resolved). */
  rootfs: string;
  /** A pty slave is bound on /dev/console. */
  console: boolean;
  /** Steps run right after the change of root, while /proc is fresh (sysctl). */
  afterPivot?: readonly Step[];
  /** The host's cgroup hierarchies, for `cgroup` mounts. */
  cgroupHierarchies?: readonly CgroupHierarchy[] | undefined;
  /** The container's own cgroup directories (controller → host directory, '' for v2), bound by a
   *  `cgroup` mount when there is no cgroup namespace. */
  cgroupDirs?: Readonly<Record<string, string>> | undefined;
  /** In a user namespace: whether setgroups(2) is allowed there (the userns-root step). */
  setgroups?: boolean;
  /** Bind device nodes even without a user namespace in the spec (the runtime is in one). */
  bindDevices?: boolean;
  /** The idmapped trees the runtime made for the idmapped binds (idmap-mounts.ts), by the
   *  mount's JSON pointer. */
  idmapTrees?: ReadonlyMap<string, number> | undefined;
}

export type Constants = Readonly<Record<string, number>>;

export function flag(constants: Constants, name: string): number {
  const value = constants[name];
  if (value === undefined) throw new Error(`the native constants table lacks ${name}`);
  return value;
}

export function flags(constants: Constants, names: readonly string[]): number {
  return names.reduce((acc, name) => acc | flag(constants, name), 0);
}

function mountStep(m: MountEntry, constants: Constants, trees?: ReadonlyMap<string, number>): Step {
  const field = m.field;
  if (m.type === 'remount') {
    // runc's "remount,ro": make what is mounted at the destination read-only in place; its other
    // flags are kept (mount_setattr changes only what is asked).
    const extra = m.flags.filter((name) => name !== 'MS_RDONLY');
    return {
      op: 'readonly',
      target: posix.resolve('/', m.destination),
      flags: flags(constants, extra),
      recursive: false,
      optional: false,
    };
  }
  if (m.type === 'bind') {
    if (!m.source.startsWith('/'))
      throw configError(`${field}/source`, `'${m.source}' is not an absolute host path`);
  }
  if (!m.destination) throw configError(`${field}/destination`, 'is empty');
  const target = posix.resolve('/', m.destination);
  if (target === '/') throw configError(`${field}/destination`, 'cannot be the container root');
  if (m.type === 'bind' && m.idmap) {
    // The parent cloned and idmapped the source (with the flags): the child only attaches it.
    const fd = trees?.get(m.field);
    if (fd === undefined) throw invalidArg('idmapTrees', `the idmapped tree of ${m.field}`, trees);
    return { op: 'idmap-bind', fd, target, propagation: flags(constants, m.propagation) };
  }
  if (m.type === 'bind') {
    return {
      op: 'bind',
      source: m.source,
      target,
      flags: flags(constants, m.flags),
      recursive: m.recursive,
      propagation: flags(constants, m.propagation),
    };
  }
  return {
    op: 'mount',
    source: m.source,
    target,
    fstype: m.type,
    flags: flags(constants, m.flags),
    data: m.data,
    mkdir: m.mkdir,
    noSymlinks: m.noSymlinks,
    // A fresh filesystem under our slave or private root is private; other modes are set on it.
    ...(m.propagation.length > 0 ? { propagation: flags(constants, m.propagation) } : {}),
  };
}

export function rootfsSteps(spec: RuntimeSpec, input: RootfsInput, constants: Constants): Step[] {
  const f = (name: string) => flag(constants, name);
  // OCI without a mount namespace (runc's behaviour): the rootfs is set up in the runtime's own
  // mount namespace, so "/" keeps its propagation, every mount lands under the rootfs bound onto
  // itself (one mount `delete` detaches, oci/host-mounts.ts) and the root changes with chroot.
  const hostNs = !hasNamespace(spec, 'mount');
  const steps: Step[] = [
    // Stop mount events reaching the host.
    ...(hostNs ? [] : [{ op: 'propagation', flags: flags(constants, spec.root.propagation) } as Step]),
    // pivot_root needs new_root to be a mount point: bind the rootfs onto itself.
    { op: 'rootfs', path: input.rootfs, flags: f('MS_BIND') | f('MS_REC') },
  ];
  // The rootfs was bound with our host ids (a 0700 bundle directory stays reachable); from here
  // on the child is root of its user namespace, so what it mounts and creates is owned by a
  // mapped id, as the container will see it.
  const mounts: Step[] = [];
  for (const m of usernsMounts(spec)) {
    if (m.type === 'cgroup' || m.type === 'cgroup2')
      mounts.push(...cgroupMountSteps(m, spec, input.cgroupHierarchies, constants, input.cgroupDirs));
    else mounts.push(mountStep(m, constants, input.idmapTrees));
  }
  if (inUserNamespace(spec)) {
    // Bind sources are copied first, with the host ids (runc opens them from the parent for the
    // same reason), and attached in their place in the order.
    const { early, inPlace } = treesFirst(mounts);
    steps.push(...early, { op: 'userns-root', setgroups: input.setgroups ?? true }, ...inPlace);
  } else steps.push(...mounts);

  // Nodes get exactly their configured mode: umask 0 while creating them.
  const keys = spec.format === '2014' ? { major: 'major_number', minor: 'minor_number' } : undefined;
  const devices = spec.setupDev
    ? usernsDevices(spec, deviceSteps(spec.devices, constants, keys), constants, input.bindDevices === true)
    : [];
  if (devices.length > 0) steps.push({ op: 'umask', mask: 0 });
  for (const d of devices) steps.push(d);

  if (spec.setupDev) {
    // A fresh tmpfs /dev has no ptmx: point it at the private devpts instance's multiplexer.
    steps.push({ op: 'symlink', value: 'pts/ptmx', target: '/dev/ptmx' });
  }
  if (input.console) steps.push({ op: 'console', target: '/dev/console' });
  if (spec.setupDev) {
    steps.push(
      { op: 'symlink', value: '/proc/self/fd', target: '/dev/fd' },
      { op: 'symlink', value: '/proc/self/fd/0', target: '/dev/stdin' },
      { op: 'symlink', value: '/proc/self/fd/1', target: '/dev/stdout' },
      { op: 'symlink', value: '/proc/self/fd/2', target: '/dev/stderr' },
    );
  }
  // runc creates a missing working directory (as root, before the change of root).
  if (spec.process.createCwd && posix.resolve('/', spec.process.cwd) !== '/')
    steps.push({ op: 'mkdir', target: posix.resolve('/', spec.process.cwd), mode: 0o755 });

  steps.push(hostNs ? { op: 'chroot' } : spec.root.noPivot ? { op: 'move-root' } : { op: 'pivot-root' });
  if (spec.root.finalPropagation)
    steps.push({ op: 'propagation', flags: flags(constants, spec.root.finalPropagation) });
  steps.push(...(input.afterPivot ?? []));
  // Only "/" itself, as 2014 and runc do: /proc, /dev, /dev/shm and writable binds stay as
  // they were mounted.
  if (spec.root.readonly)
    steps.push({ op: 'readonly', target: '/', flags: 0, recursive: false, optional: false });
  steps.push({ op: 'umask', mask: spec.process.umask });
  for (const p of spec.readonlyPaths)
    steps.push({
      op: 'readonly',
      target: p.path,
      flags: flags(constants, p.flags),
      recursive: p.recursive,
      optional: p.optional,
    });
  for (const p of spec.maskedPaths) steps.push({ op: 'mask', target: p.path, optional: p.optional });
  return steps;
}
