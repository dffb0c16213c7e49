import { cleanSeries } from '../signal/cleanSeries.js';
import { KINEMATIC_CUTOFF_HZ, lowPass } from '../signal/lowPass.js';

/** One flexion–extension movement; indices are sample indices of the input array. */
export interface Repetition {
  /** The trough before the peak (start of flexion). */
  start: number;
  /** The highest flexion. */
  peak: number;
  /** The trough after the peak (end of extension). */
  end: number;
  /** (end − start) / sampleRateHz, in seconds. */
  durationS: number;
}

/**
 * Default hysteresis. Flexing one finger moves its neighbours along
 * involuntarily (enslavement, often 10–15° in a full flexion); 15° keeps that
 * co-movement from counting as a repetition while any exercise movement a
 * patient can make counts.
 */
export const REPETITION_HYSTERESIS_DEG = 15;

export interface RepetitionOptions {
  /** Minimum rise from trough to peak and fall from peak to the next trough, in degrees (default REPETITION_HYSTERESIS_DEG, 15). */
  hysteresisDeg?: number;
  /** Low-pass cutoff in Hz applied before detection (default 10). */
  cutoffHz?: number;
  /** Repetitions shorter than this, in seconds, are dropped (default 0.15). */
  minDurationS?: number;
}

/**
 * Finds the repetitions (flexion–extension cycles) in one finger's flex angle.
 *
 * The angle goes through `cleanSeries` (missing samples trimmed/interpolated)
 * and a zero-phase low-pass at `cutoffHz`. A Schmitt trigger with hysteresis
 * `hysteresisDeg` then walks the signal: a peak is accepted once the signal
 * has risen at least `hysteresisDeg` above the preceding trough and has then
 * fallen at least `hysteresisDeg` below the peak. The peak is the highest
 * sample between those two events (first one on ties); a trough is the
 * lowest sample between two accepted peaks (first one on ties), or, for the
 * first repetition, between the start of the data and the first peak, or,
 * for the last, between the last peak and the end of the data.
 * Wiggles smaller than the hysteresis never toggle the trigger, so sensor
 * noise below it yields no repetition.
 *
 * Consequences: a final peak after which the signal never falls back by
 * `hysteresisDeg` (the recording ended mid-movement or held flexed) is not a
 * repetition; nor is a movement at the very start with no trough before it
 * (the data opening on a peak). When the hand rests between repetitions, the
 * trough may fall anywhere in the rest (wherever the angle is lowest), so
 * `durationS` then includes part of the rest. Repetitions with
 * `durationS < minDurationS` are dropped (too fast to be a voluntary
 * movement; a spike).
 *
 * Returns the repetitions in time order, indices in the coordinates of the
 * input array (trimmed leading samples added back). Edge cases: empty when
 * fewer than 3 samples remain or an option / the sample rate is not a
 * positive number (minDurationS may be 0).
 */
export function detectRepetitions(
  angles: ArrayLike<number>,
  sampleRateHz: number,
  options: RepetitionOptions = {},
): Repetition[] {
  const { hysteresisDeg = REPETITION_HYSTERESIS_DEG, cutoffHz = KINEMATIC_CUTOFF_HZ, minDurationS = 0.15 } = options;
  const reps: Repetition[] = [];
  if (!(sampleRateHz > 0 && sampleRateHz < Infinity && hysteresisDeg > 0 && cutoffHz > 0 && minDurationS >= 0)) {
    return reps;
  }
  const { values, offset } = cleanSeries(angles);
  if (values.length < 3) return reps;
  return findRepetitions(lowPass(values, sampleRateHz, cutoffHz), offset, sampleRateHz, { hysteresisDeg, minDurationS });
}

/**
 * The detection step of {@link detectRepetitions} on its own, for callers
 * that already hold the cleaned, low-passed angle (finite everywhere) and
 * share it between metrics. `offset` is added to every index (the trim offset
 * from `cleanSeries`, 0 if none). Same rules, result and edge cases as
 * `detectRepetitions` with the `cutoffHz` option left out.
 */
export function findRepetitions(
  filtered: ArrayLike<number>,
  offset: number,
  sampleRateHz: number,
  options: Omit<RepetitionOptions, 'cutoffHz'> = {},
): Repetition[] {
  const { hysteresisDeg = REPETITION_HYSTERESIS_DEG, minDurationS = 0.15 } = options;
  const reps: Repetition[] = [];
  const n = filtered.length;
  if (n < 3 || !(sampleRateHz > 0 && sampleRateHz < Infinity && hysteresisDeg > 0 && minDurationS >= 0)) return reps;

  const emit = (start: number, peak: number, end: number): void => {
    const durationS = (end - start) / sampleRateHz;
    if (durationS >= minDurationS) reps.push({ start: start + offset, peak: peak + offset, end: end + offset, durationS });
  };

  let rising = false; // false: tracking a trough, waiting for a rise; true: tracking a peak, waiting for a fall
  let trough = 0;
  let troughV = filtered[0] as number;
  let peak = 0;
  let peakV = troughV;
  let start = 0; // trough before the current peak
  // An accepted peak waiting for its closing trough (-1: none).
  let pendingStart = -1;
  let pendingPeak = -1;
  for (let i = 1; i < n; i++) {
    const v = filtered[i] as number;
    if (!rising) {
      if (v < troughV) {
        trough = i;
        troughV = v;
      } else if (v - troughV >= hysteresisDeg) {
        // The trough is final: it closes the pending repetition and opens the next.
        if (pendingPeak >= 0) emit(pendingStart, pendingPeak, trough);
        pendingPeak = -1;
        start = trough;
        peak = i;
        peakV = v;
        rising = true;
      }
    } else if (v > peakV) {
      peak = i;
      peakV = v;
    } else if (peakV - v >= hysteresisDeg) {
      pendingStart = start;
      pendingPeak = peak;
      trough = i;
      troughV = v;
      rising = false;
    }
  }
  // Data ended after a fall: the lowest sample since is the closing trough.
  if (pendingPeak >= 0) emit(pendingStart, pendingPeak, trough);
  return reps;
}

/** Mean `durationS` of the repetitions, in seconds; NaN when there are none. */
export function meanRepetitionDurationS(reps: ArrayLike<Repetition>): number {
  const n = reps.length;
  if (n === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (reps[i] as Repetition).durationS;
  return sum / n;
}
