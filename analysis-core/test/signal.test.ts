import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanSeries, cleanSeriesInPlace } from '../src/signal/cleanSeries.js';
import { derivative, derivativeWithPeak } from '../src/signal/derivative.js';
import { peakSpeed } from '../src/metrics/peakVelocity.js';
import { lowPass, lowPassEach } from '../src/signal/lowPass.js';
import { KeptViews } from '../src/signal/keptViews.js';
import { median, percentile, percentileInPlace, percentileSorted } from '../src/signal/percentile.js';

const sine = (n: number, fs: number, f: number, a: number): Float64Array =>
  Float64Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / fs));

/** Largest |x| over indices [from, to). */
const maxAbs = (x: ArrayLike<number>, from = 0, to = x.length): number => {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(x[i] as number));
  return m;
};

describe('cleanSeries', () => {
  it('trims leading and trailing NaN and reports the offset', () => {
    const r = cleanSeries([NaN, NaN, 1, 2, 3, NaN]);
    expect(Array.from(r.values)).toEqual([1, 2, 3]);
    expect(r.offset).toBe(2);
    expect(r.interpolated).toBe(0);
  });

  it('interpolates interior runs linearly', () => {
    // 0 then two gaps then 3: the straight line through (0,0) and (3,3) gives 1 and 2; 10 _ 20 gives 15.
    const r = cleanSeries([0, NaN, NaN, 3, 10, NaN, 20]);
    expect(Array.from(r.values)).toEqual([0, 1, 2, 3, 10, 15, 20]);
    expect(r.offset).toBe(0);
    expect(r.interpolated).toBe(3);
  });

  it('treats infinities as missing', () => {
    const r = cleanSeries([Infinity, 2, -Infinity, 4]);
    expect(Array.from(r.values)).toEqual([2, 3, 4]);
    expect(r.offset).toBe(1);
  });

  it('gives an empty array for empty and all-NaN input', () => {
    for (const x of [[], [NaN, NaN], new Float64Array(3).fill(NaN)]) {
      const r = cleanSeries(x);
      expect(r.values.length).toBe(0);
      expect(r.offset).toBe(0);
    }
  });

  it('returns a copy, never the input', () => {
    const x = new Float64Array([1, 2, 3]);
    const r = cleanSeries(x);
    r.values[0] = 99;
    expect(x[0]).toBe(1);
  });
});

describe('cleanSeriesInPlace', () => {
  it('gives what cleanSeries gives, as a view of the input with its gaps filled', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constant(NaN), fc.constant(Infinity)), { maxLength: 60 }), (list) => {
        const x = Float64Array.from(list);
        const copied = cleanSeries(x);
        const r = cleanSeriesInPlace(x);
        expect(r.offset).toBe(copied.offset);
        expect(r.interpolated).toBe(copied.interpolated);
        expect(Array.from(r.values)).toEqual(Array.from(copied.values));
        if (r.values.length > 0) {
          expect(r.values.buffer).toBe(x.buffer);
          expect(Array.from(x.subarray(r.offset, r.offset + r.values.length))).toEqual(Array.from(copied.values));
        }
      }),
    );
  });
});

