// The processes of a container's cgroup: listing them with the sub-cgroups the container made
// (`ps`), signalling all of them (`kill --all`, `delete --force`) with the cgroup frozen so none
// forks past the list, and removing the tree. See cgroup-v2.rst (cgroup.kill, cgroup.procs) and
// cgroup-v1/freezer-subsystem.rst.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { NsinitError } from '@nsinit/native';
import { rmdirRetry } from './cgroupfs.js';
import { freeze, freezerState, thaw } from './freezer.js';
import { type ManagedCgroup, pollUntil } from './handle.js';

/** The directory whose cgroup.procs lists the container's processes (v1: the freezer's, which
 *  every OCI container joins, else any). */
function procsDir(cg: ManagedCgroup): string {
  return cg.version === 2 ? cg.paths.unified! : (cg.paths.freezer ?? Object.values(cg.paths)[0]!);
}

/** `dir` and every directory below it, deepest first. */
function subtree(dir: string): string[] {
  const out: string[] = [];
  let entries: import('node:fs').Dirent[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  for (const e of entries) if (e.isDirectory()) out.push(...subtree(join(dir, e.name)));
  out.push(dir);
  return out;
}

/** Host pids of every process in the container's cgroup and its sub-cgroups. */
export function cgroupPids(cg: ManagedCgroup): number[] {
  const pids = new Set<number>();
  for (const dir of subtree(procsDir(cg))) {
    let text = '';
    try {
      text = cg.fs.read(join(dir, 'cgroup.procs'));
    } catch {
      continue; // removed meanwhile
    }
    for (const line of text.split('\n')) if (/^\d+$/.test(line)) pids.add(Number(line));
  }
  return [...pids].sort((a, b) => a - b);
}

function hasFreezer(cg: ManagedCgroup): boolean {
  return cg.version === 2 || cg.paths.freezer !== undefined;
}

/**
 * Send `signal` to every process in the cgroup. SIGKILL on v2 uses cgroup.kill (one write, the
 * kernel walks the tree, nothing escapes). Otherwise the cgroup is frozen while the list is read
 * and signalled, so no process forks a child the list misses; a container that was already
 * paused stays paused.
 */
export async function signalAll(cg: ManagedCgroup, signal: NodeJS.Signals | number): Promise<void> {
  if (cg.version === 2 && (signal === 'SIGKILL' || signal === 9)) {
    const kill = join(cg.paths.unified!, 'cgroup.kill');
    if (cg.fs.exists(kill)) {
      cg.fs.write(kill, '1');
      return;
    }
  }
  const wasThawed = hasFreezer(cg) && freezerState(cg) === 'THAWED';
  if (wasThawed) await freeze(cg);
  try {
    for (const pid of cgroupPids(cg)) {
      try {
        process.kill(pid, signal);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
  } finally {
    if (wasThawed) await thaw(cg);
  }
}

/** Kill whatever still runs in the cgroup, wait for it to be empty, then remove the sub-cgroups
 *  the container made and its own directories (and the parents it created, when empty). */
export async function destroyCgroup(cg: ManagedCgroup, timeoutMs = 5000): Promise<void> {
  const top = procsDir(cg);
  if (cg.fs.exists(top)) {
    if (cgroupPids(cg).length > 0) {
      await signalAll(cg, 'SIGKILL');
      // A frozen cgroup's tasks die only once thawed (v1 freezer holds even SIGKILL).
      if (hasFreezer(cg) && freezerState(cg) !== 'THAWED') await thaw(cg);
      await pollUntil(() => cgroupPids(cg).length === 0, `the processes of ${top} to exit`, timeoutMs);
    }
    for (const dir of new Set(Object.values(cg.paths))) {
      for (const sub of subtree(dir)) {
        if (sub === dir) continue;
        try {
          await rmdirRetry(cg.fs, sub);
        } catch (err) {
          const e = err as Error & { code?: string };
          throw new NsinitError(`cannot remove the container's sub-cgroup ${sub}: ${e.message}`, {
            code: e.code ?? 'ERR_NSINIT_CGROUP',
            path: sub,
            cause: err,
          });
        }
      }
    }
  }
  await cg.destroy();
}
