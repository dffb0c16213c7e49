import { describe, expect, it } from 'vitest';
import { tremorShare, tremorShareInPlace, tremorShareOfClean } from '../src/metrics/tremor.js';
import { cleanSeries } from '../src/signal/cleanSeries.js';

const sine = (n: number, fs: number, f: number, a = 1, phase = 0): Float64Array =>
  Float64Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / fs + phase));

const add = (a: Float64Array, b: Float64Array): Float64Array => a.map((v, i) => v + (b[i] as number));

const FS = 100;
const N = 3000; // 30 s

describe('tremorShare', () => {
  it('is near 1 for a pure 6 Hz sine (inside 4–12 Hz)', () => {
    expect(tremorShare([sine(N, FS, 6)], FS)).toBeGreaterThan(0.95);
  });

  it('is near 0 for a pure 1 Hz sine (voluntary movement band)', () => {
    expect(tremorShare([sine(N, FS, 1)], FS)).toBeLessThan(0.05);
  });

  it('is about 0.5 for 6 Hz + 1 Hz of equal amplitude', () => {
    // Equal amplitudes carry equal power (a²/2 each).
    expect(tremorShare([add(sine(N, FS, 6), sine(N, FS, 1))], FS)).toBeCloseTo(0.5, 1);
    expect(Math.abs(tremorShare([add(sine(N, FS, 6), sine(N, FS, 1))], FS) - 0.5)).toBeLessThan(0.05);
  });

  it('gives exactly 5/6 for a bin-centred 4 Hz sine (band edges are inclusive)', () => {
    // fs = 128 Hz, L = 256 → bins every 0.5 Hz, 4 Hz is bin 8 and every segment
    // holds whole periods. The periodic Hann window is 1/2 − (e^(iθ) + e^(−iθ))/4,
    // so the windowed spectrum is X_8/2 at bin 8 and −X_8/4 at bins 7 and 9:
    // powers 1/16 : 1/4 : 1/16 = 1/6 : 4/6 : 1/6 at 3.5, 4, 4.5 Hz.
    const x = sine(128 * 30, 128, 4, 2, 0.3);
    expect(tremorShare([x], 128)).toBeCloseTo(5 / 6, 9); // bins 8 and 9 (4 Hz included)
    expect(tremorShare([x], 128, { bandHz: [4.5, 12] })).toBeCloseTo(1 / 6, 9); // bin 9 only
    expect(tremorShare([x], 128, { bandHz: [3.5, 4.5] })).toBeCloseTo(1, 9); // all three
    expect(tremorShare([x], 128, { bandHz: [5, 12] })).toBeCloseTo(0, 9);
  });

  it('sums power over axes, each axis scaled to its own signal power', () => {
    // x: 6 Hz amplitude 1 (power 1/2), z: 1 Hz amplitude 1 (power 1/2), y still.
    const axes = [sine(N, FS, 6), new Float64Array(N), sine(N, FS, 1)];
    expect(Math.abs(tremorShare(axes, FS) - 0.5)).toBeLessThan(0.05);
    // Different lengths (3000 vs 1000 samples) must not weigh an axis by its segment count.
    expect(Math.abs(tremorShare([sine(3000, FS, 6), sine(1000, FS, 1)], FS) - 0.5)).toBeLessThan(0.05);
    // Amplitude 2 at 6 Hz vs 1 at 1 Hz: powers 2 and 1/2 → share 0.8.
    expect(Math.abs(tremorShare([sine(N, FS, 6, 2), sine(N, FS, 1)], FS) - 0.8)).toBeLessThan(0.05);
  });

  it('ignores the mean (gyroscope bias)', () => {
    const x = sine(N, FS, 6);
    const biased = x.map((v) => v + 40);
    expect(tremorShare([biased], FS)).toBeCloseTo(tremorShare([x], FS), 6);
  });

  it('handles missing samples: trims the ends, interpolates interior gaps', () => {
    const x = Array.from(sine(N, FS, 6));
    const gappy = [NaN, NaN, ...x, NaN];
    expect(tremorShare([gappy], FS)).toBe(tremorShare([x], FS));
    // A few interior gaps barely change a 6 Hz tremor share.
    for (const i of [100, 101, 1500, 2999 - 5]) gappy[i + 2] = NaN;
    expect(tremorShare([gappy], FS)).toBeGreaterThan(0.95);
  });

  it('works with short signals by shrinking the segment (down to 32 samples)', () => {
    // 48 samples → L = 32, bins every 3.125 Hz; 6.25 Hz is bin 2 with whole periods
    // per segment, so as above the Hann window spreads it 1/6 : 4/6 : 1/6 over
    // 3.125, 6.25, 9.375 Hz, and the band takes the last two: 5/6.
    expect(tremorShare([sine(48, FS, 6.25)], FS)).toBeCloseTo(5 / 6, 9);
    expect(tremorShare([sine(31, FS, 6)], FS)).toBeNaN();
  });

  it('is NaN for zero or constant signals, no axes, or fs below 24 Hz', () => {
    expect(tremorShare([new Float64Array(N)], FS)).toBeNaN();
    expect(tremorShare([new Float64Array(N).fill(0.1), new Float64Array(N).fill(-3)], FS)).toBeNaN();
    expect(tremorShare([], FS)).toBeNaN();
    // 12 Hz upper edge > Nyquist 10 Hz.
    expect(tremorShare([sine(N, 20, 6)], 20)).toBeNaN();
    expect(tremorShare([sine(N, 24, 6)], 24)).toBeGreaterThan(0.95); // Nyquist exactly 12 Hz is fine
    expect(tremorShare([sine(N, FS, 6)], NaN)).toBeNaN();
    expect(tremorShare([sine(N, FS, 6)], FS, { bandHz: [12, 4] })).toBeNaN();
    expect(tremorShare([sine(N, FS, 6), [NaN, NaN]], FS)).toBeNaN(); // an axis with no samples
  });
});

describe('tremorShareInPlace', () => {
  it('gives exactly what tremorShare gives, with gaps, bias and several axes', () => {
    const axes = [add(sine(N, FS, 6, 2), sine(N, FS, 1, 3)), add(sine(N, FS, 9, 1), new Float64Array(N).fill(40)), sine(N - 7, FS, 2, 5)];
    for (const [i, axis] of axes.entries()) axis.fill(NaN, 100 * (i + 1), 100 * (i + 1) + 13).fill(NaN, 0, i);
    const expected = tremorShare(axes, FS);
    expect(expected).toBeGreaterThan(0);
    expect(tremorShareInPlace(axes.map((a) => a.slice()), FS)).toBe(expected);
    expect(tremorShareInPlace(axes.map((a) => a.slice()), FS, { bandHz: [5, 10], segmentLength: 128 })).toBe(tremorShare(axes, FS, { bandHz: [5, 10], segmentLength: 128 }));
    // Axes cleaned beforehand: the same again, without cleaning them a second time.
    expect(tremorShareOfClean(axes.map((a) => cleanSeries(a).values), FS)).toBe(expected);
  });
});
