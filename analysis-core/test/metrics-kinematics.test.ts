import { describe, expect, it } from 'vitest';
import { peakSpeed, peakVelocity } from '../src/metrics/peakVelocity.js';
import { rangeOfMotion } from '../src/metrics/rangeOfMotion.js';
import { reactionTimes, reactionTimesFromVelocity } from '../src/metrics/reactionTimes.js';
import { detectRepetitions, findRepetitions, meanRepetitionDurationS } from '../src/metrics/repetitions.js';

const FS = 100;

/** Rest at 0, then one full raised-cosine bump per duration (s), back to back, then rest; amplitude `a` deg. */
function bumps(durationsS: number[], a: number, restS: number): { x: Float64Array; starts: number[]; peaks: number[]; ends: number[] } {
  const rest = Math.round(restS * FS);
  const lens = durationsS.map((d) => Math.round(d * FS));
  const x = new Float64Array(2 * rest + lens.reduce((s, l) => s + l, 0));
  const starts: number[] = [];
  const peaks: number[] = [];
  const ends: number[] = [];
  let at = rest;
  for (const len of lens) {
    for (let i = 0; i <= len; i++) x[at + i] = (a * (1 - Math.cos((2 * Math.PI * i) / len))) / 2;
    starts.push(at);
    peaks.push(at + len / 2);
    ends.push(at + len);
    at += len;
  }
  return { x, starts, peaks, ends };
}

/** Deterministic uniform noise in [-amp, amp] (a fixed linear congruential generator). */
function noise(n: number, amp: number, seed = 12345): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = amp * (2 * (s / 2 ** 32) - 1);
  }
  return out;
}

describe('rangeOfMotion', () => {
  it('is 90 on the ramp 0..100 (type 7: 95th = 95, 5th = 5)', () => {
    const ramp = Array.from({ length: 101 }, (_, i) => i);
    expect(rangeOfMotion(ramp)).toBe(90);
    // Order does not matter.
    expect(rangeOfMotion(ramp.slice().reverse())).toBe(90);
  });

  it('ignores dropouts: the interpolated ramp gives the same 90', () => {
    const ramp = Array.from({ length: 101 }, (_, i) => i) as number[];
    const holed = [NaN, NaN, ...ramp.map((v, i) => (i % 7 === 3 ? NaN : v)), NaN];
    expect(rangeOfMotion(holed)).toBeCloseTo(90, 12);
  });

  it("treats edge inputs as numpy's percentile difference does: one sample or a constant 0, no finite sample NaN", () => {
    // numpy: percentile([2.0], 95) − percentile([2.0], 5) = 0.0; of all-NaN: nan; of []: raises.
    expect(rangeOfMotion([NaN, 5, NaN])).toBe(0);
    expect(rangeOfMotion([3, 3, 3])).toBe(0);
    expect(rangeOfMotion([1, 2])).toBeCloseTo(0.9, 12);
    expect(rangeOfMotion([1, 2, 1])).toBeCloseTo(0.9, 12);
    expect(rangeOfMotion([])).toBeNaN();
    expect(rangeOfMotion([NaN, NaN, NaN, NaN, NaN])).toBeNaN();
  });

  it('does not modify its input', () => {
    const x = new Float64Array([5, 1, 3]);
    rangeOfMotion(x);
    expect(Array.from(x)).toEqual([5, 1, 3]);
  });
});

