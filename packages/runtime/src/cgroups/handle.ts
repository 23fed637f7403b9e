// The handle both cgroup managers return, plus what they share: directory chains created level by
// level (so teardown removes exactly what we made) and the rollback when a setup step fails.
// See cgroups(7): a cgroup directory can only be removed once it has no processes and no children.
import { join } from 'node:path';
import { NsinitError } from '@nsinit/native';
import { type CgroupFs, rmdirRetry } from './cgroupfs.js';
import type { CgroupWrite } from './limits.js';

export interface CgroupHandle {
  /** Absolute cgroupfs directories this container owns, per controller ('unified' on v2). */
  readonly paths: Readonly<Record<string, string>>;
  /** The `cgroups.parent` levels above the leaves, outermost first: removed when empty. */
  readonly parents: readonly string[];
  /** Write a pid into cgroup.procs of every owned directory (used for joins too). */
  add(pid: number): void;
  /** True if the kernel's OOM killer fired in this cgroup. */
  oomKilled(): boolean;
  /** Remove the directories (processes must be gone). Strict for primary resources. */
  destroy(): Promise<void>;
}

/** What the CLI's stats/pause/resume need on top of the lifecycle seam. */
export interface ManagedCgroup extends CgroupHandle {
  readonly version: 1 | 2;
  readonly fs: CgroupFs;
}

/** Components of `parent/name` below the base directory, refusing anything that climbs out. */
export function relativeParts(parent: string | undefined, name: string): string[] {
  return [...(parent ?? '').split('/'), name].filter((p) => p !== '');
}

/** Whether `dir` is the leaf `suffix` names: `<parent>/<name>`, or one instance's
 *  `<parent>/<name>-<12 hex digits>` (launch.ts names a started container's leaf so). */
export function endsWithLeaf(dir: string, suffix: string): boolean {
  return dir.endsWith(suffix) || (/-[0-9a-f]{12}$/.test(dir) && dir.slice(0, -13).endsWith(suffix));
}

export interface DirChain {
  leaf: string;
  /** Every level above the leaf (base excluded), outermost first, created here or not. */
  levels: string[];
  /** Directories this call created, outermost first (the leaf last when it was created). */
  created: string[];
}

/**
 * mkdir every level of base/parts. An existing leaf is stale when its cgroup.procs is empty (a
 * crashed nsinit left it): remove and recreate it; a leaf with processes is a name clash. A shared
 * parent removed concurrently by another container's teardown (ENOENT) is recreated.
 */
export function makeChain(
  fs: CgroupFs,
  base: string,
  parts: string[],
  onCreate?: (dir: string) => void,
): DirChain {
  for (let attempt = 0; ; attempt++) {
    const created: string[] = [];
    try {
      let dir = base;
      for (const [i, part] of parts.entries()) {
        dir = join(dir, part);
        const isLeaf = i === parts.length - 1;
        if (fs.mkdir(dir)) {
          created.push(dir);
          onCreate?.(dir);
        } else if (isLeaf) {
          const procs = fs.read(join(dir, 'cgroup.procs')).trim();
          if (procs !== '') {
            throw new NsinitError(
              `cgroup ${dir} is in use by pid ${procs.split('\n')[0]}; choose another cgroups.name`,
              {
                code: 'ERR_NSINIT_CGROUP_BUSY',
                path: dir,
              },
            );
          }
          fs.rmdir(dir); // stale: left by a crashed run
          fs.mkdir(dir);
          created.push(dir);
          onCreate?.(dir);
        }
      }
      const levels: string[] = [];
      for (let i = 1; i < parts.length; i++) levels.push(join(base, ...parts.slice(0, i)));
      return { leaf: dir, levels, created };
    } catch (err) {
      removeQuietly(fs, created);
      if ((err as { code?: string }).code === 'ENOENT' && attempt < 5) continue;
      throw err;
    }
  }
}

/** Best-effort removal, innermost first; used on rollback where the first error is what matters. */
export function removeQuietly(fs: CgroupFs, created: readonly string[]): void {
  for (const dir of [...created].reverse()) {
    try {
      fs.rmdir(dir);
    } catch {
      // a parent shared with another container stays (ENOTEMPTY/EBUSY)
    }
  }
}

/** Remove leaves strictly (retrying while exiting tasks drain), then every parent level that is
 *  now empty, whoever created it: rmdir(2) refuses a cgroup with children or processes, so only
 *  the last user's teardown succeeds, and a creator racing it retries on ENOENT (makeChain). */
export async function removeChains(
  fs: CgroupFs,
  leaves: readonly string[],
  parents: readonly string[],
): Promise<void> {
  const errors: unknown[] = [];
  for (const leaf of leaves) {
    try {
      await rmdirRetry(fs, leaf);
    } catch (err) {
      errors.push(err);
    }
  }
  removeQuietly(fs, parents);
  if (errors.length > 0) {
    const first = errors[0] as Error & { code?: string; errno?: number; path?: string };
    throw new NsinitError(`cgroup teardown: ${first.message}`, {
      code: first.code ?? 'ERR_NSINIT_CGROUP',
      errno: first.errno,
      path: first.path,
      syscall: 'rmdir',
      cause: first,
    });
  }
}

/** Apply writes in order; an error names the config field, the file and the value. Every file is
 *  looked up first, so a missing controller or feature fails before anything is written. */
export function applyWrites(
  fs: CgroupFs,
  writes: readonly CgroupWrite[],
  dirOf: (w: CgroupWrite) => string,
): void {
  const resolved: { w: CgroupWrite; path: string; value: string }[] = [];
  for (const w of writes) {
    const dir = dirOf(w);
    let path = join(dir, w.file);
    let value = w.value;
    if (w.fallback && !fs.exists(path) && fs.exists(join(dir, w.fallback.file))) {
      path = join(dir, w.fallback.file);
      value = w.fallback.value;
    }
    if (!fs.exists(path)) {
      if (w.optional) continue;
      throw new NsinitError(
        `${w.field}: ${path} does not exist (the controller or feature is not available)`,
        {
          code: 'ERR_NSINIT_CGROUP_CONTROLLER',
          path,
        },
      );
    }
    resolved.push({ w, path, value });
  }
  for (const { w, path, value } of resolved) {
    try {
      fs.write(path, value);
    } catch (err) {
      const e = err as Error & { code?: string; errno?: number };
      throw new NsinitError(`${w.field}: cannot write '${value}' to ${path}: ${e.message}`, {
        code: e.code ?? 'ERR_NSINIT_CGROUP',
        errno: e.errno,
        syscall: 'write',
        path,
        cause: err,
      });
    }
  }
}

/** Write `pid` into cgroup.procs; the kernel moves the whole thread group. */
export function placePid(fs: CgroupFs, dir: string, pid: number): void {
  const path = join(dir, 'cgroup.procs');
  try {
    fs.write(path, String(pid));
  } catch (err) {
    const e = err as Error & { code?: string; errno?: number };
    throw new NsinitError(`cannot move pid ${pid} into ${dir}: ${e.message}`, {
      code: e.code ?? 'ERR_NSINIT_CGROUP',
      errno: e.errno,
      syscall: 'write',
      path,
      cause: err,
    });
  }
}

/** Poll until `check` is true: freezing completes asynchronously once every task has stopped. */
export async function pollUntil(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new NsinitError(`timed out waiting for ${what}`, { code: 'ERR_NSINIT_CGROUP_TIMEOUT' });
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}
