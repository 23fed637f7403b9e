// `nsinit-oci update` and `events`: new limits on a live container's cgroup and its statistics in
// runc's event shape, both on the directories the trusted record names (never re-derived from
// /proc of the container's init, which the container controls). See cgroups/oci.ts.

import { join } from 'node:path';
import { parseFlatKeyed } from '../cgroups/cgroupfs.js';
import type { ManagedCgroup } from '../cgroups/handle.js';
import { openCgroup, updateCgroup } from '../cgroups/oci-cgroup.js';
import type { FieldNamer, Resources } from '../cgroups/resources.js';
import { type RuncStats, readRuncStats } from '../cgroups/runc-stats.js';
import { badState, locked, type OciContext, statusOf } from './lifecycle.js';
import { type OciRecord, readRecord } from './store.js';

/** The container's cgroup from its record: a record with `version` is the cgroups layer's own
 *  (cgroupRecord); an older one lists only the leaf paths, and `unified` alone means v2. */
export function recordCgroup(record: OciRecord): ManagedCgroup | null {
  const c = record.cgroup as
    | (OciRecord['cgroup'] & { version?: 1 | 2; parents?: string[] })
    | null
    | undefined;
  if (!c || Object.keys(c.paths).length === 0) return null;
  const version = c.version ?? (Object.keys(c.paths).length === 1 && c.paths.unified ? 2 : 1);
  return openCgroup({ version, paths: c.paths, parents: c.parents ?? [] });
}

function liveCgroup(ctx: OciContext, record: OciRecord, verb: string): ManagedCgroup {
  const status = statusOf(ctx.root, record);
  if (status === 'stopped') badState(`cannot ${verb} a stopped container`, status);
  const cg = recordCgroup(record);
  if (!cg) badState(`the container has no cgroup to ${verb}`, status);
  return cg;
}

/** Apply `resources` (only the fields set) to a created, running or paused container. */
export function updateResources(
  ctx: OciContext,
  id: string,
  resources: Resources,
  name?: FieldNamer,
): Promise<void> {
  return locked(ctx, id, async (record) => {
    updateCgroup(liveCgroup(ctx, record, 'update'), resources, name);
  });
}

/** The container's statistics as runc's `events --stats` data. */
export function statsOf(ctx: OciContext, id: string): RuncStats {
  return readRuncStats(liveCgroup(ctx, readRecord(ctx.root, id), 'read the statistics of'));
}

/** OOM kills the kernel counted in the container's memory cgroup so far (v1 memory.oom_control,
 *  v2 memory.events), for `events` to report each new one. */
export function oomKillCount(ctx: OciContext, id: string): number {
  const cg = recordCgroup(readRecord(ctx.root, id));
  if (!cg) return 0;
  const [dir, file] =
    cg.version === 2 ? [cg.paths.unified, 'memory.events'] : [cg.paths.memory, 'memory.oom_control'];
  if (!dir) return 0;
  try {
    return parseFlatKeyed(cg.fs.read(join(dir, file))).oom_kill ?? 0;
  } catch {
    return 0;
  }
}
