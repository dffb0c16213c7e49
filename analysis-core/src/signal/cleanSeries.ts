/** A signal with its missing samples repaired, see {@link cleanSeries}. */
export interface CleanSeries {
  /** The repaired samples: finite everywhere. */
  values: Float64Array;
  /** Index in the input of `values[0]` (the number of leading missing samples trimmed). */
  offset: number;
  /** How many interior missing samples were filled by interpolation. */
  interpolated: number;
}

/**
 * Repairs a sampled signal whose missing samples are marked NaN.
 *
 * A sample is missing when it is not a finite number (NaN, and also ±Infinity,
 * which no sensor produces and which would poison every sum downstream).
 * Leading and trailing missing samples are trimmed; `offset` is the input index
 * of the first kept sample, so kept sample `i` is input sample `offset + i`.
 * Each interior run of missing samples is filled by linear interpolation
 * between its two finite neighbours.
 *
 * Edge cases: empty or all-missing input gives an empty `values` with
 * `offset` 0 and `interpolated` 0. The result is always a fresh array (never
 * the input itself), so callers may modify it in place.
 */
export function cleanSeries(x: ArrayLike<number>): CleanSeries {
  return repair(x, false);
}

/**
 * {@link cleanSeries} without the copy: fills the interior gaps of `x` itself
 * and returns a view of it (`values` shares `x`'s memory), for a caller that
 * owns `x` and no longer needs its missing samples. The values are the same
 * as `cleanSeries(x)` gives.
 */
export function cleanSeriesInPlace(x: Float64Array): CleanSeries {
  return repair(x, true);
}

function repair(x: ArrayLike<number>, inPlace: boolean): CleanSeries {
  const n = x.length;
  let first = 0;
  while (first < n && !Number.isFinite(x[first] as number)) first++;
  if (first === n) return { values: new Float64Array(0), offset: 0, interpolated: 0 };
  let last = n - 1;
  while (!Number.isFinite(x[last] as number)) last--;

  const len = last - first + 1;
  const values = inPlace ? (x as Float64Array).subarray(first, last + 1) : new Float64Array(len);
  let interpolated = 0;
  // Index (in `values`) of the latest finite sample; values[0] is finite by construction.
  let prev = 0;
  values[0] = x[first] as number;
  for (let i = 1; i < len; i++) {
    const v = x[first + i] as number;
    if (!Number.isFinite(v)) continue;
    values[i] = v;
    const gap = i - prev - 1;
    if (gap > 0) {
      const a = values[prev] as number;
      const step = (v - a) / (gap + 1);
      for (let k = 1; k <= gap; k++) values[prev + k] = a + step * k;
      interpolated += gap;
    }
    prev = i;
  }
  return { values, offset: first, interpolated };
}
