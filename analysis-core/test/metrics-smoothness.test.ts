import { describe, expect, it } from 'vitest';
import { ldlj } from '../src/metrics/ldlj.js';
import { sparc } from '../src/metrics/sparc.js';

/** Minimum-jerk speed shape on τ ∈ [0, 1]: 30τ² − 60τ³ + 30τ⁴ (unit distance, unit duration), 0 outside. */
const minJerk = (tau: number): number => (tau <= 0 || tau >= 1 ? 0 : 30 * tau ** 2 - 60 * tau ** 3 + 30 * tau ** 4);

/**
 * Speed profile sampled at fs for `durationS`, summing minimum-jerk sub-movements
 * [start s, duration s], each covering unit distance (so peak 1.875/duration).
 */
function profile(fs: number, durationS: number, parts: readonly (readonly [number, number])[]): Float64Array {
  return Float64Array.from({ length: Math.round(durationS * fs) }, (_, i) => {
    let v = 0;
    for (const [start, dur] of parts) v += minJerk((i / fs - start) / dur) / dur;
    return v;
  });
}

/** Reference code's docstring example: exp(−5t²) for t = −1, −0.99, …, 0.99 at 100 Hz (200 samples). */
const gaussian = Float64Array.from({ length: 200 }, (_, i) => Math.exp(-5 * (-1 + 0.01 * i) ** 2));

/**
 * |V(f)| of the continuous minimum-jerk profile p(τ) on [0, 1] (T = 1 s), in
 * closed form. Repeated integration by parts of a polynomial gives
 * V(ω) = Σ_j [p⁽ʲ⁾(0) − e^(−iω)·p⁽ʲ⁾(1)] / (iω)^(j+1), with
 * p = p' = 0 at both ends, p'' = 60 at both, p''' = −360 at 0 and +360 at 1,
 * p'''' = 720. V(0) = ∫p = 1, which is also the maximum (p ≥ 0).
 */
function minJerkSpectrum(f: number): number {
  if (f === 0) return 1;
  const w = 2 * Math.PI * f;
  const at0 = [0, 0, 60, -360, 720];
  const at1 = [0, 0, 60, 360, 720];
  let re = 0;
  let im = 0;
  for (let j = 0; j < 5; j++) {
    // numerator a − e^(−iω)·b
    const nr = (at0[j] as number) - Math.cos(w) * (at1[j] as number);
    const ni = Math.sin(w) * (at1[j] as number);
    // divide by (iω)^p: multiply by (−i)^p / ω^p
    const p = j + 1;
    const q = p % 4;
    const [dr, di] = q === 0 ? [nr, ni] : q === 1 ? [ni, -nr] : q === 2 ? [-nr, -ni] : [-ni, nr];
    re += dr / w ** p;
    im += di / w ** p;
  }
  return Math.hypot(re, im);
}

/**
 * SPARC of the continuous minimum-jerk spectrum on the grid the sampled version
 * uses (f_k = k·fs/nfft), band chosen by the same 0.05 threshold under 10 Hz.
 */
function minJerkSparcContinuous(fs: number, nfft: number): number {
  const m: number[] = [];
  for (let k = 0; (k * fs) / nfft <= 10; k++) m.push(minJerkSpectrum((k * fs) / nfft));
  const selected = m.map((v, k) => (v >= 0.05 ? k : -1)).filter((k) => k >= 0);
  const first = selected[0] as number;
  const last = selected[selected.length - 1] as number;
  let arc = 0;
  for (let k = first + 1; k <= last; k++) arc += Math.hypot(1 / (last - first), (m[k] as number) - (m[k - 1] as number));
  return -arc;
}

/**
 * The definition transcribed literally with a naive DFT over all nfft bins (no
 * one-sided shortcut), to cross-check band selection, dips and mirrored bins.
 */
