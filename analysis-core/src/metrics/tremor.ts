import { cleanSeries, cleanSeriesInPlace, type CleanSeries } from '../signal/cleanSeries.js';
import { bitReversal, fftFromBitReversed } from '../signal/fft.js';

export interface TremorOptions {
  /** Tremor band [low, high] in Hz, both edges included (default [4, 12]). */
  bandHz?: readonly [number, number];
  /** Welch segment length in samples; rounded down to a power of two (default 256). */
  segmentLength?: number;
}

const MIN_SEGMENT = 32;

interface WelchBuffers {
  window: Float64Array;
  /** Σ w², for the power normalisation. */
  windowEnergy: number;
  re: Float64Array;
  im: Float64Array;
  /** Accumulated |X_k|² for k = 0 … L/2. */
  acc: Float64Array;
}

// Window and scratch per segment length, built once (Math.cos once per size).
const buffersCache = new Map<number, WelchBuffers>();

function buffersFor(len: number): WelchBuffers {
  let b = buffersCache.get(len);
  if (b !== undefined) return b;
  // Periodic Hann (as in Welch's method / scipy's default), whose DFT-even
  // form keeps the window's leakage to the two neighbouring bins.
  const window = new Float64Array(len);
  let windowEnergy = 0;
  for (let i = 0; i < len; i++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / len);
    window[i] = w;
    windowEnergy += w * w;
  }
  b = {
    window,
    windowEnergy,
    re: new Float64Array(len),
    im: new Float64Array(len),
    acc: new Float64Array((len >> 1) + 1),
  };
  buffersCache.set(len, b);
  return b;
}

/**
 * Tremor share: the fraction (0…1) of gyroscope power that lies in the tremor
 * band, summed over the axes given (usually x, y, z in deg/s).
 *
 * Per axis: `cleanSeries` (leading/trailing NaN trimmed, interior NaN
 * interpolated), mean removed, then Welch's method: periodic Hann window,
 * segments of L samples with 50 % overlap (trailing samples that do not fill a
 * segment are not used), L = the largest power of two ≤ min(segmentLength, N).
 * Each axis's one-sided spectrum is scaled to signal power (units²) so axes
 * of different lengths combine fairly. The share is the power in bins with
 * bandHz[0] ≤ f_k ≤ bandHz[1] (f_k = k·fs/L) divided by the power in all bins
 * with 0 < f_k ≤ fs/2, both summed over the axes.
 *
 * Edge cases (NaN): no axes; any axis with fewer than 32 samples after
 * cleaning (or segmentLength below 32); band's upper edge above the Nyquist
 * frequency fs/2 (so fs < 24 Hz for the default band); a band that is not
 * 0 ≤ low ≤ high; a sample rate that is not a positive finite number; zero
 * total power (every axis constant).
 */
export function tremorShare(
  gyroAxes: readonly ArrayLike<number>[],
  sampleRateHz: number,
  options: TremorOptions = {},
): number {
  return share(gyroAxes, sampleRateHz, options, cleanSeries);
}

/**
 * {@link tremorShare} of axes the caller owns and no longer needs: each is
 * cleaned in place (see `cleanSeriesInPlace`) instead of copied. Same result.
 */
export function tremorShareInPlace(gyroAxes: readonly Float64Array[], sampleRateHz: number, options: TremorOptions = {}): number {
  return share(gyroAxes, sampleRateHz, options, cleanSeriesInPlace);
}

/**
 * {@link tremorShare} of axes the caller has already cleaned (finite
 * everywhere, as `cleanSeries` leaves them), which cleaning would leave as
 * they are: it is skipped. Same result.
 */
export function tremorShareOfClean(gyroAxes: readonly Float64Array[], sampleRateHz: number, options: TremorOptions = {}): number {
  return share(gyroAxes, sampleRateHz, options, asClean);
}

const asClean = (values: Float64Array): CleanSeries => ({ values, offset: 0, interpolated: 0 });

