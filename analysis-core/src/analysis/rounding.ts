/**
 * Results are stored at a fixed precision per quantity: enough for any
 * clinical reading, small in the document, and identical on every engine
 * (the last bits of a float are where engines could differ).
 */
export const DECIMALS = {
  deg: 2,
  degPerS: 1,
  seconds: 3,
  ms: 1,
  share: 4,
  smoothness: 4,
  hz: 2,
} as const;

/** Rounds to `decimals`; NaN and ±Infinity become null, -0 becomes 0. */
export function roundTo(value: number, decimals: number): number | null {
  if (!Number.isFinite(value)) return null;
  const factor = 10 ** decimals;
  const rounded = Math.round(value * factor) / factor;
  return rounded === 0 ? 0 : rounded;
}
