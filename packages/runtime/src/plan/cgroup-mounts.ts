// A `cgroup` mount (runc's /sys/fs/cgroup entry): the host's hierarchies mounted again inside the
// container's cgroup namespace, where each shows the container's own cgroup as its root
// (cgroup_namespaces(7)). On a v1 or hybrid host that is a tmpfs holding one cgroup mount per
// hierarchy, as the host has them; on a v2 host one cgroup2 mount. Without a cgroup namespace a
// fresh mount would show the host's whole tree, so (as runc does) the container's own cgroup
// directories are bound there instead, each at its hierarchy's name; a rootless container with no
// cgroup of its own gets an empty read-only tmpfs (runc CVE-2023-25809: a view of the host's tree
// would let it write the cgroups its user owns on the host).
import { posix } from 'node:path';
import type { Step } from '@nsinit/native';
import { configError } from '../errors.js';
import { hasNamespace, type MountEntry, type RuntimeSpec } from '../spec/model.js';
import { type Constants, flags } from './rootfs.js';

export interface CgroupHierarchy {
  fstype: 'cgroup' | 'cgroup2';
  /** Directory below the cgroup root (`cpu,cpuacct`, `unified`), '' for a v2 host's root. */
  name: string;
  /** Filesystem options that select the hierarchy (`cpu,cpuacct`, `name=systemd`, '' for v2). */
  options: string;
}

/** The host's hierarchies below /sys/fs/cgroup, from /proc/self/mountinfo text. */
export function cgroupHierarchies(mountinfo: string, root = '/sys/fs/cgroup'): CgroupHierarchy[] {
  const out: CgroupHierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const target = left.split(' ')[4] ?? '';
    const [fstype, , superOpts = ''] = right.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    if (target !== root && !target.startsWith(`${root}/`)) continue;
    const name = target === root ? '' : target.slice(root.length + 1);
    if (name.includes('/')) continue;
    const options = superOpts
      .split(',')
      .filter((o) => o !== 'rw' && o !== 'ro' && !(fstype === 'cgroup2' && o.startsWith('nsdelegate')))
      .join(',');
    out.push({ fstype, name, options: fstype === 'cgroup2' ? '' : options });
  }
  return out;
}

export function cgroupMountSteps(
  m: MountEntry,
  spec: RuntimeSpec,
  hierarchies: readonly CgroupHierarchy[] | undefined,
  constants: Constants,
  ownDirs?: Readonly<Record<string, string>>,
): Step[] {
  const unshared = !hasNamespace(spec, 'cgroup');
  if (unshared && !ownDirs)
    throw configError(
      m.field,
      "a cgroup mount needs a 'cgroup' namespace or the container's cgroup directories: a fresh one would show the host's whole cgroup tree",
    );
  const target = posix.resolve('/', m.destination);
  const bind = (source: string, t: string): Step => ({
    op: 'bind',
    source,
    target: t,
    flags: flags(constants, m.flags),
    recursive: false,
    propagation: flags(constants, m.propagation),
  });
  const mount = (t: string, fstype: string, data: string, f: readonly string[]): Step => ({
    op: 'mount',
    source: fstype,
    target: t,
    fstype,
    flags: flags(constants, f),
    data,
    mkdir: 0o755,
    noSymlinks: true,
    ...(m.propagation.length > 0 ? { propagation: flags(constants, m.propagation) } : {}),
  });
  if (unshared && ownDirs && Object.keys(ownDirs).length === 0) {
    const sealed = [...new Set([...m.flags, 'MS_RDONLY', 'MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC'])].sort();
    return [mount(target, 'tmpfs', 'mode=755', sealed)];
  }
  const hosts = hierarchies ?? [];
  const v2 = m.type === 'cgroup2' || hosts.some((h) => h.name === '');
  if (v2 && unshared) {
    if (!ownDirs?.['']) throw configError(m.field, 'the container has no cgroup2 directory to bind');
    return [bind(ownDirs[''], target)];
  }
  if (v2) return [mount(target, 'cgroup2', '', m.flags)];
  if (hosts.length === 0)
    throw configError(m.field, 'this host has no cgroup hierarchy under /sys/fs/cgroup');
  // v1 or hybrid: a tmpfs to hold the hierarchies, made read-only after them when asked.
  const steps: Step[] = [
    mount(
      target,
      'tmpfs',
      'mode=755',
      [
        ...new Set([...m.flags.filter((f) => f !== 'MS_RDONLY'), 'MS_NOSUID', 'MS_NODEV', 'MS_NOEXEC']),
      ].sort(),
    ),
  ];
  for (const h of hosts) {
    const at = posix.join(target, h.name);
    if (unshared) {
      // A hierarchy the container is not placed in (name=systemd, a hybrid's unified) would show
      // the engine's own cgroup: left out.
      // A hybrid's unified hierarchy is bound when the container has a v2 cgroup (rootless, in
      // a delegated subtree).
      const own =
        h.fstype === 'cgroup2'
          ? ownDirs?.['']
            ? ''
            : undefined
          : h.options.split(',').find((c) => ownDirs?.[c]);
      if (own === undefined) continue;
      steps.push(bind(ownDirs![own]!, at));
    } else steps.push(mount(at, h.fstype, h.options, m.flags));
    // cpu,cpuacct is also reachable as cpu and cpuacct, as on the host.
    if (h.name.includes(','))
      for (const alias of h.name.split(','))
        steps.push({ op: 'symlink', value: h.name, target: posix.join(target, alias) });
  }
  if (m.flags.includes('MS_RDONLY'))
    steps.push({ op: 'readonly', target, flags: 0, recursive: false, optional: false });
  return steps;
}
