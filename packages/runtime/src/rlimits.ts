// Resource limits (setrlimit(2), getrlimit(2)): config entries → plan steps. Names come from the
// kernel's RLIMIT_* table the addon exports, so no number is hard-coded here.
import type { Step } from '@nsinit/native';
import { configError } from './errors.js';

export interface RlimitEntry {
  /** RLIMIT_NOFILE, NOFILE, nofile, or the resource number (the v1.4.0 format). */
  type: string | number;
  hard: number;
  soft: number;
}

/** Values at or above 2^63 (JSON cannot hold 2^64-1 exactly) and -1 mean RLIM_INFINITY. */
function limit(value: number, path: string): number {
  if (value === -1 || value >= 2 ** 63) return -1;
  if (!Number.isSafeInteger(value) || value < 0) throw configError(path, `${value} is not a resource limit`);
  return value;
}

/** The soft RLIMIT_NOFILE a fresh login gets (the kernel's INR_OPEN_CUR). Node raises its own
 *  soft limit to the hard one at start-up; a container must not inherit that: programs that
 *  select(2) on fds below FD_SETSIZE or loop to the limit closing fds expect 1024. */
export const DEFAULT_NOFILE_SOFT = 1024;

/** Plan steps for the config's limits. A container whose config says nothing about
 *  RLIMIT_NOFILE gets DEFAULT_NOFILE_SOFT with the inherited hard limit (capped by it); every
 *  other limit is inherited from the supervisor unchanged. */
export function rlimitSteps(
  entries: readonly RlimitEntry[] | null | undefined,
  table: Readonly<Record<string, number>>,
  field = '/rlimits',
): Extract<Step, { op: 'rlimit' }>[] {
  const steps = configuredSteps(entries ?? [], table, field);
  const nofile = table.RLIMIT_NOFILE;
  if (nofile !== undefined && !steps.some((s) => s.resource === nofile))
    steps.push({ op: 'rlimit', resource: nofile, soft: DEFAULT_NOFILE_SOFT, hard: -2 });
  return steps;
}

function configuredSteps(
  entries: readonly RlimitEntry[],
  table: Readonly<Record<string, number>>,
  field: string,
): Extract<Step, { op: 'rlimit' }>[] {
  const byNumber = new Set(Object.values(table));
  return entries.map((entry, i) => {
    const path = `${field}/${i}`;
    let resource: number | undefined;
    if (typeof entry.type === 'number') {
      resource = byNumber.has(entry.type) ? entry.type : undefined;
    } else {
      const upper = entry.type.toUpperCase();
      resource = table[upper.startsWith('RLIMIT_') ? upper : `RLIMIT_${upper}`];
    }
    if (resource === undefined) throw configError(`${path}/type`, `unknown resource limit '${entry.type}'`);
    const soft = limit(entry.soft, `${path}/soft`);
    const hard = limit(entry.hard, `${path}/hard`);
    if (hard !== -1 && (soft === -1 || soft > hard)) {
      throw configError(path, `soft limit ${entry.soft} is above the hard limit ${entry.hard}`);
    }
    return { op: 'rlimit' as const, resource, soft, hard };
  });
}
