// Which instance a data directory holds and whether it is live, from the trusted state only. An
// instance is stale when its supervisor is gone (its lifetime lock is free), not merely when PID
// 1 is: between PID 1's exit and the supervisor's teardown the instance is "ending" and a start
// waits for that teardown. A stale instance's cleanup kills what is left in its recorded cgroup.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeBindings } from '@nsinit/native';
import { type CgroupHandle, cgroupFromRecord } from './cgroups/index.js';
import type { NsinitError } from './errors.js';
import { lockFile, tryLockFile } from './lock.js';
import { deleteHostLinks } from './net/index.js';
import { removeDataFiles } from './state/data-files.js';
import { type InstanceRecord, supervisedHere, TrustedState } from './state/trusted.js';

export type Liveness =
  | { kind: 'none' }
  /** PID 1 verified (start time checked after opening `pidfd`, so pid reuse cannot fool it). */
  | { kind: 'live'; record: InstanceRecord; pidfd: number }
  | { kind: 'ending'; record: InstanceRecord }
  | { kind: 'stale'; record: InstanceRecord; reason: string };

/** A zombie keeps its /proc entry and start time until reaped, but its namespaces are gone. */
export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

/** Whether `pid` is still the process that started at `start` and not a zombie. */
export function sameProcess(native: Pick<NativeBindings, 'startTime'>, pid: number, start: string): boolean {
  return native.startTime(pid) === start && !isZombie(pid);
}

/** Open a pidfd on the recorded PID 1 and verify it, or -1. */
function verifiedPidfd(native: NativeBindings, record: InstanceRecord): number {
  let pidfd = -1;
  try {
    pidfd = native.pidfdOpen(record.pid);
  } catch (err) {
    if ((err as NsinitError).code !== 'ESRCH') throw err;
    return -1;
  }
  // Checked AFTER opening: if the start time still matches, the pidfd names that process.
  if (sameProcess(native, record.pid, record.start)) return pidfd;
  native.close(pidfd);
  return -1;
}

/** The instance of `state` and its liveness. With `pidfd`, a live one comes with an open pidfd
 *  the caller must close. */
export function inspect(
  native: NativeBindings,
  state: TrustedState,
  opts: { pidfd?: boolean } = {},
): Liveness {
  const record = state.readInstance();
  if (record === null) return { kind: 'none' };
  if (!state.supervisorAlive(native, record.id)) {
    const reason = sameProcess(native, record.pid, record.start)
      ? `the supervisor (pid ${record.supervisor.pid}) of process ${record.pid} is gone`
      : `process ${record.pid} is gone`;
    return { kind: 'stale', record, reason };
  }
  if (opts.pidfd) {
    const pidfd = verifiedPidfd(native, record);
    return pidfd >= 0 ? { kind: 'live', record, pidfd } : { kind: 'ending', record };
  }
  return sameProcess(native, record.pid, record.start)
    ? { kind: 'live', record, pidfd: -1 }
    : { kind: 'ending', record };
}

/** SIGKILL every process in the cgroup's directories through pidfds (never a recycled pid). */
export function killCgroup(native: NativeBindings, cgroup: CgroupHandle): void {
  for (let round = 0; round < 10; round++) {
    const pids = new Set<number>();
    for (const dir of Object.values(cgroup.paths)) {
      try {
        for (const line of readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n'))
          if (line) pids.add(Number(line));
      } catch {
        // controller already gone
      }
    }
    if (pids.size === 0) return;
    for (const pid of pids) {
      try {
        const fd = native.pidfdOpen(pid);
        native.pidfdSignal(fd, native.constants.SIGKILL ?? 9);
        native.close(fd);
      } catch {
        // exited meanwhile
      }
    }
  }
}

/** Remove everything a stale instance owned (caller holds the data-directory lock). */
export async function cleanupStale(
  native: NativeBindings,
  state: TrustedState,
  record: InstanceRecord,
  onWarning: (message: string) => void,
  opts: { dataFiles?: boolean } = {},
): Promise<void> {
  // PID 1 itself if it outlived its supervisor (no cgroup to find it by).
  const pidfd = verifiedPidfd(native, record);
  if (pidfd >= 0) {
    try {
      native.pidfdSignal(pidfd, native.constants.SIGKILL ?? 9);
    } finally {
      native.close(pidfd);
    }
  }
  if (record.cgroup) {
    const cgroup = cgroupFromRecord(record.cgroup);
    // Without NEWPID, PID 1's children outlive it: the recorded cgroup still holds them.
    killCgroup(native, cgroup);
    try {
      await cgroup.destroy();
    } catch (err) {
      onWarning(`cgroup teardown of stale instance ${record.id}: ${(err as Error).message}`);
    }
  }
  try {
    deleteHostLinks(native, record.hostInterfaces ?? []);
  } catch (err) {
    onWarning(`network teardown of stale instance ${record.id}: ${(err as Error).message}`);
  }
  // Not when sweeping a deleted data directory: its path may now name another one.
  if (opts.dataFiles !== false) await state.inDataDir(removeDataFiles);
  await state.removeInstance(record.id);
  await state.removeSupervisor(record.id);
}

/**
 * Clean up after instances whose data directory is gone (deleted after a crash, so no start there
 * will ever find them): each trusted directory whose lock is free, whose supervisor is dead and
 * whose data directory no longer has the device and inode it is keyed by. Idle directories (a lock
 * file only) and lifetime-lock files nobody holds go too. Best effort; called before a start.
 */
export async function sweepOrphans(
  native: NativeBindings,
  root: string,
  onWarning: (message: string) => void,
  own: string,
): Promise<void> {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return;
  }
  for (const key of entries) {
    // Ours or supervised by this process (alive by definition): nothing to look at.
    if (!/^\d+-\d+$/.test(key) || join(root, key) === own || supervisedHere.has(join(root, key))) continue;
    const state = TrustedState.at(join(root, key));
    let lock = tryLockFile(native, join(state.dir, 'lock'));
    // No lock file (a crash before the first lock was made): make one, without waiting.
    if (lock?.fd === -1) lock = await lockFile(native, join(state.dir, 'lock'), 0).catch(() => null);
    if (lock === null) continue; // in use: a start, a teardown, or another sweep
    try {
      const record = state.readInstance();
      if (record !== null) {
        if (state.supervisorAlive(native, record.id) || state.keyOf(record.dataDir) === key) continue;
        // Quietly: nobody asked about that directory (a cleanup that fails still warns).
        await cleanupStale(native, state, record, onWarning, { dataFiles: false });
      }
      for (const f of readdirSync(state.dir)) {
        const id = /^([0-9a-f]+)\.supervisor$/.exec(f)?.[1];
        if (id !== undefined && !state.supervisorAlive(native, id)) await state.removeSupervisor(id);
      }
      await state.removeIfIdle();
    } catch {
      // another process's directory in an unexpected shape: leave it
    } finally {
      lock.release();
    }
  }
}
