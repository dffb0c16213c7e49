import { cleanSeries } from '../signal/cleanSeries.js';
import { percentileInPlace } from '../signal/percentile.js';

/**
 * Active range of motion of one finger, in degrees: the 95th minus the 5th
 * percentile (type 7, see `percentileSorted`) of its flex angle. Using the
 * 5–95 % spread rather than max − min keeps single glitches and brief
 * overshoots from setting the result.
 *
 * The angles first go through `cleanSeries` (leading/trailing missing samples
 * dropped, interior gaps interpolated), so NaN dropouts are ignored.
 * Edge cases, as numpy's `percentile(x, 95) - percentile(x, 5)` (the same
 * type 7 definition): a single sample or a constant signal gives 0; no
 * finite sample (empty or all missing) gives NaN.
 *
 * `analyzeSession` reports this only for a finger that was never prompted;
 * a prompted finger's range of motion is taken over its prompted movements
 * (`promptedRangeOfMotion`).
 */
export function rangeOfMotion(angles: ArrayLike<number>): number {
  const { values } = cleanSeries(angles);
  if (values.length === 0) return NaN;
  // `values` is our own copy, so selection may reorder it (O(n), unlike a sort).
  const p95 = percentileInPlace(values, 0.95);
  return p95 - percentileInPlace(values, 0.05);
}
