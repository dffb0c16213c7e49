/**
 * Percentile of values that are already sorted ascending, by the type 7
 * definition (R's default, numpy's 'linear'): with n values and fraction p,
 * h = (n − 1)·p and the result interpolates linearly between the order
 * statistics x[floor(h)] and x[floor(h) + 1].
 *
 * `p` is a fraction in [0, 1] (0.05 is the 5th percentile). The input is not
 * checked for order and must not contain NaN. Result in the unit of the values;
 * NaN when the input is empty or p is outside [0, 1] or NaN.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0 || !(p >= 0 && p <= 1)) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  if (lo >= n - 1) return a;
  return interpolate(a, sorted[lo + 1] as number, h - lo);
}

/**
 * Type 7 percentile (as {@link percentileSorted}) computed by selection in
 * O(n) instead of sorting: it REORDERS `values` in place (the caller must own
 * the array). Calling it again on the same array for another p is fine and
 * cheaper. The values must not contain NaN. NaN when empty or p is outside
 * [0, 1].
 */
export function percentileInPlace(values: Float64Array, p: number): number {
  return percentileOfFirst(values, values.length, p);
}

/** {@link percentileInPlace} of values[0..n), reordering only those. */
function percentileOfFirst(values: Float64Array, n: number, p: number): number {
  if (n === 0 || !(p >= 0 && p <= 1)) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  selectInPlace(values, lo, 0, n - 1);
  const a = values[lo] as number;
  const frac = h - lo;
  if (lo >= n - 1 || frac === 0) return a;
  // After selection everything right of `lo` is >= a[lo]; the next order statistic is their minimum.
  let next = values[lo + 1] as number;
  for (let i = lo + 2; i < n; i++) {
    const v = values[i] as number;
    if (v < next) next = v;
  }
  return interpolate(a, next, frac);
}

/**
 * Type 7 percentile of values in any order; NaN values are ignored (a missing
 * value has no rank). `p` is a fraction in [0, 1]. NaN when no value is left
 * or p is outside [0, 1]. The input is not modified.
 */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  const n = values.length;
  const copy = copyScratch(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (v === v) copy[m++] = v;
  }
  return percentileOfFirst(copy, m, p);
}

/** Longest copy kept between calls (512 KiB); a longer input gets an array of its own. */
const MAX_KEPT_COPY = 1 << 16;
let keptCopy = new Float64Array(0);

/**
 * Scratch of at least n values for {@link percentile}'s copy. The copy never
 * leaves a call and selection calls nothing back, so one kept array serves
 * every call: an analysis takes dozens of medians, and creating a typed array
 * costs more than selecting among a few hundred values.
 */
function copyScratch(n: number): Float64Array {
  if (n > MAX_KEPT_COPY) return new Float64Array(n);
  if (keptCopy.length < n) keptCopy = new Float64Array(Math.min(MAX_KEPT_COPY, Math.max(n, 2 * keptCopy.length, 64)));
  return keptCopy;
}

/** Median (type 7 percentile at p = 0.5: the mean of the two middle values for an even count); NaN values ignored, NaN when none is left. */
export function median(values: ArrayLike<number>): number {
  return percentile(values, 0.5);
}

function interpolate(a: number, b: number, frac: number): number {
  // Skip the arithmetic at exact order statistics so that ±Infinity values do not turn into NaN (Inf·0).
  return frac === 0 ? a : a + frac * (b - a);
}

/**
 * Rearranges a[left..right] so that a[k] holds the value it would have if
 * that range were sorted, with nothing larger before it and nothing smaller
 * after it (Hoare's selection with a median-of-three pivot). Deterministic.
 * If partitioning keeps failing to shrink the range (adversarial input), the
 * rest is sorted instead, which bounds the worst case at O(n log n).
 */
function selectInPlace(a: Float64Array, k: number, left: number, right: number): void {
  let budget = 2 * (32 - Math.clz32(right - left + 1)) + 8;
  while (right > left) {
    if (budget-- === 0) {
      a.subarray(left, right + 1).sort();
      return;
    }
    if (right - left === 1) {
      // Two values: order them. (The median of three below needs three distinct slots.)
      if ((a[right] as number) < (a[left] as number)) {
        const t = a[left] as number;
        a[left] = a[right] as number;
        a[right] = t;
      }
      return;
    }
    const mid = (left + right) >>> 1;
    // Median of three as pivot: guards against sorted and reverse-sorted input.
    let x = a[left] as number;
    let y = a[mid] as number;
    let z = a[right] as number;
    if (y < x) [x, y] = [y, x];
    if (z < y) {
      [y, z] = [z, y];
      if (y < x) [x, y] = [y, x];
    }
    a[left] = x;
    a[mid] = y;
    a[right] = z;
    const pivot = y;
    let i = left;
    let j = right;
    while (i <= j) {
      while ((a[i] as number) < pivot) i++;
      while ((a[j] as number) > pivot) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    }
    // Now a[left..j] <= pivot <= a[i..right], and anything strictly between j and i equals the pivot.
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}
