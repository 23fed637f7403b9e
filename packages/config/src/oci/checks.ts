// Helpers shared by the config.json semantic checks: walking lists, duplicate detection, and the two
// string rules the kernel imposes everywhere (absolute paths where a MUST says so, no NUL bytes).
import { ABSOLUTE_PATH_HINT } from '../fields.js';
import { type ConfigIssue, issue, pointer } from '../issues.js';
import { type Findings, isPlainObject } from '../normalise.js';

export type Obj = Record<string, unknown>;

export function each(list: unknown, base: string, fn: (item: Obj, at: string, i: number) => void): void {
  if (!Array.isArray(list)) return;
  list.forEach((item, i) => {
    if (isPlainObject(item)) fn(item, pointer(base, i), i);
  });
}

export function duplicates(
  list: unknown,
  base: string,
  what: string,
  key: (v: unknown) => string | undefined,
): ConfigIssue[] {
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  const out: ConfigIssue[] = [];
  list.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    if (seen.has(k)) out.push(issue(pointer(base, i), `duplicate ${what} ${k}`, item));
    seen.add(k);
  });
  return out;
}

/** An error unless `value` (when a string) is an absolute path. */
export function absolute(value: unknown, at: string, found: Findings, what = ''): void {
  if (typeof value !== 'string') return;
  if (!value.startsWith('/')) {
    found.errors.push(issue(at, `${what}${ABSOLUTE_PATH_HINT}, got ${JSON.stringify(value)}`, value));
  }
}

/** Strings reach the kernel as C strings: a NUL would silently cut them short. */
export function noNul(value: unknown, at: string, found: Findings): void {
  if (typeof value === 'string' && value.includes('\0')) {
    found.errors.push(issue(at, 'must not contain a NUL character (the kernel would cut the string there)'));
  }
}

/** noNul for every string of a list. */
export function noNulIn(list: unknown, base: string, found: Findings): void {
  if (!Array.isArray(list)) return;
  for (let i = 0; i < list.length; i++) noNul(list[i], pointer(base, i), found);
}
