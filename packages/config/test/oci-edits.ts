// The bad-input tables for config.json: each case breaks one thing in fullOciConfig() and lists
// every error expected, exactly (or, for warnings, every warning with no error). No kernel facility.
import { expect, it } from 'vitest';
import { formatIssue, validateOciConfig } from '../src/index.js';
import type { BadCase, Doc } from './edits.js';
import { fullOciConfig } from './oci-fixtures.js';

export const ABS = 'expected an absolute path (starting with "/"), got';
export const NUL = 'must not contain a NUL character (the kernel would cut the string there)';

export function runOciCases(cases: BadCase[]): void {
  it.each(cases)('%s', (_name, edit, ...errors) => {
    const input = fullOciConfig() as Doc;
    edit(input);
    const result = validateOciConfig(input);
    expect(result.ok ? [] : result.errors.map(formatIssue)).toEqual(errors);
    for (const e of result.ok ? [] : result.errors) expect(e.message).not.toMatch(/\.$/);
  });
}

export function runOciWarningCases(cases: BadCase[]): void {
  it.each(cases)('%s', (_name, edit, ...warnings) => {
    const input = fullOciConfig() as Doc;
    edit(input);
    const result = validateOciConfig(input);
    expect(result.ok ? [] : result.errors.map(formatIssue)).toEqual([]);
    expect(result.warnings.map(formatIssue)).toEqual(warnings);
  });
}
