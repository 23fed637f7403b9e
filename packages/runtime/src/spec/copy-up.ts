// runc's "tmpcopyup": a tmpfs that starts with the files the image has at its destination
// (podman adds it to /tmp, /var/tmp and /run under --read-only). nsinit does not copy yet: a
// destination that is missing or empty in the image gives the same tmpfs, anything else is
// refused. Symlinks in the image are resolved inside the rootfs, never on the host (lstat(2)).
import { lstatSync, opendirSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { configError } from '../errors.js';
import type { MountEntry } from './model.js';

/** The host path of `dest` inside `rootfs`, symlinks followed as the container would see them;
 *  null when a component is missing. */
export function inRootfs(rootfs: string, dest: string): string | null {
  let parts = posix.resolve('/', dest).split('/').filter(Boolean);
  let at: string[] = [];
  for (let hops = 0; parts.length > 0; ) {
    const name = parts.shift()!;
    const next = [...at, name];
    let link: string | null = null;
    try {
      const st = lstatSync(posix.join(rootfs, ...next));
      if (st.isSymbolicLink()) link = readlinkSync(posix.join(rootfs, ...next));
    } catch {
      return null;
    }
    if (link === null) {
      at = next;
      continue;
    }
    if (++hops > 40) return null; // ELOOP
    const target = posix
      .resolve('/', ...at, link)
      .split('/')
      .filter(Boolean);
    at = [];
    parts = [...target, ...parts];
  }
  return posix.join(rootfs, ...at);
}

/** Whether the image's directory has any entry: one read, however large the directory (opendir
 *  opens with O_DIRECTORY, so a FIFO or a file planted there is refused at once, never waited on). */
function holdsAnEntry(dir: string): boolean {
  try {
    const d = opendirSync(dir);
    try {
      return d.readSync() !== null;
    } finally {
      d.closeSync();
    }
  } catch {
    return false; // not a directory: the tmpfs mount itself reports it
  }
}

/** Refuse a tmpcopyup mount whose destination holds files in the image. */
export function checkCopyUp(rootfs: string, mounts: readonly MountEntry[]): void {
  for (const m of mounts) {
    if (!m.copyUp) continue;
    const host = inRootfs(rootfs, m.destination);
    if (host !== null && holdsAnEntry(host))
      throw configError(
        m.copyUp,
        `'tmpcopyup': ${m.destination} holds files in the image and copying them into the tmpfs is not supported yet`,
      );
  }
}
