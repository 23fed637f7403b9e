// "Did you mean" hints for misspelt keys and names: the closest candidate by optimal string
// alignment distance (Damerau-Levenshtein with adjacent transpositions). No kernel facility.

/** Edit distance where swapping two adjacent characters counts as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(
        d[(i - 1) * cols + j]! + 1,
        d[i * cols + j - 1]! + 1,
        d[(i - 1) * cols + j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}

/** The candidate closest to `input` (case and a CAP_/RLIMIT_ style prefix ignored), or undefined
 *  when nothing is close enough to be a plausible typo. */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  // Names are short; a long input is no typo, and the distance is quadratic in its length.
  if (input.length > 64) return undefined;
  const norm = (s: string) => s.toLowerCase().replace(/[-\s]/g, '_');
  const wanted = norm(input);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const c = norm(candidate);
    let dist = editDistance(wanted, c);
    // "CAP_SYS_ADMIN" for "SYS_ADMIN", "NOFILE" for "RLIMIT_NOFILE", "CLONE_NEWPID" for "NEWPID".
    if (wanted.endsWith(`_${c}`) || c.endsWith(`_${wanted}`)) dist = Math.min(dist, 1);
    if (dist < bestDistance) {
      bestDistance = dist;
      best = candidate;
    }
  }
  const limit = Math.max(2, Math.floor(Math.max(wanted.length, 1) / 3));
  return bestDistance <= limit ? best : undefined;
}
