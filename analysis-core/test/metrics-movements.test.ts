import { describe, expect, it } from 'vitest';
import { MOVEMENT_ONSET_SHARE, speedProfile, splitRepetition } from '../src/metrics/movements.js';
import { promptedExcursions, promptedRangeOfMotion } from '../src/metrics/promptedRange.js';
import { findRepetitions } from '../src/metrics/repetitions.js';
import { rangeOfMotion } from '../src/metrics/rangeOfMotion.js';
import { sparc } from '../src/metrics/sparc.js';
import { derivative } from '../src/signal/derivative.js';
import { analyzeSession } from '../src/analysis/analyzeSession.js';
import { synthesizeSession } from '../src/synth/synthesizeSession.js';
import { smallSession } from './fixtures.js';

const FS = 100;

/** Minimum-jerk position shape on τ ∈ [0, 1]: 10τ³ − 15τ⁴ + 6τ⁵, clamped outside. */
const mjPosition = (tau: number): number => (tau <= 0 ? 0 : tau >= 1 ? 1 : 10 * tau ** 3 - 15 * tau ** 4 + 6 * tau ** 5);

/** An angle of `seconds` at FS: rest at 10° plus minimum-jerk steps [start s, duration s, amplitude deg]. */
function angle(seconds: number, steps: readonly (readonly [number, number, number])[]): Float64Array {
  return Float64Array.from({ length: Math.round(seconds * FS) }, (_, i) => {
    let v = 10;
    for (const [start, duration, amplitude] of steps) v += amplitude * mjPosition((i / FS - start) / duration);
    return v;
  });
}

const repetitionsOf = (x: Float64Array) => {
  const velocity = derivative(x, FS);
  return { velocity, reps: findRepetitions(x, 0, FS) };
};

describe('splitRepetition (a repetition into its flexion and its extension)', () => {
  // Flexion 1–1.6 s, hold 0.8 s, extension 2.4–3 s.
  const x = angle(4, [[1, 0.6, 60], [2.4, 0.6, -60]]);
  const { velocity, reps } = repetitionsOf(x);

  it('bounds each movement where its speed falls below 10% of its peak, leaving the hold out', () => {
    expect(reps).toHaveLength(1);
    const { flexion, extension } = splitRepetition(x, velocity, reps[0]!);
    // Minimum-jerk speed is 10% of its peak at τ ≈ 0.0865 and 0.9135 (30τ²(1−τ)² = 0.1875).
    const tau = 0.0865;
    expect(flexion!.onset / FS).toBeCloseTo(1 + 0.6 * tau, 1);
    expect(flexion!.offset / FS).toBeCloseTo(1 + 0.6 * (1 - tau), 1);
    expect(extension!.onset / FS).toBeCloseTo(2.4 + 0.6 * tau, 1);
    expect(extension!.offset / FS).toBeCloseTo(2.4 + 0.6 * (1 - tau), 1);
    // The bounding samples are the first below the threshold, and everything inside is at or above it.
    for (const span of [flexion!, extension!]) {
      const speed = speedProfile(velocity, span);
      const given = new Float64Array(speed.length).fill(NaN);
      expect(speedProfile(velocity, span, given)).toBe(given);
      expect(Array.from(given)).toEqual(Array.from(speed));
      expect(() => speedProfile(velocity, span, new Float64Array(speed.length + 1))).toThrow(RangeError);
      const peak = Math.max(...speed);
      expect(speed[0]!).toBeLessThan(MOVEMENT_ONSET_SHARE * peak);
      expect(speed[speed.length - 1]!).toBeLessThan(MOVEMENT_ONSET_SHARE * peak);
      expect(Math.min(...speed.slice(1, -1))).toBeGreaterThanOrEqual(MOVEMENT_ONSET_SHARE * peak);
    }
  });

  it('gives each movement the SPARC of one discrete movement, where the whole repetition measures the hold', () => {
    const { flexion, extension } = splitRepetition(x, velocity, reps[0]!);
    for (const span of [flexion!, extension!]) {
      const s = sparc(speedProfile(velocity, span), FS);
      expect(s).toBeGreaterThan(-1.7);
      expect(s).toBeLessThan(-1.3);
    }
    // Flexion, hold and extension as one speed profile: two lobes, far less "smooth".
    const whole = speedProfile(velocity, { onset: reps[0]!.start, offset: reps[0]!.end });
    expect(sparc(whole, FS)).toBeLessThan(-3);
  });

  it('keeps a pause between sub-movements halfway up inside the flexion', () => {
    // 35° in 0.4 s, a 0.3 s pause at 45°, then 25° more.
    const paused = angle(4, [[1, 0.4, 35], [1.7, 0.4, 25], [2.8, 0.6, -60]]);
    const r = repetitionsOf(paused);
    const { flexion } = splitRepetition(paused, r.velocity, r.reps[0]!);
    expect(flexion!.onset / FS).toBeLessThan(1.1);
    expect(flexion!.offset / FS).toBeGreaterThan(2.0);
  });

  it("leaves a neighbour's co-movement in the rest before the flexion out", () => {
    // A fast 6° bump (a neighbouring finger's prompt) 0.6 s before the finger's own flexion.
    const bumped = angle(4, [[0.3, 0.25, 6], [0.55, 0.25, -6], [1.2, 0.6, 60], [2.6, 0.6, -60]]);
    const r = repetitionsOf(bumped);
    expect(r.reps).toHaveLength(1);
    const { flexion } = splitRepetition(bumped, r.velocity, r.reps[0]!);
    expect(flexion!.onset / FS).toBeGreaterThan(1.2);
  });
});

