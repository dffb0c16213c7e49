/**
 * The fingers' noiseless flex angles: a rest angle per finger with a slow
 * sensor drift, plus one movement per prompt (reaction delay, minimum-jerk
 * flexion, hold, minimum-jerk extension, the movements split into
 * sub-movements when impaired) that neighbouring fingers follow in part
 * (enslavement).
 */
import { FINGERS } from '../model/types.js';
import { MinimumJerkTrack } from './minimumJerk.js';
import type { Prompt } from './game.js';
import type { SeededRandom } from './random.js';
import { addSinusoid } from './sinusoid.js';

/** One minimum-jerk step of a movement, seconds and degrees (of the prompted finger). */
export interface MovementStep {
  onsetS: number;
  durationS: number;
  amplitudeDeg: number;
}

/** A planned answer to one prompt. */
export interface Movement {
  finger: number;
  /** Flexion sub-movements then the extension; their amplitudes sum to 0. */
  steps: MovementStep[];
  /** Share of the movement each finger makes (1 for the prompted one). */
  coupling: Float64Array;
  /** When the extension ends, seconds. */
  endS: number;
}

/** Uniform draws that shape one sequence of up to three sub-movements. */
interface SubMovementDraws {
  weight: [number, number, number];
  length: [number, number, number];
  overlap: [number, number, number];
}

const drawSubMovements = (random: SeededRandom): SubMovementDraws => ({
  weight: [random.uniform(), random.uniform(), random.uniform()],
  length: [random.uniform(), random.uniform(), random.uniform()],
  overlap: [random.uniform(), random.uniform(), random.uniform()],
});

/**
 * Appends to `steps` a movement of `amplitudeDeg` that starts at `onsetS` and
 * would take `durationS` as one minimum-jerk step, split into `count` (1–3)
 * overlapping sub-movements: the first carries 1–2 parts of the amplitude,
 * the others 0.3–0.8 each; each lasts 0.5–0.7 of `durationS` and starts
 * 55–85% into the previous one. Returns when the last one ends.
 */
function addSubMovements(steps: MovementStep[], onsetS: number, amplitudeDeg: number, durationS: number, count: number, u: SubMovementDraws): number {
  if (count === 1) {
    steps.push({ onsetS, durationS, amplitudeDeg });
    return onsetS + durationS;
  }
  let weightSum = 0;
  for (let j = 0; j < count; j++) weightSum += j === 0 ? 1 + u.weight[0] : 0.3 + 0.5 * u.weight[j]!;
  let t = onsetS;
  let end = onsetS;
  let previous = 0;
  for (let j = 0; j < count; j++) {
    const weight = j === 0 ? 1 + u.weight[0] : 0.3 + 0.5 * u.weight[j]!;
    const length = durationS * (0.5 + 0.2 * u.length[j]!);
    if (j > 0) t += previous * (0.55 + 0.3 * u.overlap[j]!);
    steps.push({ onsetS: t, durationS: length, amplitudeDeg: (amplitudeDeg * weight) / weightSum });
    end = Math.max(end, t + length);
    previous = length;
  }
  return end;
}

/**
 * Plans the answer to a prompt at `promptS` seconds for a hand with
 * `impairment` in [0, 1]. The draws per call are a fixed set regardless of
 * impairment, so the same seed gives the same trial-by-trial variation at
 * every impairment and only the scale of the movement changes. The flexion
 * starts no earlier than `notBeforeS`: a finger still returning from its
 * previous movement finishes that first (flexion targets are measured from
 * rest, which a superposed second flexion would overshoot).
 *
 * - reaction delay: 0.22 s + 0.3 s·impairment, sd 0.04 s + 0.06 s·impairment, at least 0.12 s;
 * - excursion: 70°·(1 − 0.5·impairment) ± 10% (sd);
 * - flexion time D: 0.35 s + 0.5 s·impairment ± 10% (sd);
 * - sub-movements: 1 + ⌊2·impairment + u⌋ (u uniform in [0, 1)), at most 3: one
 *   when healthy, 2 or 3 when impaired (see addSubMovements), for the
 *   flexion and, drawn separately, for the extension;
 * - hold: 0.3–0.6 s + 0.8 s·impairment (release is delayed after stroke);
 * - extension over 0.9–1.2·D, back to exactly where the flexion started;
 * - enslavement: adjacent fingers 10–15% × (1 + 0.5·impairment), fingers two
 *   apart 3% × (1 + 0.5·impairment) — stroke reduces finger individuation.
 */
