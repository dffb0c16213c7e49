import { cleanSeries } from '../signal/cleanSeries.js';
import { derivative } from '../signal/derivative.js';
import { KINEMATIC_CUTOFF_HZ, lowPass } from '../signal/lowPass.js';

export interface ReactionTimeOptions {
  /** How long after a prompt a response is looked for, in ms (default 1500). */
  windowMs?: number;
  /** Onset threshold as a share of the window's peak speed, in (0, 1] (default 0.1). */
  thresholdShare?: number;
  /** Peak speed in the window below which the prompt counts as unanswered, in deg/s (default 30). */
  minPeakDegS?: number;
  /** Low-pass cutoff in Hz applied to the angle before differentiating (default 10). */
  cutoffHz?: number;
}

/** Tolerance, in samples, for prompt times that map onto a sample index up to rounding error. */
const INDEX_EPS = 1e-9;

/**
 * Reaction time to each prompt, in ms: from the prompt to the movement onset
 * of the finger whose flex angle is given.
 *
 * The angle goes through `cleanSeries` (interior gaps interpolated; samples
 * outside the trimmed range stay unknown), a zero-phase low-pass at
 * `cutoffHz`, and central differences, giving the speed |dθ/dt| in deg/s.
 * A prompt at t ms corresponds to sample index t·fs/1000; its window runs
 * from the first sample at or after t to the last sample at or before
 * t + windowMs. With P the peak speed in the window, the onset is the first
 * sample in the window where the speed crosses upwards to
 * `thresholdShare`·P (at or above it, the sample before below it). If the
 * finger is already above that speed at the prompt, the ongoing movement is
 * not a response and the next upward crossing in the window is taken.
 * Reaction time = onset index·1000/fs − t, so it has one-sample resolution.
 *
 * Returns one value per prompt, in prompt order. NaN for a prompt when: its
 * time is not finite; its window reaches outside the cleaned data (before the
 * first or after the last finite sample, or off the recording); P is below
 * `minPeakDegS` (no response); or no upward crossing occurs in the window.
 * All NaN when fewer than 3 samples remain or the sample rate or an option
 * is out of range.
 */
export function reactionTimes(
  promptTimesMs: ArrayLike<number>,
  angles: ArrayLike<number>,
  sampleRateHz: number,
  options: ReactionTimeOptions = {},
): Float64Array {
  const { windowMs = 1500, thresholdShare = 0.1, minPeakDegS = 30, cutoffHz = KINEMATIC_CUTOFF_HZ } = options;
  const m = promptTimesMs.length;
  const out = new Float64Array(m).fill(NaN);
  if (
    !(sampleRateHz > 0 && sampleRateHz < Infinity) ||
    !(windowMs > 0) ||
    !(thresholdShare > 0 && thresholdShare <= 1) ||
    !(minPeakDegS >= 0) ||
    !(cutoffHz > 0)
  ) {
    return out;
  }
  const { values, offset } = cleanSeries(angles);
  if (values.length < 3) return out;
  const velocity = derivative(lowPass(values, sampleRateHz, cutoffHz), sampleRateHz);
  return reactionTimesFromVelocity(promptTimesMs, velocity, offset, sampleRateHz, { windowMs, thresholdShare, minPeakDegS });
}

/**
 * The onset search of {@link reactionTimes} on its own, for callers that
 * already hold the angular velocity dθ/dt (deg/s, signed or not) of the
 * cleaned, low-passed angle and share it between metrics. `offset` is the
 * input index of `velocity[0]` (the trim offset from `cleanSeries`); samples
 * outside [offset, offset + length) count as unknown. Same definition, result
 * and edge cases as `reactionTimes` with the `cutoffHz` option left out.
 */
export function reactionTimesFromVelocity(
  promptTimesMs: ArrayLike<number>,
  velocity: ArrayLike<number>,
  offset: number,
  sampleRateHz: number,
  options: Omit<ReactionTimeOptions, 'cutoffHz'> = {},
): Float64Array {
  const { windowMs = 1500, thresholdShare = 0.1, minPeakDegS = 30 } = options;
  const m = promptTimesMs.length;
  const out = new Float64Array(m).fill(NaN);
  const n = velocity.length;
  if (
    n < 3 ||
    !(sampleRateHz > 0 && sampleRateHz < Infinity) ||
    !(windowMs > 0) ||
    !(thresholdShare > 0 && thresholdShare <= 1) ||
    !(minPeakDegS >= 0)
  ) {
    return out;
  }

  for (let p = 0; p < m; p++) {
    const t = promptTimesMs[p] as number;
    if (!Number.isFinite(t)) continue;
    // Window bounds as indices into `velocity` (input index minus the trim offset).
    const s0 = Math.ceil((t * sampleRateHz) / 1000 - INDEX_EPS) - offset;
    const s1 = Math.floor(((t + windowMs) * sampleRateHz) / 1000 + INDEX_EPS) - offset;
    if (s0 < 0 || s1 > n - 1 || s1 < s0) continue;

    let peak = 0;
    for (let i = s0; i <= s1; i++) {
      const s = Math.abs(velocity[i] as number);
      if (s > peak) peak = s;
    }
    if (!(peak >= minPeakDegS)) continue;
    const threshold = thresholdShare * peak;
    // Speed just before the window; with no sample there (data starts at the prompt) the first sample above counts as a crossing.
    let before = s0 === 0 ? 0 : Math.abs(velocity[s0 - 1] as number);
    for (let i = s0; i <= s1; i++) {
      const s = Math.abs(velocity[i] as number);
      if (s >= threshold && before < threshold) {
        out[p] = ((i + offset) * 1000) / sampleRateHz - t;
        break;
      }
      before = s;
    }
  }
  return out;
}
