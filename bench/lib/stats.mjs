// Order statistics for benchmark samples: median and the interquartile range as the spread,
// which, unlike mean ± stddev, a single slow outlier (a page-cache miss, a kernel RCU grace
// period during namespace teardown) cannot move.

export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** { n, median, p25, p75, min, max, mean } of finite numbers. */
export function summarize(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return {
    n: v.length,
    median: quantile(v, 0.5),
    p25: quantile(v, 0.25),
    p75: quantile(v, 0.75),
    p90: quantile(v, 0.9),
    min: v[0] ?? Number.NaN,
    max: v[v.length - 1] ?? Number.NaN,
    mean: v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN,
  };
}

/** "12.3 (11.9–13.0)": median with the interquartile range. */
export function fmt(s, digits = 1) {
  if (!s || !Number.isFinite(s.median)) return 'n/a';
  if (s.n === 1) return s.median.toFixed(digits);
  return `${s.median.toFixed(digits)} (${s.p25.toFixed(digits)}–${s.p75.toFixed(digits)})`;
}

export function ratio(a, b) {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : Number.NaN;
}

export function fmtRatio(r) {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a';
}
