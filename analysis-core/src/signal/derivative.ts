/**
 * First derivative of a uniformly sampled signal, in (unit of x) per second:
 * central differences (x[i+1] − x[i−1]) · fs / 2 inside, one-sided
 * differences (x[1] − x[0]) · fs and (x[n−1] − x[n−2]) · fs at the two ends.
 *
 * Returns a new Float64Array of the same length, or `out` when given (of x's
 * length, not `x`; every element overwritten). Edge cases: fewer than 2
 * samples, or a non-positive or NaN sample rate, gives all NaN (no slope can
 * be measured). NaN samples spread to their neighbours' derivatives; run
 * `cleanSeries` first.
 */
export function derivative(x: ArrayLike<number>, sampleRateHz: number, out: Float64Array = new Float64Array(x.length)): Float64Array {
  const n = x.length;
  if (n < 2 || !(sampleRateHz > 0 && sampleRateHz < Infinity)) return out.fill(NaN);
  const half = sampleRateHz / 2;
  out[0] = ((x[1] as number) - (x[0] as number)) * sampleRateHz;
  for (let i = 1; i < n - 1; i++) out[i] = ((x[i + 1] as number) - (x[i - 1] as number)) * half;
  out[n - 1] = ((x[n - 1] as number) - (x[n - 2] as number)) * sampleRateHz;
  return out;
}

/**
 * {@link derivative} into `out` (of x's length, not `x`), returning the
 * largest |value| written, as `peakSpeed` of `out` would: one pass instead
 * of two. The maximum is kept in four running maxima (it does not depend on
 * the order); NaN when any value written is NaN, 0 for no value.
 */
export function derivativeWithPeak(x: Float64Array, sampleRateHz: number, out: Float64Array): number {
  const n = x.length;
  if (n < 2 || !(sampleRateHz > 0 && sampleRateHz < Infinity)) {
    out.fill(NaN);
    return n === 0 ? 0 : NaN;
  }
  const half = sampleRateHz / 2;
  const first = ((x[1] as number) - (x[0] as number)) * sampleRateHz;
  const last = ((x[n - 1] as number) - (x[n - 2] as number)) * sampleRateHz;
  out[0] = first;
  let p0 = Math.abs(first);
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  let i = 1;
  for (; i + 4 < n; i += 4) {
    const a = ((x[i + 1] as number) - (x[i - 1] as number)) * half;
    const b = ((x[i + 2] as number) - (x[i] as number)) * half;
    const c = ((x[i + 3] as number) - (x[i + 1] as number)) * half;
    const d = ((x[i + 4] as number) - (x[i + 2] as number)) * half;
    out[i] = a;
    out[i + 1] = b;
    out[i + 2] = c;
    out[i + 3] = d;
    p0 = Math.max(p0, Math.abs(a));
    p1 = Math.max(p1, Math.abs(b));
    p2 = Math.max(p2, Math.abs(c));
    p3 = Math.max(p3, Math.abs(d));
  }
  for (; i < n - 1; i++) {
    const a = ((x[i + 1] as number) - (x[i - 1] as number)) * half;
    out[i] = a;
    p0 = Math.max(p0, Math.abs(a));
  }
  out[n - 1] = last;
  return Math.max(p0, p1, p2, p3, Math.abs(last));
}
