import { describe, expect, it } from 'vitest';
import { fftInPlace, realMagnitudeSpectrum } from '../src/signal/fft.js';

// Its own file: the module's shared tables start empty here, so the first
// transform below builds them for its own size and the later ones read a grown table.
const ramp = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + (i % 5) * 0.1);

function fft(n: number): { re: Float64Array; im: Float64Array } {
  const re = ramp(n);
  const im = ramp(n).reverse();
  fftInPlace(re, im);
  return { re, im };
}

describe('FFT tables shared across sizes', () => {
  it('gives bit-identical results before and after a larger size grew the twiddle table', () => {
    const before = fft(256);
    const spectrumBefore = realMagnitudeSpectrum(ramp(300), 4096);
    // 2^20 points: the table grows to that size and 256 then reads every 4096th entry.
    realMagnitudeSpectrum(ramp(40_000), 2 ** 20, 10);
    const after = fft(256);
    expect(Array.from(after.re)).toEqual(Array.from(before.re));
    expect(Array.from(after.im)).toEqual(Array.from(before.im));
    expect(Array.from(realMagnitudeSpectrum(ramp(300), 4096))).toEqual(Array.from(spectrumBefore));
  });

  it('computes only the bins asked for, bit-identical to the same bins of the whole spectrum', () => {
    const x = ramp(150);
    const whole = realMagnitudeSpectrum(x, 4096);
    expect(whole).toHaveLength(2049);
    for (const bins of [1, 2, 411, 2048, 2049]) {
      expect(Array.from(realMagnitudeSpectrum(x, 4096, bins))).toEqual(Array.from(whole.subarray(0, bins)));
    }
    expect(() => realMagnitudeSpectrum(x, 4096, 0)).toThrow(RangeError);
    expect(() => realMagnitudeSpectrum(x, 4096, 2050)).toThrow(RangeError);
  });
});
