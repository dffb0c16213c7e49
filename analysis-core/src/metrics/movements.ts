import type { Repetition } from './repetitions.js';

/**
 * Onset and offset threshold as a share of the movement's own peak speed: the
 * conventional velocity-threshold rule for a discrete movement (described,
 * and compared with other onset detectors, by Botzer & Karniel 2009, Front.
 * Neurosci. 3, doi:10.3389/neuro.20.002.2009), at the 10% that movement onset
 * in reactionTimes also uses.
 */
export const MOVEMENT_ONSET_SHARE = 0.1;

/**
 * A bound is only taken once the angle is within this share of the excursion
 * from the end it bounds (the rest, or the held flexion): a slowing or a
 * pause further from it is part of the movement.
 */
export const MOVEMENT_ARRIVAL_SHARE = 0.2;

/** One discrete movement: sample indices, both ends included. */
export interface MovementSpan {
  /** Last sample below the threshold before the movement (its onset). */
  onset: number;
  /** First sample below the threshold after the movement (its offset). */
  offset: number;
}

/** The flexion and the extension of one repetition; null where no movement could be bounded. */
export interface RepetitionMovements {
  flexion: MovementSpan | null;
  extension: MovementSpan | null;
}

/**
 * Splits a repetition (trough, peak, trough) into its flexion (trough to peak)
 * and its extension (peak to trough), each a discrete movement bounded by
 * where the speed falls below MOVEMENT_ONSET_SHARE of that movement's peak
 * speed. The hold at the top, with the finger still, separates the two.
 *
 * Each bound is found by walking out from the movement's peak-speed sample to
 * the first sample whose speed is below the threshold while the angle is
 * within MOVEMENT_ARRIVAL_SHARE of the excursion from the end that bound
 * lies at (the rest, or the held flexion). A pause between sub-movements
 * partway therefore stays inside the movement (it is what makes the
 * movement less smooth), and the rest before and after, where neighbouring
 * fingers' co-movement can be fast, stays out. The walk never leaves the
 * repetition. `filtered` is the cleaned, low-passed angle and `velocity` its
 * derivative, both finite; indices are theirs.
 *
 * A movement whose peak speed is 0 or not finite (a NaN speed included) is null.
 */
export function splitRepetition(filtered: ArrayLike<number>, velocity: ArrayLike<number>, rep: Pick<Repetition, 'start' | 'peak' | 'end'>): RepetitionMovements {
  const top = filtered[rep.peak] as number;
  return {
    flexion: boundMovement(filtered, velocity, rep.start, rep.peak, filtered[rep.start] as number, top),
    extension: boundMovement(filtered, velocity, rep.peak, rep.end, top, filtered[rep.end] as number),
  };
}

function boundMovement(
  angle: ArrayLike<number>,
  velocity: ArrayLike<number>,
  from: number,
  to: number,
  startAngle: number,
  endAngle: number,
): MovementSpan | null {
  const peakSpeed = peakSpeedBetween(velocity, from, to);
  // No movement: still throughout, or a speed that is not finite.
  if (!(peakSpeed > 0 && peakSpeed < Infinity)) return null;
  let peakAt = from;
  while (Math.abs(velocity[peakAt] as number) !== peakSpeed) peakAt++;
  const threshold = MOVEMENT_ONSET_SHARE * peakSpeed;
  const near = MOVEMENT_ARRIVAL_SHARE * Math.abs(endAngle - startAngle);
  let onset = peakAt;
  while (onset > from && !stillAt(angle, velocity, onset, threshold, startAngle, near)) onset--;
  let offset = peakAt;
  while (offset < to && !stillAt(angle, velocity, offset, threshold, endAngle, near)) offset++;
  return { onset, offset };
}

/** Sample i is below the speed threshold and within `near` of the angle `end` (a function, not a closure: none is allocated per movement). */
function stillAt(angle: ArrayLike<number>, velocity: ArrayLike<number>, i: number, threshold: number, end: number, near: number): boolean {
  return Math.abs(velocity[i] as number) < threshold && Math.abs((angle[i] as number) - end) <= near;
}

/**
 * The largest |velocity[i]| for i in from … to, 0 for none, NaN when one is
 * NaN. Four running maxima (the maximum does not depend on the order) and
 * no branch per sample: "keep the index of each new maximum" mispredicts
 * on every rise of the speed, so the first index at the maximum is found
 * afterwards, by a scan that stops there.
 */
function peakSpeedBetween(velocity: ArrayLike<number>, from: number, to: number): number {
  let p0 = 0;
  let p1 = 0;
  let p2 = 0;
  let p3 = 0;
  let i = from;
  for (; i + 3 <= to; i += 4) {
    p0 = Math.max(p0, Math.abs(velocity[i] as number));
    p1 = Math.max(p1, Math.abs(velocity[i + 1] as number));
    p2 = Math.max(p2, Math.abs(velocity[i + 2] as number));
    p3 = Math.max(p3, Math.abs(velocity[i + 3] as number));
  }
  for (; i <= to; i++) p0 = Math.max(p0, Math.abs(velocity[i] as number));
  return Math.max(p0, p1, p2, p3);
}

/**
 * |velocity| over a span, as the speed profile SPARC and LDLJ take: a new
 * array, or `speed` when given (of the span's length, every entry overwritten).
 */
export function speedProfile(
  velocity: ArrayLike<number>,
  span: MovementSpan,
  speed: Float64Array = new Float64Array(span.offset - span.onset + 1),
): Float64Array {
  if (speed.length !== span.offset - span.onset + 1) throw new RangeError(`speedProfile: ${speed.length} entries for a span of ${span.offset - span.onset + 1}`);
  for (let i = span.onset; i <= span.offset; i++) speed[i - span.onset] = Math.abs(velocity[i] as number);
  return speed;
}
