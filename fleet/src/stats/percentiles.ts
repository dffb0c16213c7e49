/** Percentiles of a set of latencies, in the unit given (ms throughout the simulator). */
export interface Distribution {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/**
 * The nearest-rank percentile (the smallest value with at least p% of the
 * values at or below it): always a value that was measured, never an
 * interpolation, so p99 of 100 samples is the 99th smallest. Null when empty.
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (values.length === 0) return null;
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`values must be finite numbers, got ${v}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(0, rank - 1)] as number;
}

/** p50, p95, p99 and the maximum of `values`, rounded to whole units. */
export function distribution(values: readonly number[]): Distribution {
  const at = (p: number): number | null => {
    const v = percentile(values, p);
    return v === null ? null : Math.round(v);
  };
  return { count: values.length, p50: at(50), p95: at(95), p99: at(99), max: at(100) };
}