export function planMovement(random: SeededRandom, finger: number, promptS: number, impairment: number, notBeforeS = -Infinity): Movement {
  const zReaction = random.boundedNormal();
  const zExcursion = random.boundedNormal();
  const zDuration = random.boundedNormal();
  const uFlexionCount = random.uniform();
  const uExtensionCount = random.uniform();
  const uHold = random.uniform();
  const uExtension = random.uniform();
  const flexionDraws = drawSubMovements(random);
  const extensionDraws = drawSubMovements(random);
  const uSlave = [random.uniform(), random.uniform()];

  const reactionS = Math.max(0.12, 0.22 + 0.3 * impairment + (0.04 + 0.06 * impairment) * zReaction);
  const excursionDeg = 70 * (1 - 0.5 * impairment) * (1 + 0.1 * zExcursion);
  const flexionS = (0.35 + 0.5 * impairment) * (1 + 0.1 * zDuration);
  const subCount = (u: number) => Math.min(3, 1 + Math.floor(2 * impairment + u));

  const steps: MovementStep[] = [];
  const flexionEndS = addSubMovements(steps, Math.max(promptS + reactionS, notBeforeS), excursionDeg, flexionS, subCount(uFlexionCount), flexionDraws);
  // The flexion steps' amplitudes sum to excursionDeg up to rounding; undo exactly that sum.
  const flexed = steps.reduce((sum, step) => sum + step.amplitudeDeg, 0);
  const holdS = 0.3 + 0.3 * uHold + 0.8 * impairment;
  const endS = addSubMovements(steps, flexionEndS + holdS, -flexed, flexionS * (0.9 + 0.3 * uExtension), subCount(uExtensionCount), extensionDraws);

  const coupling = new Float64Array(FINGERS.length);
  const individuation = 1 + 0.5 * impairment;
  coupling[finger] = 1;
  for (const [offset, u] of [[-1, uSlave[0]!], [1, uSlave[1]!]] as const) {
    const near = finger + offset;
    if (near >= 0 && near < FINGERS.length) coupling[near] = (0.1 + 0.05 * u) * individuation;
    const far = finger + 2 * offset;
    if (far >= 0 && far < FINGERS.length) coupling[far] = 0.03 * individuation;
  }
  return { finger, steps, coupling, endS };
}

/** The hand's noiseless flex angles and what the game needs to know about them. */
export interface HandSignals {
  /** Each finger's rest angle, degrees (10–15°). */
  restDeg: number[];
  /** Per finger (order of FINGERS), degrees: rest + drift + movements. */
  angles: Float64Array[];
  /** Sum over the fingers of the movement part only (no rest, no drift), degrees. */
  movementSum: Float64Array;
}

/**
 * Renders the answers to `prompts` over `sampleCount` samples: rest angles
 * uniform in 10–15°, a sensor drift of 0.5° at 0.01–0.04 Hz per finger, and
 * the movements of `planMovement`.
 */
export function synthesizeHand(random: SeededRandom, prompts: readonly Prompt[], sampleCount: number, sampleRateHz: number, impairment: number): HandSignals {
  const restDeg = FINGERS.map(() => random.between(10, 15));
  const tracks = FINGERS.map(() => new MinimumJerkTrack(sampleCount, sampleRateHz));
  const busyUntilS = FINGERS.map(() => -Infinity);
  for (const prompt of prompts) {
    const movement = planMovement(random, prompt.finger, prompt.tMs / 1000, impairment, busyUntilS[prompt.finger]);
    busyUntilS[prompt.finger] = movement.endS;
    for (let f = 0; f < FINGERS.length; f++) {
      const share = movement.coupling[f] ?? 0;
      if (share === 0) continue;
      for (const step of movement.steps) tracks[f]!.addStep(step.onsetS, step.durationS, share * step.amplitudeDeg);
    }
  }
  const movementSum = new Float64Array(sampleCount);
  const angles = tracks.map((track, f) => {
    const values = track.finish();
    for (let i = 0; i < sampleCount; i++) movementSum[i] = (movementSum[i] ?? 0) + (values[i] ?? 0);
    const rest = restDeg[f]!;
    for (let i = 0; i < sampleCount; i++) values[i] = (values[i] ?? 0) + rest;
    addSinusoid(values, null, sampleRateHz, 0.5, random.between(0.01, 0.04), random.between(0, 2 * Math.PI));
    return values;
  });
  return { restDeg, angles, movementSum };
}