describe('percentile (type 7)', () => {
  it('matches hand values', () => {
    // n = 4, h = 3·p. p = 0.05 → h = 0.15 → 1 + 0.15·(2 − 1) = 1.15.
    expect(percentile([1, 2, 3, 4], 0.05)).toBeCloseTo(1.15, 12);
    // p = 0.95 → h = 2.85 → 3 + 0.85 = 3.85.
    expect(percentile([4, 3, 2, 1], 0.95)).toBeCloseTo(3.85, 12);
    expect(percentile([5, 1, 3], 0)).toBe(1);
    expect(percentile([5, 1, 3], 1)).toBe(5);
    // h = 2·0.25 = 0.5 → halfway between 1 and 3.
    expect(percentile([5, 1, 3], 0.25)).toBe(2);
    expect(percentileSorted([10, 20], 0.3)).toBeCloseTo(13, 12);
  });

  it('median: middle value, or mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('ignores NaN values and gives NaN when none is left or p is invalid', () => {
    expect(median([NaN, 1, 3, NaN])).toBe(2);
    expect(percentile([], 0.5)).toBeNaN();
    expect(percentile([NaN], 0.5)).toBeNaN();
    expect(percentile([1, 2], 1.5)).toBeNaN();
    expect(percentile([1, 2], -0.1)).toBeNaN();
    expect(percentile([1, 2], NaN)).toBeNaN();
  });

  it('does not modify its input', () => {
    const x = [3, 1, 2];
    percentile(x, 0.5);
    expect(x).toEqual([3, 1, 2]);
  });

  it('median([2, 1]) is 1.5: selection orders a range of two', () => {
    expect(median([2, 1])).toBe(1.5);
    expect(median([79.6, 16.6, 73.9, 5.3, 34.7, 20.5])).toBeCloseTo(27.6, 12);
  });

  it('selection equals sorting on small random arrays, at any p', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (values, p) => {
      const sorted = Float64Array.from(values).sort();
      expect(percentile(values, p)).toBe(percentileSorted(sorted, p));
    }), { numRuns: 2000 });
  });

  it('percentileInPlace (selection) equals the sorted definition, also on duplicates and ordered input', () => {
    // Quantised pseudo-random values (many ties), an ascending and a descending ramp, an all-equal array.
    let seed = 7;
    const lcg = Float64Array.from({ length: 1001 }, () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return Math.round((seed / 2 ** 32) * 40) / 2;
    });
    const inputs = [
      lcg,
      Float64Array.from({ length: 500 }, (_, i) => i),
      Float64Array.from({ length: 500 }, (_, i) => -i),
      new Float64Array(64).fill(3),
    ];
    for (const x of inputs) {
      const sorted = Float64Array.from(x).sort();
      const work = Float64Array.from(x);
      for (const p of [0, 0.05, 0.25, 0.5, 0.95, 0.999, 1]) {
        expect(percentileInPlace(work, p)).toBe(percentileSorted(sorted, p));
      }
      // Reordered, not changed.
      expect(Float64Array.from(work).sort()).toEqual(sorted);
    }
    // Hand value: [4, 1, 3, 2] at p = 0.05 is 1.15, as above.
    expect(percentileInPlace(new Float64Array([4, 1, 3, 2]), 0.05)).toBeCloseTo(1.15, 12);
    expect(percentileInPlace(new Float64Array(0), 0.5)).toBeNaN();
  });
});

/**
 * The filter written plainly, one signal, no shared workspace: what
 * lowPass and lowPassEach must reproduce bit for bit, however they schedule
 * the work.
 */
function plainLowPass(x: ArrayLike<number>, fs: number, fc: number): Float64Array {
  const n = x.length;
  const k = Math.tan((Math.PI * fc) / fs);
  const k2 = k * k;
  const norm = 1 / (1 + Math.SQRT2 * k + k2);
  const b0 = k2 * norm;
  const b1 = 2 * b0;
  const b2 = b0;
  const a1 = 2 * (k2 - 1) * norm;
  const a2 = (1 - Math.SQRT2 * k + k2) * norm;
  const pad = Math.min(n - 1, Math.max(9, Math.ceil((3 * fs) / fc)));
  const ref = x[0] as number;
  const w = new Float64Array(n + 2 * pad);
  for (let i = 0; i < n; i++) w[pad + i] = (x[i] as number) - ref;
  for (let j = 1; j <= pad; j++) w[pad - j] = -(w[pad + j] as number);
  const end = pad + n - 1;
  for (let j = 1; j <= pad; j++) w[end + j] = 2 * (w[end] as number) - (w[end - j] as number);
  const run = (order: number[]): void => {
    const c = w[order[0] as number] as number;
    let z1 = (b1 + b2 - a1 - a2) * c;
    let z2 = (b2 - a2) * c;
    for (const i of order) {
      const xi = w[i] as number;
      const y = b0 * xi + z1;
      z1 = b1 * xi - a1 * y + z2;
      z2 = b2 * xi - a2 * y;
      w[i] = y;
    }
  };
  const forward = Array.from(w, (_, i) => i);
  run(forward);
  run(forward.reverse());
  return Float64Array.from({ length: n }, (_, i) => (w[pad + i] as number) + ref);
}

