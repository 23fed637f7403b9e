// Pause and resume (`nsinit pause` / `nsinit resume`) with the freezer: v1 freezer.state
// (FROZEN/THAWED, passing through FREEZING while tasks stop) or the v2 core file cgroup.freeze,
// whose completion shows as "frozen 1" in cgroup.events. See cgroup-v1/freezer-subsystem.rst.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NsinitError } from '@nsinit/native';
import { parseCgroupMounts, parseFlatKeyed, parseProcCgroup, underMount } from './cgroupfs.js';
import { type ManagedCgroup, pollUntil } from './handle.js';

export type FreezerState = 'FROZEN' | 'THAWED' | 'FREEZING';

function freezerDir(cg: ManagedCgroup): string {
  const dir = cg.version === 2 ? cg.paths.unified : cg.paths.freezer;
  if (!dir) {
    throw new NsinitError('the container has no freezer cgroup (the freezer controller is not mounted)', {
      code: 'ERR_NSINIT_CGROUP_CONTROLLER',
    });
  }
  return dir;
}

export function freezerState(cg: ManagedCgroup): FreezerState {
  const dir = freezerDir(cg);
  if (cg.version === 2) {
    const want = cg.fs.read(join(dir, 'cgroup.freeze')).trim() === '1';
    const frozen = parseFlatKeyed(cg.fs.read(join(dir, 'cgroup.events'))).frozen === 1;
    return frozen ? 'FROZEN' : want ? 'FREEZING' : 'THAWED';
  }
  return cg.fs.read(join(dir, 'freezer.state')).trim() as FreezerState;
}

async function setState(cg: ManagedCgroup, target: 'FROZEN' | 'THAWED'): Promise<void> {
  const dir = freezerDir(cg);
  if (cg.version === 2) cg.fs.write(join(dir, 'cgroup.freeze'), target === 'FROZEN' ? '1' : '0');
  else cg.fs.write(join(dir, 'freezer.state'), target);
  await pollUntil(() => freezerState(cg) === target, `the freezer of ${dir} to reach ${target}`);
}

export const freeze = (cg: ManagedCgroup) => setState(cg, 'FROZEN');
export const thaw = (cg: ManagedCgroup) => setState(cg, 'THAWED');

/** Whether `pid` sits in a frozen (or freezing) cgroup: v1 freezer.state, v2 cgroup.events
 *  "frozen 1" or a requested cgroup.freeze. Read from /proc/<pid>/cgroup and the mount table, so
 *  it needs no config (`nsinit status`, and refusing joins that would freeze). False when the
 *  process is gone or no freezer is mounted. */
export function isFrozen(pid: number): boolean {
  let cgroups: ReturnType<typeof parseProcCgroup>;
  let mounts: ReturnType<typeof parseCgroupMounts>;
  try {
    cgroups = parseProcCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
    mounts = parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return false;
  }
  const read = (path: string): string | null => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  };
  for (const m of mounts) {
    if (m.fstype === 'cgroup' && m.controllers.includes('freezer')) {
      const own = cgroups.find((c) => c.controllers.includes('freezer'));
      if (!own) continue;
      const state = read(join(m.mountpoint, underMount(m.root, own.path), 'freezer.state'));
      if (state !== null) return state.trim() !== 'THAWED';
    }
  }
  const unified = cgroups.find((c) => c.id === 0);
  for (const m of mounts) {
    if (m.fstype !== 'cgroup2' || !unified) continue;
    const dir = join(m.mountpoint, underMount(m.root, unified.path));
    const events = read(join(dir, 'cgroup.events'));
    if (events === null) continue;
    if (parseFlatKeyed(events).frozen === 1) return true;
    return read(join(dir, 'cgroup.freeze'))?.trim() === '1';
  }
  return false;
}

/** Move `pid` into the freezer cgroup (v1) or unified cgroup (v2) of this process, which is not
 *  frozen: a task frozen with a container thaws when it migrates to a thawed cgroup (v1
 *  freezer_attach; v2 likewise), so it can then take a SIGKILL and be reaped. On v1 a frozen
 *  task does not act on SIGKILL until thawed. Best effort: a process already gone is fine. */
export function leaveFreezer(pid: number): void {
  let own: ReturnType<typeof parseProcCgroup>;
  let mounts: ReturnType<typeof parseCgroupMounts>;
  try {
    own = parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
    mounts = parseCgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return;
  }
  for (const m of mounts) {
    const mine =
      m.fstype === 'cgroup' && m.controllers.includes('freezer')
        ? own.find((c) => c.controllers.includes('freezer'))
        : m.fstype === 'cgroup2'
          ? own.find((c) => c.id === 0)
          : undefined;
    if (!mine) continue;
    try {
      writeFileSync(join(m.mountpoint, underMount(m.root, mine.path), 'cgroup.procs'), String(pid));
    } catch {
      // gone, or this hierarchy does not hold it
    }
  }
}
