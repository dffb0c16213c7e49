import { cleanSeries } from '../signal/cleanSeries.js';
import { realMagnitudeSpectrum } from '../signal/fft.js';
import { KeptViews } from '../signal/keptViews.js';

export interface SparcOptions {
  /** Extra doublings of the FFT length beyond the next power of two ≥ N (default 4). */
  padLevel?: number;
  /** Highest frequency in Hz that may enter the arc (default 10). */
  cutoffHz?: number;
  /** Normalised magnitude that bounds the selected band (default 0.05). */
  amplitudeThreshold?: number;
}

/** 2^20 bins: a movement of 65,536 samples at the default padding; anything longer is no single movement. */
const MAX_NFFT = 2 ** 20;

/**
 * Spectral arc length (SPARC) of a speed profile, dimensionless and ≤ 0;
 * closer to 0 is smoother (Balasubramanian et al. 2015, J NeuroEng Rehabil
 * 12:112, following the authors' reference code).
 *
 * After `cleanSeries` (leading/trailing missing samples trimmed, interior ones
 * interpolated) the N samples are zero-padded at the end to
 * nfft = 2^(ceil(log2 N) + padLevel); M_k = |FFT_k| / max over all bins.
 * Of the bins with f_k = k·fs/nfft ≤ cutoffHz (k from 0), the band runs from
 * the first to the last whose M_k ≥ amplitudeThreshold, dips in between
 * included, and
 * SPARC = −Σ sqrt(((f_(k+1) − f_k)/(f_last − f_first))² + (M_(k+1) − M_k)²)
 * over consecutive bins of the band. A band of a single bin gives 0.
 * If cutoffHz exceeds fs/2 the mirrored bins above Nyquist are included,
 * as in the reference code.
 *
 * Edge cases follow the authors' reference code (siva82kb/SPARC
 * `scripts/smoothness.py` and monalysa `quality/smoothness.py`, the same
 * `sparc`):
 * - one sample: the spectrum is flat, every bin up to the cutoff is selected
 *   and the arc is the frequency span alone: −1 (0 if only bin 0 lies under
 *   the cutoff), as the reference returns.
 * - two or three samples, and constant non-zero signals: computed like any
 *   other input, with the reference's values.
 * - no sample (after cleaning: also all missing), or all samples zero: the
 *   reference fails (division by zero, or no bin reaching the threshold);
 *   here NaN. Interior missing samples, which the reference would spread
 *   over the whole spectrum (NaN), are interpolated first.
 * Also NaN: no bin under the cutoff reaching the threshold, a sample rate
 * that is not a positive finite number, padLevel not a non-negative integer
 * (or nfft above 2^20), cutoffHz not positive, amplitudeThreshold NaN, or a
 * non-finite result (overflowing input).
 */
export function sparc(speed: ArrayLike<number>, sampleRateHz: number, options: SparcOptions = {}): number {
  const { padLevel = 4, cutoffHz = 10, amplitudeThreshold = 0.05 } = options;
  if (!(sampleRateHz > 0 && sampleRateHz < Infinity && cutoffHz > 0)) return NaN;
  if (!(Number.isInteger(padLevel) && padLevel >= 0 && padLevel <= 24) || Number.isNaN(amplitudeThreshold)) return NaN;
  return sparcOfClean(cleanSeries(speed).values, sampleRateHz, padLevel, cutoffHz, amplitudeThreshold);
}

/**
 * {@link sparc} with the default options of a speed profile the caller
 * knows to be finite everywhere (so `cleanSeries` would only copy it), as
 * the analysis's profiles are; any other input goes through `sparc`. Same
 * result, without the copy.
 */
export function sparcOfFinite(speed: Float64Array, sampleRateHz: number): number {
  if (!allFinite(speed) || !(sampleRateHz > 0 && sampleRateHz < Infinity)) return sparc(speed, sampleRateHz);
  return sparcOfClean(speed, sampleRateHz, 4, 10, 0.05);
}

function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i] as number)) return false;
  return true;
}