describe('lowPass (zero-phase 2nd-order Butterworth, forward + backward)', () => {
  it('gives the same output whatever was filtered before (its workspace is reused)', () => {
    const short = sine(500, 100, 3, 10).map((v, i) => v + (i % 7) * 0.1);
    const first = lowPass(short, 100, 10);
    lowPass(sine(20_000, 100, 1, 1e6), 100, 10);
    expect(Array.from(lowPass(short, 100, 10))).toEqual(Array.from(first));
  });

  it('filters several signals at once exactly as the plain filter does each, equal lengths or not', () => {
    const signal = (n: number, seed: number): Float64Array =>
      Float64Array.from({ length: n }, (_, i) => 40 * Math.sin(i / (9 + seed)) + ((i * (seed + 3)) % 11) * 0.37 - seed);
    // Two of one length, one longer, one shorter, one odd one out; five alike (three, then two), three alike
    // then two that differ, four alike (two pairs); and edge cases (a copy, too short for the pad).
    const groups = [[3000, 3000, 3100, 2950, 3000], [600, 600, 600, 600, 600], [800, 800, 800, 790, 810], [300, 300, 300, 300]];
    for (const lengths of [...groups, [500], [40, 41], [1, 2], [5, 700, 3], [2, 2, 2]]) {
      const xs = lengths.map((n, i) => signal(n, i));
      const outs = xs.map((x) => new Float64Array(x.length).fill(7));
      lowPassEach(xs, 100, 10, outs);
      outs.forEach((out, i) => {
        const x = xs[i] as Float64Array;
        const expected = x.length < 2 ? Array.from(x) : Array.from(plainLowPass(x, 100, 10));
        expect(Array.from(out)).toEqual(expected);
        expect(Array.from(lowPass(x, 100, 10))).toEqual(expected);
      });
    }
    expect(() => lowPassEach([new Float64Array(3)], 100, 10, [])).toThrow(RangeError);
  });

  it('writes into the array given, which may be the input, with the same values', () => {
    const x = sine(800, 100, 2, 5).map((v, i) => v + (i % 5));
    const expected = Array.from(lowPass(x, 100, 10));
    const out = new Float64Array(800).fill(7);
    expect(lowPass(x, 100, 10, out)).toBe(out);
    expect(Array.from(out)).toEqual(expected);
    const alias = x.slice();
    expect(Array.from(lowPass(alias, 100, 10, alias))).toEqual(expected);
    for (const [fs, fc] of [[100, 60], [-1, 10]] as const) {
      expect(Array.from(lowPass(x, fs, fc, new Float64Array(800).fill(7)))).toEqual(Array.from(lowPass(x, fs, fc)));
    }
  });

  const fs = 100;

  it('keeps a constant exactly', () => {
    const x = new Float64Array(500).fill(37.3);
    const y = lowPass(x, fs, 10);
    for (const v of y) expect(v).toBe(37.3);
  });

  it('passes 1 Hz: |H|² = 1/(1 + (1/10)^4) ≈ 0.9999, so amplitude within 1%', () => {
    // 10 whole periods: the sine is odd about both ends, so the point-reflected extension is the sine itself.
    const x = sine(1000, fs, 1, 20);
    const y = lowPass(x, fs, 10);
    expect(maxAbs(y)).toBeGreaterThan(20 * 0.99);
    expect(maxAbs(y)).toBeLessThan(20 * 1.01);
    // Zero phase: the output follows the input sample by sample.
    for (let i = 0; i < x.length; i++) expect(Math.abs((y[i] as number) - (x[i] as number))).toBeLessThan(0.2);
  });

  it('attenuates 40 Hz: |H|² = 1/(1 + (40/10)^4) ≈ 0.0039 < 0.01', () => {
    const x = sine(1000, fs, 40, 1);
    const y = lowPass(x, fs, 10);
    // Away from the edges, where the analogue-prototype gain holds; the bilinear transform only lowers it further.
    expect(maxAbs(y, 100, 900)).toBeLessThan(0.01);
  });

  it('does not shift a symmetric bump (zero phase)', () => {
    // Gaussian bump centred on sample 250: its filtered peak must stay on 250.
    const x = Float64Array.from({ length: 500 }, (_, i) => 50 * Math.exp(-(((i - 250) / 15) ** 2)));
    const y = lowPass(x, fs, 10);
    let arg = 0;
    for (let i = 1; i < y.length; i++) if ((y[i] as number) > (y[arg] as number)) arg = i;
    expect(arg).toBe(250);
  });

  it('follows a ramp up to the edges (point-reflected extension)', () => {
    const x = Float64Array.from({ length: 200 }, (_, i) => 3 + 0.5 * i);
    const y = lowPass(x, fs, 10);
    // A straight line has no content above DC, and its extension is the same line; only the causal pass's
    // start-up lag (slope · group delay ≈ 0.5 · 2.25 samples) could leak in, and it decays by the pole
    // radius (≈ 0.64) per sample over the 30-sample extension: far below 1e-3.
    for (let i = 0; i < x.length; i++) expect(Math.abs((y[i] as number) - (x[i] as number))).toBeLessThan(1e-3);
  });

  it('returns a copy at or above Nyquist, NaN for invalid parameters', () => {
    const x = [1, 5, 2, 8];
    expect(Array.from(lowPass(x, fs, 50))).toEqual(x);
    expect(Array.from(lowPass(x, fs, 80))).toEqual(x);
    expect(Array.from(lowPass(x, 0, 10)).every(Number.isNaN)).toBe(true);
    expect(Array.from(lowPass(x, fs, 0)).every(Number.isNaN)).toBe(true);
    expect(lowPass([], fs, 10).length).toBe(0);
    expect(Array.from(lowPass([4], fs, 10))).toEqual([4]);
  });

  it('does not modify its input and is deterministic', () => {
    const x = sine(300, fs, 3, 10);
    const copy = Float64Array.from(x);
    const a = lowPass(x, fs, 10);
    const b = lowPass(x, fs, 10);
    expect(x).toEqual(copy);
    expect(a).toEqual(b);
  });
});

