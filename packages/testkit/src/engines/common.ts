// What the engine harnesses (podman, containerd) share: a private scratch directory, the busybox
// rootfs they import, and cleanup of what an engine leaves on the host outside that directory —
// cgroup directories it creates under every hierarchy (cgroups(7)) and mounts below the scratch
// directory (umount(2) MNT_DETACH).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unmountAllUnder } from '../bundle.js';
import { TestkitError } from '../errors.js';
import { readMounts } from '../mountinfo.js';
import { writeRootfs } from '../rootfs.js';

/** Every cgroup hierarchy root (v1 controllers and the unified one). */
export function cgroupRoots(): string[] {
  return readMounts()
    .filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2')
    .map((m) => m.mountPoint)
    .filter((p) => p.startsWith('/sys/fs/cgroup'));
}

function treeDirs(dir: string, out: Set<string>): Set<string> {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  out.add(dir);
  for (const e of entries) {
    const p = join(dir, e);
    try {
      if (statSync(p).isDirectory()) treeDirs(p, out);
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Every directory of the cgroup tree `name` (a top-level cgroup like libpod_parent) in every
 *  hierarchy, as it is now. */
export function existingCgroups(name: string): Set<string> {
  const out = new Set<string>();
  for (const root of cgroupRoots()) treeDirs(join(root, name), out);
  return out;
}

/** rmdir(2) the directories of the tree `name` that were not in `before`, deepest first (a cgroup
 *  directory is removed with rmdir, never unlinked). An engine's monitor processes (conmon, the
 *  shim) leave their cgroups a moment after the container is gone, and rmdir fails with EBUSY while
 *  a cgroup has members: retry for up to `waitMs`. */
export async function removeNewCgroups(name: string, before: Set<string>, waitMs = 5000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const fresh = [...existingCgroups(name)].filter((d) => !before.has(d));
    if (fresh.length === 0 || Date.now() > deadline) return;
    for (const dir of fresh.sort((a, b) => b.length - a.length)) {
      try {
        rmdirSync(dir);
      } catch {
        /* busy (retried) or already gone */
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Scratch {
  dir: string;
  /** A busybox rootfs (no container.json) at <dir>/rootfs. */
  rootfs: string;
  path(...parts: string[]): string;
  /** Detach mounts below the directory and remove it. */
  remove(): void;
}

export function makeScratch(prefix: string): Scratch {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const rootfs = join(dir, 'rootfs');
  mkdirSync(rootfs);
  writeRootfs(rootfs);
  return {
    dir,
    rootfs,
    path: (...parts) => join(dir, ...parts),
    remove() {
      unmountAllUnder(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function engineError(message: string): TestkitError {
  return new TestkitError(message, { code: 'ERR_NSINIT_TEST_ENGINE' });
}

/** Host directories an engine creates outside its configured roots (podman's
 *  /run/containers/networks, the containerd shim's /run/containerd/{s,fifo,runc/<ns>}): the ones
 *  that did not exist before are removed, emptiest first, when the harness ends. */
export function hostDirsGuard(paths: readonly string[]): () => void {
  const existed = new Set(paths.filter((p) => existsSync(p)));
  return () => {
    // Deepest first, so a parent created with its children goes too.
    for (const p of [...paths].sort((a, b) => b.length - a.length)) {
      if (!existed.has(p)) rmSync(p, { recursive: true, force: true });
    }
  };
}