function share<T extends ArrayLike<number>>(
  gyroAxes: readonly T[],
  sampleRateHz: number,
  options: TremorOptions,
  clean: (axis: T) => CleanSeries,
): number {
  const { bandHz = [4, 12], segmentLength = 256 } = options;
  const [low, high] = bandHz;
  if (!(sampleRateHz > 0 && sampleRateHz < Infinity)) return NaN;
  if (!(low >= 0 && high >= low && high <= sampleRateHz / 2)) return NaN;
  if (gyroAxes.length === 0) return NaN;

  const axes = gyroAxes.map((axis) => clean(axis).values);
  const sums = sumsOf(axes);
  let bandPower = 0;
  let totalPower = 0;
  for (const [a, x] of axes.entries()) {
    const n = x.length;
    let len = 1;
    while (len * 2 <= Math.min(segmentLength, n)) len *= 2;
    if (len < MIN_SEGMENT) return NaN;
    // A constant axis has no power; skipping it avoids rounding residue of the mean.
    if (!sums.varies[a]) continue;
    const acc = welchPowerSum(x, (sums.sum[a] as number) / n, len);
    const segments = Math.floor((n - len) / (len >> 1)) + 1;
    const { windowEnergy } = buffersFor(len);
    // Σ_k |X_k|²/(L·Σw²) over all L bins estimates the variance of one segment;
    // bins 0 < k < L/2 also stand for their mirror, hence ×2.
    const scale = 1 / (segments * len * windowEnergy);
    const halfLen = len >> 1;
    for (let k = 1; k <= halfLen; k++) {
      const p = (acc[k] as number) * scale * (k < halfLen ? 2 : 1);
      totalPower += p;
      const f = (k * sampleRateHz) / len;
      if (f >= low && f <= high) bandPower += p;
    }
  }
  if (!(totalPower > 0 && totalPower < Infinity)) return NaN;
  return bandPower / totalPower;
}

/** Each axis's sum of samples (in index order) and whether any sample differs from its first. */
interface AxisSums {
  sum: number[];
  varies: boolean[];
}

/**
 * {@link AxisSums} of every axis. A sum is a chain of additions, each waiting
 * on the one before, so three axes of one length (x, y, z) are summed in one
 * loop, where the three chains run side by side; each sum still adds its own
 * samples in index order, so it is the same number.
 */
function sumsOf(axes: readonly Float64Array[]): AxisSums {
  const [x, y, z] = axes;
  if (axes.length === 3 && x !== undefined && y !== undefined && z !== undefined && x.length === y.length && y.length === z.length && x.length > 0) {
    const fx = x[0] as number;
    const fy = y[0] as number;
    const fz = z[0] as number;
    let sx = 0;
    let sy = 0;
    let sz = 0;
    // Once set, always taken: predicted branches, where running extremes mispredict on noise.
    let vx = false;
    let vy = false;
    let vz = false;
    for (let i = 0; i < x.length; i++) {
      const a = x[i] as number;
      const b = y[i] as number;
      const c = z[i] as number;
      sx += a;
      sy += b;
      sz += c;
      if (a !== fx) vx = true;
      if (b !== fy) vy = true;
      if (c !== fz) vz = true;
    }
    return { sum: [sx, sy, sz], varies: [vx, vy, vz] };
  }
  const sums: AxisSums = { sum: [], varies: [] };
  for (const axis of axes) {
    const first = axis[0] as number;
    let sum = 0;
    let varies = false;
    for (let i = 0; i < axis.length; i++) {
      const v = axis[i] as number;
      sum += v;
      if (v !== first) varies = true;
    }
    sums.sum.push(sum);
    sums.varies.push(varies);
  }
  return sums;
}

/**
 * Σ over Welch segments of |X_k|² (k = 0 … L/2) of the Hann-windowed signal
 * less its mean, into the cached accumulator for length L. Two real segments
 * share one complex FFT (a in re, b in im): then
 * |A_k|² + |B_k|² = (|Z_k|² + |Z_(L−k)|²)/2, which is all a power sum needs
 * and halves the FFT work. The mean is taken off as each sample is windowed,
 * which spares a pass over the signal.
 */
function welchPowerSum(x: Float64Array, mean: number, len: number): Float64Array {
  const { window, re, im, acc } = buffersFor(len);
  const rev = bitReversal(len);
  acc.fill(0);
  const hop = len >> 1;
  const halfLen = len >> 1;
  const n = x.length;
  for (let start = 0; start + len <= n; start += 2 * hop) {
    const second = start + hop;
    const hasSecond = second + len <= n;
    // Written straight into bit-reversed order, so the transform skips its permutation.
    for (let i = 0; i < len; i++) {
      const w = window[i] as number;
      const r = rev[i] as number;
      re[r] = w * ((x[start + i] as number) - mean);
      im[r] = hasSecond ? w * ((x[second + i] as number) - mean) : 0;
    }
    fftFromBitReversed(re, im);
    for (let k = 0; k <= halfLen; k++) {
      const j = (len - k) & (len - 1);
      const zr = re[k] as number;
      const zi = im[k] as number;
      const mr = re[j] as number;
      const mi = im[j] as number;
      const a = zr * zr + zi * zi;
      const b = mr * mr + mi * mi;
      acc[k] = (acc[k] as number) + 0.5 * (a + b);
    }
  }
  return acc;
}
