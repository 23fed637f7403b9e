// A container without a mount namespace (OCI allows it, runc sets such a container up in its own
// mount namespace and chroots): the init binds the rootfs onto itself in the runtime's mount
// namespace and makes every other mount below that one. create finds it in /proc/self/mountinfo
// (proc(5)) and records its mount id; delete (and a failed create) detaches it with its whole
// subtree, umount2(2) MNT_DETACH, so nothing of the container stays mounted on the host.
import { readFileSync } from 'node:fs';
import type { NativeBindings } from '@nsinit/native';

export interface HostRootfsMount {
  /** The rootfs's host path (the mount point). */
  path: string;
  /** The bind's mount id: with the path, which mount is ours. */
  mountId: number;
}

interface MountLine {
  id: number;
  parent: number;
  mountPoint: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

function mountTable(): MountLine[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const f = l.split(' ');
      return { id: Number(f[0]), parent: Number(f[1]), mountPoint: unescapeField(f[4] ?? '') };
    });
}

/** Ids of the mounts at `path` now (taken before the init runs). */
export function mountIdsAt(path: string): Set<number> {
  return new Set(
    mountTable()
      .filter((m) => m.mountPoint === path)
      .map((m) => m.id),
  );
}

/** The rootfs bind the init made at `path`: the lowest new mount there (anything the container
 *  mounts on its "/" afterwards is stacked on top of it), or null. */
export function findRootfsMount(path: string, before: ReadonlySet<number>): HostRootfsMount | null {
  const ours = mountTable().find((m) => m.mountPoint === path && !before.has(m.id));
  return ours ? { path, mountId: ours.id } : null;
}

function descends(m: MountLine, ancestor: number, byId: ReadonlyMap<number, MountLine>): boolean {
  let cur: MountLine | undefined = m;
  for (let depth = 0; cur && depth < 4096; depth++) {
    if (cur.id === ancestor) return true;
    if (cur.parent === cur.id) return false;
    cur = byId.get(cur.parent);
  }
  return false;
}

/** Detach the recorded bind and everything below it; mounts of anyone else are never touched
 *  (the topmost mount at the path must be ours or stacked on ours). */
export function detachRootfsMount(
  native: NativeBindings,
  mount: HostRootfsMount,
  onWarning: (message: string) => void,
): void {
  const detach = native.constants.MNT_DETACH ?? 2;
  for (let round = 0; round < 16; round++) {
    const table = mountTable();
    const byId = new Map(table.map((m) => [m.id, m]));
    const ours = byId.get(mount.mountId);
    if (!ours || ours.mountPoint !== mount.path) return;
    const top = table.findLast((m) => m.mountPoint === mount.path);
    if (!top || !descends(top, mount.mountId, byId)) {
      onWarning(`rootfs mount at ${mount.path} is covered by a mount that is not the container's: left`);
      return;
    }
    try {
      native.umount(mount.path, detach);
    } catch (err) {
      onWarning(`rootfs mount at ${mount.path}: ${(err as Error).message}`);
      return;
    }
  }
}
