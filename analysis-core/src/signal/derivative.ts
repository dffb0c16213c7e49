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
