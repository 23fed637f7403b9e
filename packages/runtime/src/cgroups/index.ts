// Seam between the container lifecycle and the cgroup managers (v1 and v2, chosen by detection).
// The lifecycle calls only what is exported here.
import type { ContainerConfig } from '@nsinit/config';

export interface CgroupHandle {
  /** Absolute cgroupfs directories this container owns, per controller ('unified' on v2). */
  readonly paths: Readonly<Record<string, string>>;
  /** Write a pid into cgroup.procs of every owned directory (used for joins too). */
  add(pid: number): void;
  /** True if the kernel's OOM killer fired in this cgroup. */
  oomKilled(): boolean;
  /** Remove the directories (processes must be gone). Strict for primary resources. */
  destroy(): Promise<void>;
}

/** Create the cgroup described by `config.cgroups` and apply its limits, before the container
 *  process runs user code. Returns null when the config has no `cgroups`. Removes a stale
 *  directory of the same name whose processes are gone (crash recovery). */
export async function setupCgroups(_config: ContainerConfig, _pid: number): Promise<CgroupHandle | null> {
  throw new Error('setupCgroups: not built yet (issue 6)');
}

/** The cgroups a live container's PID 1 is in, so a joined process can be placed beside it. */
export function cgroupsOf(_config: ContainerConfig, _pid: number): CgroupHandle | null {
  throw new Error('cgroupsOf: not built yet (issue 6)');
}
