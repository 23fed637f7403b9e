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

export function rlimitSteps(
  entries: readonly RlimitEntry[] | null | undefined,
  table: Readonly<Record<string, number>>,
  field = '/rlimits',
): Extract<Step, { op: 'rlimit' }>[] {
  if (!entries) return [];
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
