// Helpers shared by the config.json semantic checks: walking lists, duplicate detection, and the two
// string rules the kernel imposes everywhere (absolute paths where a MUST says so, no NUL bytes).
import { ABSOLUTE_PATH_HINT } from '../fields.js';
import { issue, pointer } from '../issues.js';
import type { Findings } from '../normalise.js';

export { duplicates, each, type Obj } from '../list-checks.js';

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
