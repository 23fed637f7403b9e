// Capability sets (capabilities(7)): the config's names become 64-bit masks from the kernel's
// CAP_* table, one per set. Which names go in which set is the front end's decision (spec/): the
// 2014 format keeps inheritable and ambient empty (CVE-2022-29162 class), OCI sets all five.
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

/** Names of the bits set in `mask` (for status output and tests). */
export function capabilityNames(mask: bigint, table: Readonly<Record<string, number>>): string[] {
  return Object.entries(table)
    .filter(([, bit]) => (mask >> BigInt(bit)) & 1n)
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name);
}