function sparcByDefinition(x: readonly number[], fs: number, cutoff = 10, threshold = 0.05, padLevel = 4): number {
  const nfft = 2 ** (Math.ceil(Math.log2(x.length)) + padLevel);
  const mag: number[] = [];
  for (let k = 0; k < nfft; k++) {
    let re = 0;
    let im = 0;
    x.forEach((v, t) => {
      const a = (-2 * Math.PI * ((k * t) % nfft)) / nfft;
      re += v * Math.cos(a);
      im += v * Math.sin(a);
    });
    mag.push(Math.hypot(re, im));
  }
  const peak = Math.max(...mag);
  const f: number[] = [];
  const m: number[] = [];
  for (let k = 0; k < nfft && (k * fs) / nfft <= cutoff; k++) {
    f.push((k * fs) / nfft);
    m.push((mag[k] as number) / peak);
  }
  const idx = m.map((v, k) => (v >= threshold ? k : -1)).filter((k) => k >= 0);
  const a = idx[0] as number;
  const b = idx[idx.length - 1] as number;
  let arc = 0;
  for (let k = a + 1; k <= b; k++) {
    arc += Math.hypot(((f[k] as number) - (f[k - 1] as number)) / ((f[b] as number) - (f[a] as number)), (m[k] as number) - (m[k - 1] as number));
  }
  return -arc;
}

describe('sparc', () => {
  it('reproduces the reference implementation example (Gaussian, 100 Hz): −1.41403', () => {
    // Docstring of `sparc` in the authors' smoothness.py: '%.5f' % sal == '-1.41403'.
    expect(sparc(gaussian, 100)).toBeCloseTo(-1.41403, 5);
  });

  it('gives the continuous-spectrum value for a minimum-jerk profile (1 s at 100 Hz)', () => {
    const s = sparc(profile(100, 1, [[0, 1]]), 100);
    // N = 100 → nfft = 2^(7+4) = 2048. The sampled spectrum equals fs·V(f) up to
    // aliasing, which is tiny here (|V| falls as 1/f³ and fs/2 = 50 Hz), so the
    // closed-form spectrum on the same grid must agree to well under 1e-4.
    expect(Math.abs(s - minJerkSparcContinuous(100, 2048))).toBeLessThan(1e-4);
    // In the range the literature gives for minimum-jerk movements (about −1.4 to −1.6).
    expect(s).toBeLessThan(-1.4);
    expect(s).toBeGreaterThan(-1.6);
  });

  it('rates two separated sub-movements as less smooth than one', () => {
    const one = sparc(profile(100, 1, [[0, 1]]), 100);
    // Two 0.5 s minimum-jerk strokes 0.2 s apart: the spectrum gains a lobe structure (longer arc).
    const two = sparc(
      profile(100, 1.2, [
        [0, 0.5],
        [0.7, 0.5],
      ]),
      100,
    );
    expect(two).toBeLessThan(one - 0.5);
  });

  it('is invariant to amplitude scaling', () => {
    const base = profile(100, 1, [[0, 1]]);
    const s = sparc(base, 100);
    // ×4 is exact in binary floating point, so every step scales exactly: bit-identical.
    expect(sparc(base.map((v) => 4 * v), 100)).toBe(s);
    // ×3 rounds differently at the last bit only.
    expect(sparc(base.map((v) => 3 * v), 100)).toBeCloseTo(s, 12);
  });

  it('is nearly invariant to duration (same shape over 1 s and 2 s at 100 Hz)', () => {
    // Twice the samples → twice nfft, so the 2 s bins sit at the same points of
    // the duration-normalised spectrum; only the (tiny) aliasing differs.
    const a = sparc(profile(100, 1, [[0, 1]]), 100);
    const b = sparc(profile(100, 2, [[0, 2]]), 100);
    expect(Math.abs(a - b)).toBeLessThan(1e-5);
  });

  it('matches the definition transcribed with a naive DFT, incl. bins above Nyquist', () => {
    // Two bumps: a dip to 0.05 inside the band. Jagged: strong content near Nyquist,
    // so at fs = 15 Hz (Nyquist 7.5 Hz < 10 Hz cutoff) the band ends on a mirrored bin.
    const x = [0, 0.3, 1.2, 2, 1.1, 0.4, 0.9, 1.8, 1.1, 0.2, 0.05];
    const jagged = [0, 1, 0.3, 1.5, 0.2, 1, 0.1, 0.8, 0];
    for (const fs of [15, 50]) {
      expect(sparc(x, fs)).toBeCloseTo(sparcByDefinition(x, fs), 10);
      expect(sparc(jagged, fs)).toBeCloseTo(sparcByDefinition(jagged, fs), 10);
    }
    expect(sparc(x, 50, { padLevel: 2, amplitudeThreshold: 0.2, cutoffHz: 6 })).toBeCloseTo(
      sparcByDefinition(x, 50, 6, 0.2, 2),
      10,
    );
  });

  it('gives 0 when a single bin is selected', () => {
    // With threshold 1 only the maximum (bin 0 = Σv for a non-negative profile) qualifies.
    expect(sparc(profile(100, 1, [[0, 1]]), 100, { amplitudeThreshold: 1 })).toBe(0);
  });

  it('handles missing samples: trims the ends, interpolates interior gaps', () => {
    // A triangle of integers: the missing interior sample lies on a straight stretch,
    // so interpolation restores it exactly.
    const tri = [0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0];
    const gappy = [NaN, NaN, 0, 1, 2, NaN, 4, 5, 4, 3, 2, 1, 0, NaN];
    expect(sparc(gappy, 100)).toBe(sparc(tri, 100));
  });

  it('is NaN for no sample, all-zero speed, or a bad sample rate', () => {
    expect(sparc([], 100)).toBeNaN();
    expect(sparc([NaN, NaN, NaN], 100)).toBeNaN();
    expect(sparc(new Float64Array(50), 100)).toBeNaN();
    expect(sparc(gaussian, 0)).toBeNaN();
    expect(sparc(gaussian, NaN)).toBeNaN();
    expect(sparc(gaussian, 100, { padLevel: 1.5 })).toBeNaN();
    // A threshold above 1 selects nothing.
    expect(sparc(gaussian, 100, { amplitudeThreshold: 1.01 })).toBeNaN();
  });
});

