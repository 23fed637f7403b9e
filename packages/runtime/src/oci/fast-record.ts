// What the native verbs program (native/src/oci-verbs, run by bin/nsinit-oci for start, state,
// kill, delete, pause, resume, ps and list) may do for one container, decided here at create and
// written into state.json: the cgroup files it reads and writes, what delete removes, the verbs
// it must hand to Node. The C side executes this record and never decides policy of its own.
import type { Plan } from '@nsinit/native';
import type { ManagedCgroup } from '../cgroups/index.js';
import type { OciHooks } from './spec.js';

/** state.json's format. The native program refuses any other value (and any key it does not know)
 *  by handing the command to Node; bump it when a field's meaning changes. */
export const STATE_FORMAT = 1;

/** seccomp(2): the filter hands back a user-notification listener fd. */
const SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;

export type FastVerb = 'start' | 'state' | 'kill' | 'delete' | 'pause' | 'resume' | 'ps';

export interface FastCgroup {
  version: 1 | 2;
  /** Its cgroup.procs, and those of every directory below it, list the container's processes. */
  procs: string;
  /** v1: the directory of freezer.state; v2: the directory of cgroup.freeze and cgroup.events. */
  freezer: string | null;
  /** The container's own directories: first emptied of the sub-cgroups it made (deepest first),
   *  then removed (rmdir retried while exiting tasks drain, EBUSY). */
  dirs: string[];
  /** The levels above them that create made, innermost first: removed when empty, else kept. */
  parents: string[];
}

export interface FastRecord {
  /** Verbs Node must run for this container (hooks, and starting a config without a process, are
   *  TypeScript only). */
  node: FastVerb[];
  cgroup: FastCgroup | null;
  /** Plan step index → op name for the steps after the start gate: how `start` names a failed
   *  step from the init's failure record, exactly as the addon does. */
  startSteps: Record<string, string>;
}

/** The directory whose cgroup.procs lists the container's processes (cgroup-procs.ts procsDir). */
function procsDir(cg: ManagedCgroup): string {
  return cg.version === 2 ? cg.paths.unified! : (cg.paths.freezer ?? Object.values(cg.paths)[0]!);
}

/** `noProcess`: start must refuse and stop the init; `hostMount`: delete detaches the rootfs bind
 *  a container without a mount namespace left in ours (host-mounts.ts). Both are Node's. */
export function fastRecord(
  cg: ManagedCgroup | null,
  hooks: OciHooks,
  plan: Plan,
  opts: { noProcess: boolean; hostMount: boolean },
): FastRecord {
  const node: FastVerb[] = [];
  const some = (h: readonly unknown[] | undefined) => (h?.length ?? 0) > 0;
  if (opts.noProcess || some(hooks.startContainer) || some(hooks.poststart)) node.push('start');
  if (opts.hostMount || some(hooks.poststop)) node.push('delete');
  const gate = plan.steps.findIndex((s) => s.op === 'await-start');
  // A seccomp filter with a user-notification listener loaded after the gate sends its fd to
  // `start` (awaitExec's onListener hands it to the agent): Node's.
  const listenerAfterGate = plan.steps.some(
    (s, i) =>
      i > gate && gate >= 0 && s.op === 'seccomp' && (s.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) !== 0,
  );
  if (listenerAfterGate && !node.includes('start')) node.push('start');
  const startSteps: Record<string, string> = {};
  if (gate >= 0) for (let i = gate + 1; i < plan.steps.length; i++) startSteps[String(i)] = plan.steps[i]!.op;
  const cgroup: FastCgroup | null =
    cg && Object.keys(cg.paths).length > 0
      ? {
          version: cg.version,
          procs: procsDir(cg),
          freezer: (cg.version === 2 ? cg.paths.unified : cg.paths.freezer) ?? null,
          dirs: [...new Set(Object.values(cg.paths))],
          parents: [...cg.parents].reverse(),
        }
      : null;
  return { node, cgroup, startSteps };
}
