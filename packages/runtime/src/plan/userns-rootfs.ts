// What the mount namespace of a container in a user namespace needs instead (user_namespaces(7),
// "Restrictions on mounts"): mknod(2) of a device is refused there, so the host's node is bound
// instead; sysfs, procfs and mqueue may be mounted only by the user namespace owning the network,
// PID and IPC namespace they show, so when those are not new (owned by it) the host's are bound
// recursively instead, as runc does. The flags the kernel locks on those binds are never cleared:
// the mount steps only add attributes (mount_setattr's attr_set), see native/src/mount.c.
import type { Step } from '@nsinit/native';
import type { MountEntry, NamespaceType, RuntimeSpec } from '../spec/model.js';

/** Whether the spec creates or joins a user namespace: the rootfs is then set up inside it. */
export function inUserNamespace(spec: RuntimeSpec): boolean {
  return spec.namespaces.some((n) => n.type === 'user');
}

/** Whether the container's user namespace owns its namespace of `type`: a new one is created in
 *  it (also inside a user namespace joined by path); one joined by path together with a joined
 *  user namespace is taken to be that one's (a pod's); the host's or another's is not. */
function ownedNamespace(spec: RuntimeSpec, type: NamespaceType): boolean {
  const user = spec.namespaces.find((n) => n.type === 'user');
  const ns = spec.namespaces.find((n) => n.type === type);
  if (user === undefined || ns === undefined) return false;
  return ns.path === undefined || user.path !== undefined;
}

/** Filesystems whose mount the kernel ties to the owner of another namespace, and the host path
 *  bound in their place when the container's user namespace does not own that namespace. */
const TIED: Readonly<Record<string, { ns: NamespaceType; host: string }>> = {
  sysfs: { ns: 'network', host: '/sys' },
  proc: { ns: 'pid', host: '/proc' },
  mqueue: { ns: 'ipc', host: '/dev/mqueue' },
};

/** The spec's mounts as they can be made inside its user namespace. */
export function usernsMounts(spec: RuntimeSpec): readonly MountEntry[] {
  if (!inUserNamespace(spec)) return spec.mounts;
  return spec.mounts.map((m) => {
    const tied = TIED[m.type];
    if (!tied || ownedNamespace(spec, tied.ns)) return m;
    return {
      ...m,
      type: 'bind',
      source: tied.host,
      recursive: true,
      data: '',
    };
  });
}

/** Device steps inside a user namespace: each character or block node is the host's own, bound
 *  onto an empty file (a FIFO needs no privilege and is still made); no chown, which would change
 *  the host's node. Outside one the steps are returned as they are, unless `always` (the runtime
 *  itself runs in a user namespace: rootless podman's). */
export function usernsDevices(
  spec: RuntimeSpec,
  steps: readonly Step[],
  constants: Readonly<Record<string, number>>,
  always = false,
): Step[] {
  if (!always && !inUserNamespace(spec)) return [...steps];
  const out: Step[] = [];
  for (const s of steps) {
    if (s.op === 'chown') continue;
    if (s.op === 'mknod' && (s.mode & constants.S_IFMT!) !== constants.S_IFIFO) {
      out.push({
        op: 'bind',
        source: s.target,
        target: s.target,
        flags: 0,
        recursive: false,
        propagation: 0,
      });
      continue;
    }
    out.push(s);
  }
  return out;
}

/** Each bind step split in two: an `open-tree` of its source (to run before `userns-root`) and an
 *  `attach-tree` in its place. Slots are numbered in order; the decoder checks each is opened
 *  once before it is attached once. */
export function treesFirst(steps: readonly Step[]): { early: Step[]; inPlace: Step[] } {
  const early: Step[] = [];
  const inPlace: Step[] = [];
  for (const s of steps) {
    if (s.op !== 'bind') {
      inPlace.push(s);
      continue;
    }
    const slot = early.length;
    early.push({ op: 'open-tree', source: s.source, recursive: s.recursive, slot });
    inPlace.push({
      op: 'attach-tree',
      slot,
      target: s.target,
      flags: s.flags,
      recursive: s.recursive,
      propagation: s.propagation,
    });
  }
  return { early, inPlace };
}