function sparcOfClean(values: Float64Array, sampleRateHz: number, padLevel: number, cutoffHz: number, amplitudeThreshold: number): number {
  const n = values.length;
  if (n < 1) return NaN;
  // 2^ceil(log2 N) by doubling: Math.log2 is not guaranteed exact at powers of two.
  let pow2 = 1;
  while (pow2 < n) pow2 *= 2;
  const nfft = pow2 * 2 ** padLevel;
  if (nfft > MAX_NFFT) return NaN;

  // Frequencies as k·(fs/nfft), the same rounding as the reference's arange.
  const df = sampleRateHz / nfft;
  const half = nfft >> 1;
  const cutBin = lastBinAtOrBelow(cutoffHz, df, nfft);
  // A non-negative signal (a speed) has its largest magnitude at bin 0
  // (|Σ x·e^(−iθ)| ≤ Σ x), so only the bins up to the cutoff are needed;
  // otherwise, or with mirrored bins above Nyquist in the band, all of them.
  const onlyBand = cutBin <= half && isNonNegative(values);
  const bins = onlyBand ? cutBin + 1 : half + 1;
  const mag = realMagnitudeSpectrum(values, nfft, bins, spectrumScratch.view(bins));
  let peak = 0;
  for (let k = 0; k < mag.length; k++) if ((mag[k] as number) > peak) peak = mag[k] as number;
  if (!(peak > 0 && peak < Infinity)) return NaN;

  // M_k for k = 0 … cutBin, each divided once; bin k above Nyquist has the magnitude of bin nfft − k (real input).
  const normalised = onlyBand ? normalisedInPlace(mag, peak) : normalisedMirrored(mag, peak, cutBin, nfft);
  let first = 0;
  while (first <= cutBin && !((normalised[first] as number) >= amplitudeThreshold)) first++;
  if (first > cutBin) return NaN;
  let last = cutBin;
  while (!((normalised[last] as number) >= amplitudeThreshold)) last--;
  if (first === last) return 0;

  const span = last * df - first * df;
  let length = 0;
  let prevF = first * df;
  let prevM = normalised[first] as number;
  for (let k = first + 1; k <= last; k++) {
    const f = k * df;
    const m = normalised[k] as number;
    const dx = (f - prevF) / span;
    const dy = m - prevM;
    length += Math.sqrt(dx * dx + dy * dy);
    prevF = f;
    prevM = m;
  }
  return Number.isFinite(length) ? -length : NaN;
}

/**
 * The largest k < nfft with k·df ≤ cutoffHz, or 0 (the bins under the
 * cutoff), as counting up from 0 finds it: k·df rounds monotonically in k,
 * so starting from cutoffHz / df and stepping to the boundary gives the same
 * bin without a multiplication per bin.
 */
function lastBinAtOrBelow(cutoffHz: number, df: number, nfft: number): number {
  let k = Math.min(nfft - 1, Math.max(0, Math.floor(cutoffHz / df)));
  while (k > 0 && k * df > cutoffHz) k--;
  while (k + 1 < nfft && (k + 1) * df <= cutoffHz) k++;
  return k;
}

/** mag[k] / peak for every k of `mag`, in place (the spectrum is scratch, read only by this call). */
function normalisedInPlace(mag: Float64Array, peak: number): Float64Array {
  for (let k = 0; k < mag.length; k++) mag[k] = (mag[k] as number) / peak;
  return mag;
}

/** M_k = |X_k| / peak for k = 0 … cutBin from the one-sided `mag`, mirroring bins above Nyquist. */
function normalisedMirrored(mag: Float64Array, peak: number, cutBin: number, nfft: number): Float64Array {
  const half = nfft >> 1;
  const out = normalisedScratch.view(cutBin + 1);
  for (let k = 0; k <= cutBin; k++) out[k] = (mag[k <= half ? k : nfft - k] as number) / peak;
  return out;
}

/** The magnitude spectrum is read only within one call, so kept arrays serve every call (up to 2^19 + 1 bins). */
const spectrumScratch = new KeptViews(MAX_NFFT / 2 + 1);
/** The normalised band when it reaches past Nyquist (a cutoff above fs/2): up to nfft bins. */
const normalisedScratch = new KeptViews(MAX_NFFT);

function isNonNegative(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (!((values[i] as number) >= 0)) return false;
  return true;
}