describe('ldlj', () => {
  it('reproduces the reference implementation example (Gaussian, 100 Hz): −5.81636', () => {
    // Docstring of `log_dimensionless_jerk` in the authors' smoothness.py.
    expect(ldlj(gaussian, 100, 'speed')).toBeCloseTo(-5.81636, 5);
  });

  it('hand-checked tiny case: speed [0, 1, 0]', () => {
    // dt = 0.01: T = 0.03 s, A = 1, Δ²x = −2 → jerk 2·10⁴, J = (2·10⁴)²·0.01 = 4·10⁶;
    // T³·J/A² = 2.7·10⁻⁵·4·10⁶ = 108 → LDLJ = −ln 108.
    expect(ldlj([0, 1, 0], 100, 'speed')).toBeCloseTo(-Math.log(108), 12);
    // accel [0, 1, 0]: T = 0.03, A = 1, jerk = ±100, J = 2·10⁴·0.01 = 200; T·J/A² = 6 → −ln 6.
    expect(ldlj([0, 1, 0], 100, 'accel')).toBeCloseTo(-Math.log(6), 12);
  });

  it('approaches the continuous value −ln 204.8 for a minimum-jerk speed profile at 1 kHz', () => {
    // v(t) = (D/T)·p(t/T), p = 30τ² − 60τ³ + 30τ⁴. Jerk = v'' = (D/T³)·p''(τ),
    // p'' = 60(1 − 6τ + 6τ²); ∫₀¹(1 − 6τ + 6τ²)²dτ = 1 − 6 + 16 − 18 + 7.2 = 0.2,
    // so ∫v''²dt = 3600·0.2·D²/T⁵ = 720·D²/T⁵. A = v(T/2) = (30/16)·D/T = 1.875·D/T.
    // T³·∫v''²/A² = 720/1.875² = 204.8 → LDLJ = −ln 204.8 ≈ −5.3220.
    const v = profile(1000, 1.001, [[0, 1]]); // 1001 samples covering t = 0 … 1 s
    const expected = -Math.log(204.8);
    expect(Math.abs(ldlj(v, 1000, 'speed') / expected - 1)).toBeLessThan(0.01);
  });

  it("'accel' on the acceleration of the same movement gives −ln 21.6", () => {
    // a = v' = (D/T²)·p'(τ), p' = 60τ(1 − τ)(1 − 2τ); jerk = a' = v'' as above.
    // |p'| peaks where p'' = 0, τ = (3 ± √3)/6: τ(1 − τ) = 1/6, |1 − 2τ| = 1/√3,
    // so A = 10/√3·D/T², A² = 100/3. T·∫a'²/A² = 720·3/100 = 21.6.
    const fs = 1000;
    const acc = Float64Array.from({ length: 1001 }, (_, i) => {
      const tau = i / fs;
      return 60 * tau * (1 - tau) * (1 - 2 * tau);
    });
    expect(Math.abs(ldlj(acc, fs, 'accel') / -Math.log(21.6) - 1)).toBeLessThan(0.01);
  });

  it('is invariant to amplitude and does not depend on the sample rate given', () => {
    const v = profile(100, 1, [[0, 1]]);
    const l = ldlj(v, 100, 'speed');
    // ln(16·A²) − ln(16·S) equals ln A² − ln S up to the rounding of each log.
    expect(ldlj(v.map((x) => 4 * x), 100, 'speed')).toBeCloseTo(l, 12);
    expect(ldlj(v.map((x) => 3 * x), 100, 'speed')).toBeCloseTo(l, 12);
    // T = N·dt and J ∝ 1/dt³ (speed) cancel: the same samples give the same value at any fs.
    expect(ldlj(v, 250, 'speed')).toBeCloseTo(l, 12);
  });

  it('rates two separated sub-movements as less smooth than one', () => {
    const one = ldlj(profile(100, 1, [[0, 1]]), 100, 'speed');
    const two = ldlj(
      profile(100, 1.2, [
        [0, 0.5],
        [0.7, 0.5],
      ]),
      100,
      'speed',
    );
    expect(two).toBeLessThan(one - 1);
  });

  it('vector input: one moving component equals the scalar result; rotation does not matter', () => {
    const v = profile(100, 1, [[0, 1]]);
    const scalar = ldlj(v, 100, 'speed');
    expect(ldlj(Array.from(v, (x) => [0, x, 0]), 100, 'speed')).toBe(scalar);
    // The Euclidean norm of (x·cos θ, x·sin θ) is |x|.
    const c = Math.cos(0.7);
    const s = Math.sin(0.7);
    expect(ldlj(Array.from(v, (x) => [x * c, x * s]), 100, 'speed')).toBeCloseTo(scalar, 10);
    expect(ldlj(Array.from(v, (x) => [x * c, x * s]), 100, 'accel')).toBeCloseTo(ldlj(v, 100, 'accel'), 10);
  });

  it('handles missing samples in scalar and vector input', () => {
    const tri = [0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0];
    expect(ldlj([NaN, 0, 1, NaN, 3, 4, 5, 4, 3, 2, 1, 0, NaN], 100, 'speed')).toBe(ldlj(tri, 100, 'speed'));
    // Rows with any NaN at the ends are dropped; interior NaN are interpolated per component.
    const rows = tri.map((x) => [x, 2 * x]);
    const gappy = [[NaN, 0], ...rows.map((r) => [...r])];
    (gappy[4] as number[])[1] = NaN; // row for x = 3: second component restored as 6
    (gappy[8] as number[])[0] = NaN; // row for x = 3: first component restored as 3
    gappy.push([1, NaN]);
    expect(ldlj(gappy, 100, 'speed')).toBe(ldlj(rows, 100, 'speed'));
  });

  it('is NaN for too few samples, zero amplitude, or a bad sample rate; +Infinity for zero jerk', () => {
    expect(ldlj([1, 2], 100, 'speed')).toBeNaN();
    expect(ldlj([1], 100, 'accel')).toBeNaN();
    expect(ldlj([], 100, 'speed')).toBeNaN();
    expect(ldlj([NaN, NaN, NaN, NaN], 100, 'speed')).toBeNaN();
    expect(ldlj([0, 0, 0, 0], 100, 'speed')).toBeNaN();
    // A straight ramp has no second difference; a constant has no first difference: −ln 0.
    expect(ldlj([1, 2, 3, 4], 100, 'speed')).toBe(Infinity);
    expect(ldlj([2, 2, 2], 100, 'accel')).toBe(Infinity);
    expect(ldlj([[0, 0], [0, 0], [0, 0]], 100, 'speed')).toBeNaN();
    expect(ldlj([0, 1, 0], -1, 'speed')).toBeNaN();
    expect(ldlj([0, 1, 0], Infinity, 'speed')).toBeNaN();
  });
});

