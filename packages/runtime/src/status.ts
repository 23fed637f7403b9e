// Whether a container is live in a data directory, from the trusted state only (state/trusted.ts):
// `nsinit status`, `stats`, `pause` and `resume` and the API's status(). A data file that disagrees
// with the record is reported (one warning naming it) and never followed.
import { readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { NativeBindings } from '@nsinit/native';
import { cgroupFromRecord, freezerState, type ManagedCgroup } from './cgroups/index.js';
import type { OpenOptions } from './container.js';
import { inspect } from './instance.js';
import { dataFileProblems } from './state/data-files.js';
import { type InstanceRecord, TrustedState } from './state/trusted.js';

export interface ContainerStatus {
  running: boolean;
  /** The container's processes are frozen (`nsinit pause`). */
  paused: boolean;
  pid: number | null;
  /** Start time of PID 1 (from its /proc start ticks and the boot time). */
  startedAt: Date | null;
  /** Why an existing pid file is not live (stale), if one is there. */
  stale: string | null;
  /** The live instance's id (it names its cgroup leaf `<cgroups.name>-<id>`). */
  instance: string | null;
  dataDir: string;
  rootfs: string;
}

/** Whether a container is live in `dir` (data directory `root`, default `dir`); needs no config. */
export async function status(
  dir: string,
  options: Pick<OpenOptions, 'root' | 'native' | 'stateRoot' | 'onWarning'> = {},
): Promise<ContainerStatus> {
  const rootfs = realpathSync.native(resolve(dir));
  const dataDir = options.root === undefined ? rootfs : resolve(options.root);
  const native = options.native ?? (await import('@nsinit/native')).native;
  return readStatus(native, rootfs, dataDir, options.stateRoot, options.onWarning ?? defaultWarning);
}

/** The cgroup of the container live in `dir` (stats, pause, resume), from the trusted state: null
 *  when none is running or it has no cgroups. Needs no config. */
export async function liveCgroup(
  dir: string,
  options: Pick<OpenOptions, 'root' | 'native' | 'stateRoot' | 'onWarning'> = {},
): Promise<ManagedCgroup | null> {
  const rootfs = realpathSync.native(resolve(dir));
  const dataDir = options.root === undefined ? rootfs : resolve(options.root);
  const native = options.native ?? (await import('@nsinit/native')).native;
  return (
    (await live(native, dataDir, options.stateRoot, options.onWarning ?? defaultWarning))?.cgroup ?? null
  );
}

export const defaultWarning = (message: string) => process.emitWarning(message, { code: 'NSINIT_WARNING' });

/** The live instance of `dataDir` from the trusted state (null when none), after warning about
 *  data files that disagree with it. */
export async function live(
  native: NativeBindings,
  dataDir: string,
  stateRoot: string | undefined,
  onWarning: (message: string) => void,
): Promise<{ record: InstanceRecord; cgroup: ManagedCgroup | null } | null> {
  const found = inspect(native, TrustedState.of(dataDir, stateRoot));
  const record = found.kind === 'live' ? found.record : null;
  for (const p of dataFileProblems(dataDir, record)) onWarning(p);
  if (record === null) return null;
  return { record, cgroup: record.cgroup ? cgroupFromRecord(record.cgroup) : null };
}

export async function readStatus(
  native: NativeBindings,
  rootfs: string,
  dataDir: string,
  stateRoot: string | undefined,
  onWarning: (message: string) => void,
): Promise<ContainerStatus> {
  const state = TrustedState.of(dataDir, stateRoot);
  const found = inspect(native, state);
  const record = found.kind === 'live' ? found.record : null;
  for (const p of dataFileProblems(dataDir, record)) onWarning(p);
  const cgroup = record?.cgroup ? cgroupFromRecord(record.cgroup) : null;
  return {
    running: record !== null,
    paused: cgroup !== null && frozen(cgroup),
    pid: record?.pid ?? null,
    startedAt: record ? await startedAt(record.start) : null,
    stale:
      found.kind === 'stale'
        ? found.reason
        : found.kind === 'ending'
          ? `process ${found.record.pid} has exited; its teardown is running`
          : null,
    instance: record?.id ?? null,
    dataDir,
    rootfs,
  };
}

function frozen(cgroup: ManagedCgroup): boolean {
  try {
    return freezerState(cgroup) !== 'THAWED';
  } catch {
    return false; // no freezer controller: it cannot be paused
  }
}

/** /proc/<pid>/stat start ticks → wall clock: boot time (btime in /proc/stat) + ticks / USER_HZ
 *  (100 on every Linux ABI Node runs on). */
export async function startedAt(startTicks: string): Promise<Date | null> {
  try {
    const stat = readFileSync('/proc/stat', 'utf8');
    const btime = /^btime (\d+)$/m.exec(stat);
    if (!btime) return null;
    return new Date((Number(btime[1]) + Number(startTicks) / 100) * 1000);
  } catch {
    return null;
  }
}
