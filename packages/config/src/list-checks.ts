// Walking a config's lists: each object entry with its JSON pointer, and duplicate detection by a
// key. Shared by the container.json and config.json semantic checks.
import { type ConfigIssue, issue, pointer } from './issues.js';
import { isPlainObject } from './normalise.js';

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