/**
 * Edge inputs against the authors' reference code: siva82kb/SPARC
 * scripts/smoothness.py (`sparc`, `log_dimensionless_jerk`) and monalysa
 * quality/smoothness.py (`sparc`, `log_dimensionless_jerk` with data_type
 * 'vel' and 'accl'). The expected numbers are what that code printed under
 * numpy for the same input; where it raises, the documented value is asserted.
 */
describe('edge inputs as the reference code handles them', () => {
  it('sparc of one sample: a flat spectrum, arc = frequency span = −1 (reference: −1.0; −0.9999999999999999 at 10 Hz)', () => {
    expect(sparc([2], 100)).toBe(-1);
    expect(sparc([2], 10)).toBeCloseTo(-1, 15);
    // Only bin 0 under the cutoff (fs = 320 Hz, nfft 16: bin 1 is 20 Hz): a single bin, 0.
    expect(sparc([2], 320)).toBe(0);
  });

  it('sparc of two and three samples and of constant signals: the reference values', () => {
    expect(sparc([1, 2], 100)).toBeCloseTo(-1.0009407872203882, 12);
    expect(sparc([1, 2], 10)).toBeCloseTo(-1.712431222985726, 12);
    expect(sparc([1, 2, 1], 100)).toBeCloseTo(-1.0046298733293713, 12);
    expect(sparc([1, 2, 1], 10)).toBeCloseTo(-2.296176572177363, 12);
    expect(sparc([3, 3, 3], 100)).toBeCloseTo(-1.0082055589065106, 12);
    expect(sparc([3, 3, 3], 10)).toBeCloseTo(-2.838667716378333, 12);
    expect(sparc(new Float64Array(50).fill(3), 100)).toBeCloseTo(-2.300543095845829, 12);
    expect(sparc(new Float64Array(50).fill(3), 10)).toBeCloseTo(-6.369390812877214, 12);
  });

  it('sparc where the reference raises (no sample: ZeroDivisionError; all zero or all NaN: IndexError) is NaN', () => {
    expect(sparc([], 100)).toBeNaN();
    expect(sparc([0], 100)).toBeNaN();
    expect(sparc(new Float64Array(50), 100)).toBeNaN();
    expect(sparc(new Float64Array(5).fill(NaN), 100)).toBeNaN();
  });

  it("ldlj of 1–2 samples, for speed and for acceleration: monalysa raises ('too short'), so NaN", () => {
    for (const kind of ['speed', 'accel'] as const) {
      expect(ldlj([2], 100, kind)).toBeNaN();
      expect(ldlj([1, 2], 100, kind)).toBeNaN();
      expect(ldlj([[1, 0], [2, 0]], 100, kind)).toBeNaN();
    }
  });

  it('ldlj of three samples: the reference values (speed −3.295836866004329, acceleration −0.4054651081081637)', () => {
    expect(ldlj([1, 2, 1], 100, 'speed')).toBeCloseTo(-3.295836866004329, 12);
    expect(ldlj([1, 2, 1], 100, 'accel')).toBeCloseTo(-0.4054651081081637, 12);
  });

  it('ldlj of a constant non-zero signal: no jerk, +Infinity in both references', () => {
    for (const kind of ['speed', 'accel'] as const) {
      expect(ldlj([3, 3, 3], 100, kind)).toBe(Infinity);
      expect(ldlj(new Float64Array(50).fill(3), 100, kind)).toBe(Infinity);
    }
  });

  it('ldlj of all-zero and all-NaN signals: NaN in both references', () => {
    for (const kind of ['speed', 'accel'] as const) {
      expect(ldlj(new Float64Array(50), 100, kind)).toBeNaN();
      expect(ldlj(new Float64Array(5).fill(NaN), 100, kind)).toBeNaN();
    }
  });
});