describe('derivative', () => {
  it('writes into the array given, with the same values', () => {
    const x = sine(300, 100, 2, 5);
    const out = new Float64Array(300).fill(7);
    expect(derivative(x, 100, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(derivative(x, 100)));
    expect(Array.from(derivative([1], 100, new Float64Array(1)))).toEqual([NaN]);
  });

  it('is exact on a quadratic inside (central) and on a line at the ends', () => {
    // x = t² with t = i / fs, fs = 10: central difference of a quadratic is exact → 2t.
    const fs = 10;
    const x = Float64Array.from({ length: 6 }, (_, i) => (i / fs) ** 2);
    const d = derivative(x, fs);
    for (let i = 1; i < 5; i++) expect(d[i]).toBeCloseTo((2 * i) / fs, 12);
    // One-sided at the ends: (x1 − x0)·fs = 0.01·10 = 0.1; (x5 − x4)·fs = (0.25 − 0.16)·10 = 0.9.
    expect(d[0]).toBeCloseTo(0.1, 12);
    expect(d[5]).toBeCloseTo(0.9, 12);
  });

  it('gives units per second', () => {
    // 2 units per sample at 50 Hz = 100 units/s.
    const d = derivative([0, 2, 4, 6], 50);
    expect(Array.from(d)).toEqual([100, 100, 100, 100]);
  });

  it('gives NaN when no slope can be measured', () => {
    expect(Array.from(derivative([1], 100))).toEqual([NaN]);
    expect(derivative([], 100).length).toBe(0);
    expect(Array.from(derivative([1, 2], 0)).every(Number.isNaN)).toBe(true);
  });
});

describe('KeptViews', () => {
  it('hands out one kept view per length, new ones when the buffer grows, fresh arrays above its bound', () => {
    const kept = new KeptViews(100);
    const a = kept.view(10);
    expect(a.length).toBe(10);
    expect(kept.view(10)).toBe(a);
    const b = kept.view(5);
    expect(b.length).toBe(5);
    expect(b.buffer).toBe(a.buffer);
    const c = kept.view(60);
    expect(c.length).toBe(60);
    // Grown: the earlier views are replaced by views of the new buffer.
    expect(kept.view(10)).not.toBe(a);
    expect(kept.view(10).buffer).toBe(c.buffer);
    const big = kept.view(101);
    expect(big.length).toBe(101);
    expect(kept.view(101)).not.toBe(big);
  });
});

describe('derivativeWithPeak', () => {
  it('writes what derivative gives and returns what peakSpeed gives, at every length and wherever a NaN lies', () => {
    for (let n = 0; n <= 12; n++) {
      const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 10 + i);
      for (let nan = -1; nan < n; nan++) {
        const input = x.slice();
        if (nan >= 0) input[nan] = NaN;
        const expected = derivative(input, 100);
        const out = new Float64Array(n).fill(7);
        const peak = derivativeWithPeak(input, 100, out);
        expect(Array.from(out)).toEqual(Array.from(expected));
        expect(peak).toBe(peakSpeed(expected));
      }
    }
    const out = new Float64Array(5);
    expect(derivativeWithPeak(new Float64Array(5), 0, out)).toBeNaN();
    expect(Array.from(out)).toEqual(Array.from(derivative(new Float64Array(5), 0)));
  });
});