describe('peakVelocity', () => {
  // A = 30 deg at f = 1 Hz: analytic peak 2πfA = 188.50 deg/s. The central difference scales a sine by
  // sin(ωΔ)/(ωΔ) = 0.99934 (ωΔ = 2π/100), the filter by 1/(1 + (1/10)^4) = 0.9999, and cos hits 1 exactly
  // on samples (0, 100, ...): expected 188.35, so 0.2 % is a fair tolerance.
  const expected = 2 * Math.PI * 1 * 30;
  const sine = Float64Array.from({ length: 1000 }, (_, i) => 30 * Math.sin((2 * Math.PI * i) / FS));

  it('is 2πfA for a sine', () => {
    const v = peakVelocity(sine, FS);
    expect(Math.abs(v / expected - 1)).toBeLessThan(0.002);
  });

  it('is not dominated by 40 Hz sensor noise', () => {
    // Unfiltered, a 2 deg 40 Hz ripple alone has a discrete slope of 2·fs·sin(2π·0.4) = 190 deg/s; after the
    // filter (gain ≈ 0.0039) it adds under 1 deg/s. Allow 1 %.
    const noisy = sine.map((v, i) => v + 2 * Math.sin(2 * Math.PI * 0.4 * i));
    expect(Math.abs(peakVelocity(noisy, FS) / expected - 1)).toBeLessThan(0.01);
    // And the filter is what makes the difference: without it (cutoff at Nyquist) the peak is far off.
    expect(peakVelocity(noisy, FS, { cutoffHz: 50 })).toBeGreaterThan(expected * 1.5);
  });

  it('survives a dropout', () => {
    const holed = Float64Array.from(sine);
    // Interpolating 3 samples around a peak (at 25, value 30) flattens it a little but leaves the steep parts intact.
    holed[24] = NaN;
    holed[25] = NaN;
    holed[26] = NaN;
    holed[0] = NaN;
    expect(Math.abs(peakVelocity(holed, FS) / expected - 1)).toBeLessThan(0.002);
  });

  it('is 0 for a constant and NaN with fewer than 3 samples or a bad rate', () => {
    expect(peakVelocity(new Float64Array(200).fill(12), FS)).toBe(0);
    expect(peakVelocity([1, 2], FS)).toBeNaN();
    expect(peakVelocity([NaN, 1, 2, NaN], FS)).toBeNaN();
    expect(peakVelocity(sine, 0)).toBeNaN();
  });
});

describe('peakSpeed', () => {
  it('is the largest |value|', () => {
    expect(peakSpeed([1, -5, 3])).toBe(5);
    expect(peakSpeed([])).toBe(0);
    expect(peakSpeed([1, NaN, 3])).toBeNaN();
  });

  it('finds the peak, or a NaN, wherever it lies in a longer profile', () => {
    for (let n = 1; n <= 11; n++) {
      for (let at = 0; at < n; at++) {
        const values = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 1 : -2) * (i + 1) * 0.01);
        values[at] = at % 2 === 0 ? -9 : 9;
        expect(peakSpeed(Float64Array.from(values))).toBe(9);
        values[at] = NaN;
        expect(peakSpeed(Float64Array.from(values))).toBeNaN();
      }
    }
  });
});

describe('findRepetitions (detection on an already filtered signal)', () => {
  it('walks a hand-made signal', () => {
    // fs = 10, hysteresis 10. Trough 0@0; rise to 12@2 arms; peak 20@3; 9@5 is 11 below → peak accepted;
    // trough 3@6; 25@8 is 22 above → rep (0, 3, 6) closed; peak 30@9; 19@10 is 11 below → accepted;
    // trough 2@11 at the end → rep (6, 9, 11). Offset 5 shifts all indices.
    const y = [0, 5, 12, 20, 15, 9, 3, 8, 25, 30, 19, 2];
    expect(findRepetitions(y, 5, 10, { minDurationS: 0 })).toEqual([
      { start: 5, peak: 8, end: 11, durationS: 0.6 },
      { start: 11, peak: 14, end: 16, durationS: 0.5 },
    ]);
    // 0.55 s minimum drops the second.
    expect(findRepetitions(y, 0, 10, { minDurationS: 0.55 }).length).toBe(1);
    // Without the final fall (drop the last two samples) the second peak is not a repetition.
    expect(findRepetitions(y.slice(0, 10), 0, 10, { minDurationS: 0 }).length).toBe(1);
  });
});

