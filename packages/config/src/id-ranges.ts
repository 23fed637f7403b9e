// Checks of id mapping lists that the kernel would refuse with a bare EINVAL when the map is
// written (user_namespaces(7), "Defining user and group ID mappings"): a range that runs past
// 4294967295, ranges that overlap on either side, and a map longer than the one page (less a byte)
// the kernel reads from a single write. Shared by container.json and config.json (keys differ).
import { type ConfigIssue, issue, pointer } from './issues.js';
import { isPlainObject } from './normalise.js';

/** The names of a range's fields in one format: 2014 style or OCI. */
export interface RangeKeys {
  inside: string;
  outside: string;
  size: string;
}

export const RANGE_KEYS_2014: RangeKeys = { inside: 'container_id', outside: 'host_id', size: 'size' };
export const RANGE_KEYS_OCI: RangeKeys = { inside: 'containerID', outside: 'hostID', size: 'size' };

const ID_SPACE = 2 ** 32;
/** The kernel takes a map in one write of less than a page (4096 bytes on x86_64 and arm64). */
const MAX_MAP_BYTES = 4095;

interface Range {
  i: number;
  inside: number;
  outside: number;
  size: number;
}

function ranges(list: unknown, keys: RangeKeys): Range[] {
  if (!Array.isArray(list)) return [];
  const out: Range[] = [];
  list.forEach((r, i) => {
    if (!isPlainObject(r)) return;
    const [inside, outside, size] = [r[keys.inside], r[keys.outside], r[keys.size]];
    // Wrong types are the schema's errors, reported there.
    if (![inside, outside, size].every((v) => typeof v === 'number')) return;
    out.push({ i, inside: inside as number, outside: outside as number, size: size as number });
  });
  return out;
}

function overlap(a: number, an: number, b: number, bn: number): boolean {
  return a < b + bn && b < a + an;
}

/** Issues for the id mapping list at JSON pointer `at` (nothing when it is not an array). A range
 *  past the last id is reported on its entry and not compared further; of two overlapping ranges
 *  the later one is reported, on the side (inside first) where they overlap. */
export function checkIdRanges(list: unknown, at: string, keys: RangeKeys): ConfigIssue[] {
  const found: ConfigIssue[] = [];
  const seen: Range[] = [];
  for (const r of ranges(list, keys)) {
    if (r.inside + r.size > ID_SPACE || r.outside + r.size > ID_SPACE) {
      found.push(issue(pointer(at, r.i), 'the range runs past id 4294967295'));
      continue;
    }
    for (const o of seen) {
      if (overlap(r.inside, r.size, o.inside, o.size))
        found.push(
          issue(
            pointer(pointer(at, r.i), keys.inside),
            `overlaps the container ids of mapping ${o.i}`,
            r.inside,
          ),
        );
      else if (overlap(r.outside, r.size, o.outside, o.size))
        found.push(
          issue(
            pointer(pointer(at, r.i), keys.outside),
            `overlaps the host ids of mapping ${o.i}`,
            r.outside,
          ),
        );
    }
    seen.push(r);
  }
  const bytes = seen.reduce((n, r) => n + `${r.inside} ${r.outside} ${r.size}\n`.length, 0);
  if (bytes > MAX_MAP_BYTES)
    found.push(issue(at, `is ${bytes} bytes as map lines; the kernel reads at most ${MAX_MAP_BYTES}`));
  return found;
}
