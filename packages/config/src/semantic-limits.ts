// Size checks across lists, so that a config that validates also fits what the runtime carries:
// execve(2)'s argument space for the environment (fs/exec.c bprm_stack_limits), the directories a
// device node needs (one mkdir step each) and the plan buffer the native core decodes (8 MiB).
import { type ConfigIssue, issue } from './issues.js';
import {
  CONFIG_PLAN_BYTES,
  deviceDirectories,
  execBudget,
  execCost,
  MAX_DEVICE_DIRS,
  utf8Length,
} from './limits.js';
import { type Findings, isPlainObject } from './normalise.js';

const strings = (list: unknown): string[] =>
  Array.isArray(list) ? list.filter((v): v is string => typeof v === 'string') : [];

/** The soft RLIMIT_STACK the config sets, if any: it is in force when execve runs. */
function stackLimit(c: Record<string, unknown>): number | undefined {
  if (!Array.isArray(c.rlimits)) return undefined;
  for (const r of c.rlimits) {
    if (isPlainObject(r) && r.type === 'RLIMIT_STACK' && typeof r.soft === 'number') return r.soft;
  }
  return undefined;
}

function checkEnvironmentSize(c: Record<string, unknown>, found: Findings): number {
  const env = strings(c.environment);
  let bytes = 0;
  for (const e of env) bytes += execCost(e);
  const budget = Math.floor(execBudget(stackLimit(c)) / 2);
  if (bytes > budget) {
    found.errors.push(
      issue(
        '/environment',
        `the entries take ${bytes} bytes of execve's argument space (with their NULs and pointers); ` +
          `at most ${budget} fit, half of it, leaving the rest for the command line`,
      ),
    );
  }
  return bytes;
}

/** Plan bytes of the config's own strings (each is framed with a length and a NUL; steps add 8). */
function planBytes(
  c: Record<string, unknown>,
  dirs: readonly string[],
  envBytes: number,
): ConfigIssue | null {
  let mounts = 0;
  if (Array.isArray(c.mounts)) {
    for (const m of c.mounts) {
      if (!isPlainObject(m)) continue;
      for (const k of ['source', 'destination'] as const)
        if (typeof m[k] === 'string') mounts += utf8Length(m[k]) + 5;
      mounts += 24;
    }
  }
  let devices = 0;
  if (Array.isArray(c.device_nodes)) {
    for (const d of c.device_nodes) {
      if (isPlainObject(d) && typeof d.path === 'string') devices += utf8Length(d.path) + 5 + 20;
    }
  }
  for (const dir of dirs) devices += utf8Length(dir) + 5 + 12;
  const total = mounts + devices + envBytes;
  if (total <= CONFIG_PLAN_BYTES) return null;
  const where =
    mounts >= devices && mounts >= envBytes
      ? '/mounts'
      : devices >= envBytes
        ? '/device_nodes'
        : '/environment';
  return issue(
    where,
    `mounts, device nodes and environment take ${total} bytes of the container's plan; at most ` +
      `${CONFIG_PLAN_BYTES} fit (the rest of its 8 MiB is for the command line)`,
  );
}

export function checkLimits(c: Record<string, unknown>, found: Findings): void {
  const envBytes = checkEnvironmentSize(c, found);
  const paths: string[] = [];
  if (Array.isArray(c.device_nodes)) {
    for (const d of c.device_nodes) if (isPlainObject(d) && typeof d.path === 'string') paths.push(d.path);
  }
  const dirs = deviceDirectories(paths.filter((p) => p.startsWith('/')));
  if (dirs.length > MAX_DEVICE_DIRS) {
    found.errors.push(
      issue(
        '/device_nodes',
        `the device paths need ${dirs.length} directories below /dev; at most ${MAX_DEVICE_DIRS} ` +
          'are made (one step of the plan each)',
      ),
    );
  }
  const bytes = planBytes(c, dirs, envBytes);
  if (bytes) found.errors.push(bytes);
}