describe('detectRepetitions', () => {
  it('finds N back-to-back raised-cosine bumps with their start, peak and end', () => {
    const { x, starts, peaks, ends } = bumps([1, 1.5, 0.8, 1.2], 60, 0.5);
    const reps = detectRepetitions(x, FS);
    expect(reps.length).toBe(4);
    reps.forEach((r, k) => {
      // The filter leaves these smooth bumps nearly untouched, so every extremum stays within 2 samples.
      expect(Math.abs(r.start - (starts[k] as number))).toBeLessThanOrEqual(2);
      expect(Math.abs(r.peak - (peaks[k] as number))).toBeLessThanOrEqual(2);
      expect(Math.abs(r.end - (ends[k] as number))).toBeLessThanOrEqual(2);
      expect(r.durationS).toBe((r.end - r.start) / FS);
    });
    // Durations 1, 1.5, 0.8, 1.2 s: mean 1.125 s, each within 4 samples (0.04 s).
    expect(Math.abs(meanRepetitionDurationS(reps) - 1.125)).toBeLessThanOrEqual(0.04);
  });

  it('finds bumps separated by rest, each trough inside the rest before/after', () => {
    // Bumps of 1 s with 1 s of rest in between: the trough is wherever the rest is lowest.
    const len = 100;
    const x = new Float64Array(7 * len);
    for (const s of [len, 3 * len, 5 * len]) {
      for (let i = 0; i <= len; i++) x[s + i] = 25 * (1 - Math.cos((2 * Math.PI * i) / len));
    }
    const reps = detectRepetitions(x, FS);
    expect(reps.map((r) => r.peak)).toEqual([150, 350, 550]);
    reps.forEach((r) => {
      expect(r.start).toBeLessThanOrEqual(r.peak - 48);
      expect(r.end).toBeGreaterThanOrEqual(r.peak + 48);
    });
    // Consecutive repetitions share their trough.
    expect(reps[0]?.end).toBe(reps[1]?.start);
    expect(reps[1]?.end).toBe(reps[2]?.start);
  });

  it('counts nothing in noise below the hysteresis', () => {
    // ±4 deg noise: at most 8 deg peak to peak, and low-pass filtering only shrinks it.
    const x = noise(3000, 4).map((v) => v + 40);
    expect(detectRepetitions(x, FS)).toEqual([]);
    // The same noise on top of real bumps does not add or remove any repetition.
    const { x: clean } = bumps([1, 1, 1], 60, 0.5);
    const n = noise(clean.length, 4);
    expect(detectRepetitions(clean.map((v, i) => v + (n[i] as number)), FS).length).toBe(3);
  });

  it('applies the hysteresis to both the rise and the fall', () => {
    expect(detectRepetitions(bumps([1, 1], 8, 0.5).x, FS, { hysteresisDeg: 10 })).toEqual([]);
    expect(detectRepetitions(bumps([1, 1], 12, 0.5).x, FS, { hysteresisDeg: 10 }).length).toBe(2);
    expect(detectRepetitions(bumps([1, 1], 12, 0.5).x, FS, { hysteresisDeg: 15 })).toEqual([]);
    // The default (15 degrees) leaves co-movement of neighbouring fingers out.
    expect(detectRepetitions(bumps([1, 1], 12, 0.5).x, FS)).toEqual([]);
    expect(detectRepetitions(bumps([1, 1], 18, 0.5).x, FS).length).toBe(2);
  });

  it('does not count a final peak that never falls back', () => {
    const { x } = bumps([1], 60, 0.5);
    // After the bump, rise to 60 and hold until the end (a half cosine up, then flat).
    const tail = Float64Array.from({ length: 300 }, (_, i) => (i < 50 ? 30 * (1 - Math.cos((Math.PI * i) / 50)) : 60));
    const y = new Float64Array(x.length + tail.length);
    y.set(x);
    y.set(tail, x.length);
    expect(detectRepetitions(y, FS).length).toBe(1);
    // Falling back by only 5 deg (< 10) is still not a repetition.
    const y2 = Float64Array.from(y);
    for (let i = y2.length - 100; i < y2.length; i++) y2[i] = 55;
    expect(detectRepetitions(y2, FS).length).toBe(1);
  });

  it('drops repetitions shorter than minDurationS', () => {
    // 1 s bump, a 0.05 s spike, 1 s bump, back to back. The 10 Hz low-pass spreads the spike over a few
    // more samples on each side (its smoothing kernel is ~0.1 s wide) but leaves it well under 0.15 s between
    // its troughs, and still far more than 10 deg high.
    const { x } = bumps([1, 0.05, 1], 60, 0.5);
    expect(detectRepetitions(x, FS).length).toBe(2);
    expect(detectRepetitions(x, FS, { minDurationS: 0 }).length).toBe(3);
  });

  it('reports indices in input coordinates when leading samples are missing', () => {
    const { x, peaks } = bumps([1, 1], 60, 0.5);
    const shifted = [NaN, NaN, NaN, NaN, NaN, NaN, NaN, ...x, NaN];
    const a = detectRepetitions(x, FS);
    const b = detectRepetitions(shifted, FS);
    expect(b.length).toBe(2);
    b.forEach((r, k) => {
      expect(r.start).toBe((a[k]?.start as number) + 7);
      expect(r.peak).toBe((a[k]?.peak as number) + 7);
      expect(r.end).toBe((a[k]?.end as number) + 7);
      expect(Math.abs(r.peak - ((peaks[k] as number) + 7))).toBeLessThanOrEqual(2);
    });
  });

  it('bridges an interior dropout', () => {
    const { x } = bumps([1, 1, 1], 60, 0.5);
    for (let i = 140; i < 150; i++) x[i] = NaN; // on the rising flank of the first bump
    expect(detectRepetitions(x, FS).length).toBe(3);
  });

  it('returns nothing for too little data or bad options', () => {
    expect(detectRepetitions([], FS)).toEqual([]);
    expect(detectRepetitions([0, 50], FS)).toEqual([]);
    const { x } = bumps([1], 60, 0.5);
    expect(detectRepetitions(x, 0)).toEqual([]);
    expect(detectRepetitions(x, FS, { hysteresisDeg: 0 })).toEqual([]);
    expect(meanRepetitionDurationS([])).toBeNaN();
  });
});

