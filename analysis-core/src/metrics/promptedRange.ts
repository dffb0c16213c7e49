import { median } from '../signal/percentile.js';

/** Longest time after a prompt in which its movement is looked for, in ms. */
export const PROMPT_RANGE_WINDOW_MS = 3000;

/**
 * The excursion a finger makes in answer to each of its prompts, in degrees:
 * within the window from the prompt to PROMPT_RANGE_WINDOW_MS later (or to
 * the finger's next prompt, if sooner), the largest rise of the angle, i.e.
 * the highest angle minus the lowest angle before it in the window. A finger
 * still or moving down gives 0.
 *
 * `filtered` is the cleaned, low-passed angle of the finger (finite), whose
 * sample 0 is input sample `offset` (the trim offset from `cleanSeries`);
 * prompt times are ms from the start of the recording. A window that begins
 * outside the cleaned data is skipped; one that runs past its end is cut
 * there. Returns one excursion per prompt kept, in prompt order.
 */
export function promptedExcursions(filtered: ArrayLike<number>, offset: number, sampleRateHz: number, promptTimesMs: readonly number[]): number[] {
  const n = filtered.length;
  const out: number[] = [];
  if (n === 0 || !(sampleRateHz > 0 && sampleRateHz < Infinity)) return out;
  const prompts = promptTimesMs.filter((t) => Number.isFinite(t)).sort((a, b) => a - b);
  for (let p = 0; p < prompts.length; p++) {
    const t = prompts[p] as number;
    const endMs = Math.min(t + PROMPT_RANGE_WINDOW_MS, prompts[p + 1] ?? Infinity);
    const s0 = Math.ceil((t * sampleRateHz) / 1000) - offset;
    const s1 = Math.min(n - 1, Math.floor((endMs * sampleRateHz) / 1000) - offset);
    if (s0 < 0 || s0 > n - 1 || s1 < s0) continue;
    let low = filtered[s0] as number;
    let rise = 0;
    for (let i = s0 + 1; i <= s1; i++) {
      const v = filtered[i] as number;
      if (v < low) low = v;
      else if (v - low > rise) rise = v - low;
    }
    out.push(rise);
  }
  return out;
}

/**
 * Range of motion over a finger's prompted movements, in degrees: the median
 * of {@link promptedExcursions}. NaN when no prompt's window lies in the data.
 */
export function promptedRangeOfMotion(filtered: ArrayLike<number>, offset: number, sampleRateHz: number, promptTimesMs: readonly number[]): number {
  return median(promptedExcursions(filtered, offset, sampleRateHz, promptTimesMs));
}
