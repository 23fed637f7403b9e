// Edits for the bad-input tables: each applies one change at a JSON pointer of a config, and
// runCases checks that exactly the expected errors come back. No kernel facility.
import { expect, it } from 'vitest';
import { formatIssue, validateConfig } from '../src/index.js';
import { fullConfig } from './fixtures.js';

export type Doc = Record<string, any>;
export type Edit = (c: Doc) => void;

/** The parent object of a JSON pointer's target, and the last token. */
function locate(c: Doc, pointer: string): [Doc, string] {
  const tokens = pointer.split('/').slice(1);
  let parent = c;
  for (const t of tokens.slice(0, -1)) parent = parent[t];
  return [parent, tokens.at(-1)!];
}
export const set =
  (pointer: string, value: unknown): Edit =>
  (c) => {
    const [parent, key] = locate(c, pointer);
    parent[key] = value;
  };
export const del =
  (pointer: string): Edit =>
  (c) => {
    const [parent, key] = locate(c, pointer);
    delete parent[key];
  };
export const push =
  (pointer: string, value: unknown): Edit =>
  (c) => {
    const [parent, key] = locate(c, pointer);
    parent[key].push(value);
  };
export const all =
  (...edits: Edit[]): Edit =>
  (c) => {
    for (const e of edits) e(c);
  };

/** [name, edit, every error expected, exactly]: each breaks one thing in an otherwise valid config. */
export type BadCase = [string, Edit, ...string[]];

export function runCases(cases: BadCase[]): void {
  it.each(cases)('%s', (_name, edit, ...errors) => {
    const input = fullConfig() as Doc;
    edit(input);
    const result = validateConfig(input);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map(formatIssue)).toEqual(errors);
    for (const e of result.errors) expect(e.message).not.toMatch(/\.$/);
  });
}
