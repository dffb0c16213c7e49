import { cleanSeries } from '../signal/cleanSeries.js';
import { derivative } from '../signal/derivative.js';
import { KINEMATIC_CUTOFF_HZ, lowPass } from '../signal/lowPass.js';

export interface PeakVelocityOptions {
  /** Low-pass cutoff in Hz applied to the angle before differentiating (default 10). */
  cutoffHz?: number;
}

/**
 * Peak angular velocity of one finger, in deg/s: the maximum of |dθ/dt| over
 * the session, where θ is the flex angle after `cleanSeries` (missing samples
 * trimmed/interpolated) and a zero-phase low-pass at `cutoffHz` (default
 * 10 Hz; differentiation amplifies high-frequency noise, which would
 * otherwise set the peak), and dθ/dt is taken by central differences.
 *
 * Edge cases: NaN when fewer than 3 samples remain after cleaning, or the
 * sample rate or cutoff is not a positive number.
 */
export function peakVelocity(
  angles: ArrayLike<number>,
  sampleRateHz: number,
  options: PeakVelocityOptions = {},
): number {
  const { cutoffHz = KINEMATIC_CUTOFF_HZ } = options;
  if (!(sampleRateHz > 0 && sampleRateHz < Infinity && cutoffHz > 0)) return NaN;
  const { values } = cleanSeries(angles);
  if (values.length < 3) return NaN;
  return peakSpeed(derivative(lowPass(values, sampleRateHz, cutoffHz), sampleRateHz));
}

/**
 * Largest absolute value of a velocity profile (e.g. the derivative of an
 * already cleaned and low-passed angle), in its unit. For callers that
 * compute that profile once and share it between metrics. 0 for an empty
 * input; NaN if any value is NaN.
 */
export function peakSpeed(velocity: ArrayLike<number>): number {
  // Four running maxima, merged at the end: the maximum does not depend on
  // the order, and four independent chains run in the time of one. Math.max
  // gives NaN once any value is NaN.
  const n = velocity.length;
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    p0 = Math.max(p0, Math.abs(velocity[i] as number));
    p1 = Math.max(p1, Math.abs(velocity[i + 1] as number));
    p2 = Math.max(p2, Math.abs(velocity[i + 2] as number));
    p3 = Math.max(p3, Math.abs(velocity[i + 3] as number));
  }
  for (; i < n; i++) p0 = Math.max(p0, Math.abs(velocity[i] as number));
  return Math.max(p0, p1, p2, p3);
}
