// Capability sets (capabilities(7)): the config's names become one 64-bit mask from the kernel's
// CAP_* table. Bounding, effective and permitted are exactly the list (2014: a missing list drops
// everything); inheritable and ambient stay empty, because a non-empty inheritable set lets
// file capabilities grant more than asked (CVE-2022-29162 class).
import type { Step } from '@nsinit/native';
import { configError } from './errors.js';

export function capabilityMask(
  names: readonly string[] | null | undefined,
  table: Readonly<Record<string, number>>,
  field = '/capabilities',
): bigint {
  let mask = 0n;
  (names ?? []).forEach((raw, i) => {
    const upper = raw.toUpperCase();
    const name = upper.startsWith('CAP_') ? upper.slice(4) : upper;
    const bit = table[name];
    if (bit === undefined) throw configError(`${field}/${i}`, `unknown capability '${raw}'`);
    mask |= 1n << BigInt(bit);
  });
  return mask;
}

export function capsStep(
  names: readonly string[] | null | undefined,
  table: Readonly<Record<string, number>>,
): Extract<Step, { op: 'caps' }> {
  const mask = capabilityMask(names, table);
  return { op: 'caps', bounding: mask, effective: mask, permitted: mask, inheritable: 0n, ambient: 0n };
}

/** Names of the bits set in `mask` (for status output and tests). */
export function capabilityNames(mask: bigint, table: Readonly<Record<string, number>>): string[] {
  return Object.entries(table)
    .filter(([, bit]) => (mask >> BigInt(bit)) & 1n)
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name);
}