describe('reactionTimes', () => {
  // Rest at 0, then at `onsetMs` a half-cosine flexion of A = 60 deg over D = 500 ms, then hold.
  // Speed = (Aπ/2D)·sin(πτ/D): peak 188 deg/s at τ = D/2; it reaches 10 % of the peak at
  // τ = D·asin(0.1)/π = 15.9 ms after the movement starts.
  const D = 500;
  const OFFSET_MS = (D * Math.asin(0.1)) / Math.PI;
  function flexAt(onsetMs: number, totalMs: number): Float64Array {
    const n = Math.round((totalMs * FS) / 1000);
    return Float64Array.from({ length: n }, (_, i) => {
      const tau = (i * 1000) / FS - onsetMs;
      if (tau <= 0) return 0;
      if (tau >= D) return 60;
      return 30 * (1 - Math.cos((Math.PI * tau) / D));
    });
  }

  it('measures a 300 ms response to within one sample of 300 + 15.9 ms', () => {
    const x = flexAt(1300, 6000);
    const rt = reactionTimes([1000], x, FS);
    expect(rt.length).toBe(1);
    expect(Math.abs((rt[0] as number) - (300 + OFFSET_MS))).toBeLessThanOrEqual(1000 / FS);
  });

  it('handles a prompt between samples', () => {
    // Prompt at 1004 ms: the movement starts 296 ms later.
    const rt = reactionTimes([1004], flexAt(1300, 6000), FS);
    expect(Math.abs((rt[0] as number) - (296 + OFFSET_MS))).toBeLessThanOrEqual(1000 / FS);
  });

  it('gives NaN with no movement in the window, and for windows off the data', () => {
    const x = flexAt(1300, 6000);
    // 3000 ms: the finger is held still. 5000 ms: the window (to 6500 ms) runs off the 6 s recording. NaN prompt.
    const rt = reactionTimes([1000, 3000, 5000, NaN], x, FS);
    expect(rt[0]).toBeGreaterThan(0);
    expect(rt[1]).toBeNaN();
    expect(rt[2]).toBeNaN();
    expect(rt[3]).toBeNaN();
    expect(Array.from(reactionTimes([1000], new Float64Array(600).fill(20), FS))).toEqual([NaN]);
  });

  it('needs a peak speed of at least minPeakDegS', () => {
    // A 5 deg flexion over 500 ms peaks at 5π/1 ≈ 15.7 deg/s < 30.
    const small = flexAt(1300, 6000).map((v) => v / 12);
    expect(reactionTimes([1000], small, FS)[0]).toBeNaN();
    expect(reactionTimes([1000], small, FS, { minPeakDegS: 10 })[0]).toBeGreaterThan(0);
  });

  it('interpolates dropouts and is NaN outside the recorded range', () => {
    const x = flexAt(1300, 6000);
    const holed = Float64Array.from(x);
    for (let i = 110; i < 125; i++) holed[i] = NaN; // 1100..1240 ms, all at rest: interpolates to 0
    for (let i = 0; i < 50; i++) holed[i] = NaN; // first 500 ms missing
    const rt = reactionTimes([1000, 200], holed, FS);
    expect(Math.abs((rt[0] as number) - (300 + OFFSET_MS))).toBeLessThanOrEqual(1000 / FS);
    expect(rt[1]).toBeNaN(); // prompt before the first recorded sample
  });

  it('does not take a movement already under way at the prompt as the response', () => {
    // A movement starts at 900 ms (still fast at the 1000 ms prompt), a second one at 2000 ms from 60 back to 0.
    const x = flexAt(900, 6000);
    for (let i = 0; i < x.length; i++) {
      const tau = (i * 1000) / FS - 2000;
      if (tau > 0) x[i] = tau >= D ? 0 : 30 * (1 + Math.cos((Math.PI * tau) / D));
    }
    const rt = reactionTimes([1000], x, FS, { windowMs: 1500 });
    expect(Math.abs((rt[0] as number) - (1000 + OFFSET_MS))).toBeLessThanOrEqual(1000 / FS);
  });

  it('reactionTimesFromVelocity: onset on a hand-made velocity profile', () => {
    // fs = 100. Velocity 0 except a ramp 0, 10, ..., 90 on samples 120..129 and 100 on 130..140.
    // Prompt at 1000 ms → window samples 100..250; peak 100, threshold 10, first reached at sample 121
    // (1210 ms) → 210 ms. The sign does not matter (extension is negative velocity).
    const v = new Float64Array(400);
    for (let i = 0; i < 10; i++) v[120 + i] = 10 * i;
    v.fill(100, 130, 141);
    expect(Array.from(reactionTimesFromVelocity([1000], v, 0, FS))).toEqual([210]);
    expect(Array.from(reactionTimesFromVelocity([1000], v.map((a) => -a), 0, FS))).toEqual([210]);
    // With offset 20 the same samples sit 200 ms later; a prompt before the offset is unknown.
    expect(Array.from(reactionTimesFromVelocity([1000, 100], v, 20, FS))).toEqual([410, NaN]);
  });

  it('returns all NaN for bad parameters', () => {
    const x = flexAt(1300, 6000);
    expect(reactionTimes([1000], x, 0)[0]).toBeNaN();
    expect(reactionTimes([1000], x, FS, { thresholdShare: 0 })[0]).toBeNaN();
    expect(reactionTimes([1000], [], FS)[0]).toBeNaN();
    expect(reactionTimes([], x, FS).length).toBe(0);
  });
});