describe('range of motion over prompted movements', () => {
  // Five minutes of rest with three prompted 50° flexions of 1.5 s each.
  const prompts = [20_000, 150_000, 280_000];
  const x = angle(300, prompts.flatMap((t) => [[t / 1000 + 0.3, 0.5, 50], [t / 1000 + 1.3, 0.5, -50]] as const));

  it('measures the excursion of each prompted movement, however rarely the finger was prompted', () => {
    const excursions = promptedExcursions(x, 0, FS, prompts);
    expect(excursions).toHaveLength(3);
    for (const e of excursions) expect(e).toBeCloseTo(50, 6);
    expect(promptedRangeOfMotion(x, 0, FS, prompts)).toBeCloseTo(50, 6);
    // The session-wide 5th–95th percentile spread sees a finger at rest 99% of the time.
    expect(rangeOfMotion(x)).toBeLessThan(1);
  });

  it('counts an unanswered prompt as no excursion, skips windows outside the data and cuts the last at its end', () => {
    expect(promptedExcursions(x, 0, FS, [10_000])).toEqual([0]);
    // The data begin 100 samples (1 s) in: a prompt at 0.5 s has no window.
    expect(promptedExcursions(x.subarray(100), 100, FS, [500, 20_000])).toEqual([expect.closeTo(50, 6)]);
    // A window running past the data is cut at its end: the rise so far counts.
    // Cut at 20.6 s, 60% into the flexion (minimum jerk: 68% of its 50°).
    expect(promptedExcursions(x.subarray(0, 2_061), 0, FS, [20_000])[0]).toBeCloseTo(50 * mjPosition(0.6), 6);
    expect(promptedRangeOfMotion(x, 0, FS, [])).toBeNaN();
  });
});

describe('analyzeSession smoothness per movement', () => {
  const analysis = analyzeSession(synthesizeSession({ seed: 21, durationS: 60, impairment: 0 }));

  it("reports per finger the medians over flexions and over extensions, in a healthy hand's discrete-movement range", () => {
    expect(analysis.status).toBe('ok');
    const fingers = Object.values(analysis.metrics!.fingers).filter((f) => f.repetitions > 0);
    expect(fingers.length).toBeGreaterThan(3);
    for (const f of fingers) {
      for (const v of [f.sparc, f.sparcFlexion, f.sparcExtension]) {
        // Balasubramanian et al. 2015: about −1.4 to −1.6 for a minimum-jerk movement.
        expect(v).toBeGreaterThan(-2);
        expect(v).toBeLessThan(-1.3);
      }
      for (const v of [f.ldlj, f.ldljFlexion, f.ldljExtension]) expect(v).toBeLessThan(0);
    }
    const o = analysis.metrics!.overall;
    expect(o.sparcFlexion).not.toBeNull();
    expect(o.sparcExtension).not.toBeNull();
  });

  it('reports a prompted range of motion near the excursion the model makes (70° when healthy)', () => {
    const o = analysis.metrics!.overall;
    expect(o.rangeOfMotionDeg).toBeGreaterThan(60);
    expect(o.rangeOfMotionDeg).toBeLessThan(80);
    expect(analysis.notes.filter((n) => n.code === 'range-of-motion-unprompted')).toEqual([]);
  });
});

describe('analyzeSession range of motion for a finger never prompted', () => {
  it('falls back to the session-wide 5th–95th percentile spread and says so', () => {
    // Only the index finger is prompted (and flexes 10° → 60°); the others are still.
    const analysis = analyzeSession(smallSession());
    const unprompted = analysis.notes.filter((n) => n.code === 'range-of-motion-unprompted').map((n) => n.message.split(':')[0]);
    expect(unprompted).toEqual(['thumb', 'middle', 'ring', 'little']);
    expect(analysis.metrics!.fingers.thumb.rangeOfMotionDeg).toBe(0);
    // The index finger's excursion after its prompt at 0.2 s: the angle from there up to the top.
    expect(analysis.metrics!.fingers.index.rangeOfMotionDeg).toBeGreaterThan(44);
    expect(analysis.metrics!.fingers.index.rangeOfMotionDeg).toBeLessThan(50);
  });
});
