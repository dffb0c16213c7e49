import { describe, expect, it } from 'vitest';
import { fftInPlace, isPowerOfTwo, realMagnitudeSpectrum } from '../src/signal/fft.js';

/** Deterministic pseudo-random values in [−1, 1) (a 32-bit LCG; no Math.random in tests either). */
function noise(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** X_k = Σ_n x_n·e^(−2πi·kn/N), straight from the definition (O(N²)). */
function naiveDft(re: ArrayLike<number>, im: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      // Reduce k·t mod N first so the angle stays small and accurate.
      const a = (-2 * Math.PI * ((k * t) % n)) / n;
      const c = Math.cos(a);
      const s = Math.sin(a);
      sr += (re[t] as number) * c - (im[t] as number) * s;
      si += (re[t] as number) * s + (im[t] as number) * c;
    }
    outRe[k] = sr;
    outIm[k] = si;
  }
  return { re: outRe, im: outIm };
}

function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
  }
  expect(worst).toBeLessThan(tol);
}

describe('fftInPlace', () => {
  it('matches a naive DFT on random complex input for every size 1…1024', () => {
    for (let n = 1; n <= 1024; n *= 2) {
      const re = noise(n, n);
      const im = noise(n, n + 7);
      const want = naiveDft(re, im);
      fftInPlace(re, im);
      expectAllClose(re, want.re, 1e-9);
      expectAllClose(im, want.im, 1e-9);
    }
  });

  it('transforms an impulse at 0 into all ones', () => {
    // X_k = 1·e^0 = 1 for every k.
    const re = new Float64Array(16);
    const im = new Float64Array(16);
    re[0] = 1;
    fftInPlace(re, im);
    expectAllClose(re, new Float64Array(16).fill(1), 1e-15);
    expectAllClose(im, new Float64Array(16), 1e-15);
  });

  it('transforms a delayed impulse into a unit-magnitude phase ramp', () => {
    // x_n = δ(n − 3): X_k = e^(−2πi·3k/N).
    const n = 32;
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    re[3] = 1;
    fftInPlace(re, im);
    for (let k = 0; k < n; k++) {
      expect(re[k]).toBeCloseTo(Math.cos((-2 * Math.PI * 3 * k) / n), 12);
      expect(im[k]).toBeCloseTo(Math.sin((-2 * Math.PI * 3 * k) / n), 12);
    }
  });

  it('transforms a constant c into N·c at bin 0 and zeros elsewhere', () => {
    const n = 64;
    const re = new Float64Array(n).fill(2.5);
    const im = new Float64Array(n);
    fftInPlace(re, im);
    const want = new Float64Array(n);
    want[0] = n * 2.5;
    expectAllClose(re, want, 1e-12);
    expectAllClose(im, new Float64Array(n), 1e-12);
  });

  it('puts a cosine at bin m into bins m and N − m with value N/2 each', () => {
    // cos(2πmn/N) = (e^(2πimn/N) + e^(−2πimn/N))/2.
    const n = 128;
    const m = 5;
    const re = Float64Array.from({ length: n }, (_, t) => Math.cos((2 * Math.PI * m * t) / n));
    const im = new Float64Array(n);
    fftInPlace(re, im);
    const want = new Float64Array(n);
    want[m] = n / 2;
    want[n - m] = n / 2;
    expectAllClose(re, want, 1e-11);
    expectAllClose(im, new Float64Array(n), 1e-11);
  });

  it('throws on lengths that are not powers of two or re/im that differ', () => {
    expect(() => fftInPlace(new Float64Array(0), new Float64Array(0))).toThrow(RangeError);
    expect(() => fftInPlace(new Float64Array(3), new Float64Array(3))).toThrow(RangeError);
    expect(() => fftInPlace(new Float64Array(12), new Float64Array(12))).toThrow(RangeError);
    expect(() => fftInPlace(new Float64Array(8), new Float64Array(4))).toThrow(RangeError);
  });

  it('gives bit-identical output when repeated (cached tables)', () => {
    const a = { re: noise(256, 1), im: noise(256, 2) };
    const b = { re: noise(256, 1), im: noise(256, 2) };
    fftInPlace(a.re, a.im);
    fftInPlace(new Float64Array(512), new Float64Array(512)); // another size in between
    fftInPlace(b.re, b.im);
    expect(Array.from(b.re)).toEqual(Array.from(a.re));
    expect(Array.from(b.im)).toEqual(Array.from(a.im));
  });
});

describe('isPowerOfTwo', () => {
  it('accepts 1, 2, 4, … and rejects everything else', () => {
    for (const n of [1, 2, 4, 1024, 2 ** 20]) expect(isPowerOfTwo(n)).toBe(true);
    for (const n of [0, -2, 3, 6, 1.5, NaN, Infinity]) expect(isPowerOfTwo(n)).toBe(false);
  });
});

describe('realMagnitudeSpectrum', () => {
  it('matches |naive DFT| of the zero-padded signal on bins 0…nfft/2', () => {
    for (const [len, nfft] of [
      [0, 4],
      [1, 1],
      [1, 2],
      [1, 64],
      [2, 8],
      [5, 1024],
      [33, 64],
      [2, 2],
      [3, 4],
      [7, 16],
      [100, 2048],
      [128, 128],
    ] as const) {
      const x = noise(len, len * 31 + nfft);
      const padded = new Float64Array(nfft);
      padded.set(x);
      const want = naiveDft(padded, new Float64Array(nfft));
      const wantMag = Float64Array.from({ length: (nfft >> 1) + 1 }, (_, k) =>
        Math.hypot(want.re[k] as number, want.im[k] as number),
      );
      expectAllClose(realMagnitudeSpectrum(x, nfft), wantMag, 1e-9);
    }
  });

  it('gives N·|c| at bin 0 and zero elsewhere for a constant filling nfft', () => {
    const mag = realMagnitudeSpectrum(new Float64Array(32).fill(-3), 32);
    const want = new Float64Array(17);
    want[0] = 96;
    expectAllClose(mag, want, 1e-12);
  });

  it('throws when nfft is not a power of two or shorter than the signal', () => {
    expect(() => realMagnitudeSpectrum([1, 2, 3], 2)).toThrow(RangeError);
    expect(() => realMagnitudeSpectrum([1, 2, 3], 6)).toThrow(RangeError);
    expect(() => realMagnitudeSpectrum([1, 2, 3], 8, 3, new Float64Array(4))).toThrow(RangeError);
  });

  it('writes into the array given, with the values it would return', () => {
    for (const [len, nfft, bins] of [[1, 1, 1], [3, 64, 9], [90, 2048, 205], [100, 128, 65]] as const) {
      const x = Float64Array.from({ length: len }, (_, i) => Math.sin(i / 3) + 2);
      const out = new Float64Array(bins).fill(NaN);
      expect(realMagnitudeSpectrum(x, nfft, bins, out)).toBe(out);
      expect(Array.from(out)).toEqual(Array.from(realMagnitudeSpectrum(x, nfft, bins)));
    }
  });
});
