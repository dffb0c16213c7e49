/**
 * The synthetic rhythm game: when prompts come, which finger each asks for,
 * and whether the recorded movement answered it in time.
 */
import { FINGERS, type GameEvent } from '../model/types.js';
import type { SeededRandom } from './random.js';

/** A prompt counts as hit once the finger has flexed this share of the game's target excursion. */
export const HIT_FRACTION = 0.7;

/** Longest time a prompt waits for its answer, in seconds. */
export const MAX_HIT_WINDOW_S = 1.2;

/**
 * The mean time between prompts at a level, in seconds: 2.5 s at level 1
 * falling linearly to 1.2 s at level 10 (levels outside 1..10 extrapolate).
 */
export const defaultPromptIntervalS = (level: number): number => 2.5 - ((level - 1) * 1.3) / 9;

/**
 * How long a prompt waits for its answer, in seconds: 1.2 s, shortened to
 * 80% of the prompt interval so the answer always comes before the next
 * prompt (intervals vary by ±10%).
 */
export const hitWindowS = (promptIntervalS: number): number => Math.min(MAX_HIT_WINDOW_S, 0.8 * promptIntervalS);

/**
 * The flexion the game asks for, in degrees from the finger's rest angle:
 * 40° at level 1 plus 2.5° per level (62.5° at level 10).
 */
export const targetExcursionDeg = (level: number): number => 40 + 2.5 * (level - 1);

/** A prompt: when (ms from the start) and which finger (index into FINGERS). */
export interface Prompt {
  tMs: number;
  finger: number;
}

/**
 * The prompts of a session of `durationMs`: the first 1 s + up to half an
 * interval after the start, then one every `promptIntervalS` ± 10% (uniform),
 * each for a random finger other than the previous one, as long as its hit
 * window ends within the session. Times are whole milliseconds.
 */
export function schedulePrompts(random: SeededRandom, durationMs: number, promptIntervalS: number, windowMs: number): Prompt[] {
  const prompts: Prompt[] = [];
  let tS = 1 + 0.5 * promptIntervalS * random.uniform();
  let finger = random.int(FINGERS.length);
  for (;;) {
    const tMs = Math.round(tS * 1000);
    if (tMs + windowMs > durationMs) break;
    prompts.push({ tMs, finger });
    tS += promptIntervalS * random.between(0.9, 1.1);
    finger = (finger + 1 + random.int(FINGERS.length - 1)) % FINGERS.length;
  }
  return prompts;
}

/**
 * Judges each prompt on the recorded flex angles (deg, NaN = missing), as the
 * game would: a `hit` at the first sample after the prompt, within `windowMs`,
 * where the prompted finger reaches `thresholdDeg[finger]` from below (a
 * finger still flexed from an earlier prompt must come down first);
 * otherwise a `miss` when the window closes. Returns the events (prompt then
 * its answer, in time order given prompts further apart than the window) and
 * the number of hits.
 */
export function judgePrompts(
  prompts: readonly Prompt[],
  flex: readonly Float64Array[],
  thresholdDeg: readonly number[],
  sampleRateHz: number,
  windowMs: number,
): { events: GameEvent[]; hits: number } {
  const events: GameEvent[] = [];
  let hits = 0;
  for (const { tMs, finger: index } of prompts) {
    const finger = FINGERS[index]!;
    const values = flex[index]!;
    const threshold = thresholdDeg[index]!;
    events.push({ t: tMs, kind: 'prompt', finger });
    const closeMs = tMs + windowMs;
    // The last sample at or before the prompt; a missing one (NaN) does not block.
    const atPrompt = Math.floor((tMs * sampleRateHz) / 1000);
    let armed = !((values[atPrompt] ?? NaN) >= threshold);
    let answer: GameEvent = { t: closeMs, kind: 'miss', finger };
    for (let i = atPrompt + 1; i < values.length; i++) {
      const sampleMs = (i * 1000) / sampleRateHz;
      if (sampleMs > closeMs) break;
      const v = values[i] ?? NaN;
      // NaN compares false both ways: the game sees nothing during a dropout.
      if (v < threshold) armed = true;
      else if (v >= threshold && armed) {
        answer = { t: Math.round(sampleMs), kind: 'hit', finger };
        hits++;
        break;
      }
    }
    events.push(answer);
  }
  return { events, hits };
}
