/**
 * Zero-phase low-pass filter: a 2nd-order Butterworth section (bilinear
 * transform with the cutoff pre-warped) run forward and then backward over
 * the signal, as MATLAB/SciPy `filtfilt` do. The two passes cancel the phase
 * shift (peaks and onsets stay where they are) and square the magnitude
 * response: |H(f)|² = 1 / (1 + (f/fc)^4) for the analogue prototype (the
 * bilinear transform only lowers it further towards Nyquist), so the gain at
 * the cutoff is 1/2 (−6 dB) and at 4·fc about 0.0039.
 *
 * Edges: the signal is extended at each end by point reflection (2·x[0] − x[k],
 * which continues both value and slope) over three cutoff periods, and the
 * filter state starts at the steady state of the first extended sample, so
 * the start-up transient has decayed (by ~1e-6 at fc = fs/10) before the real
 * data begins. Filtering runs on x − x[0], so a constant input comes back
 * exactly constant.
 *
 * `sampleRateHz` and `cutoffHz` in Hz. Returns a new Float64Array of the same
 * length (the input is not modified), or `out` when given (of x's length, every
 * element overwritten; it may be `x` itself). Edge cases: cutoff at or above the
 * Nyquist frequency (sampleRateHz / 2), or fewer than 2 samples, returns a
 * copy; a non-positive or NaN sample rate or cutoff returns all NaN. The input
 * must be finite (run `cleanSeries` first): a NaN spreads over the output.
 */
export function lowPass(x: ArrayLike<number>, sampleRateHz: number, cutoffHz: number, out: Float64Array = new Float64Array(x.length)): Float64Array {
  lowPassEach([x], sampleRateHz, cutoffHz, [out]);
  return out;
}

/**
 * {@link lowPass} of several signals at once, each into its `outs` entry (of
 * that signal's length, every element overwritten; it may be the signal
 * itself); the results are exactly those of `lowPass` on each. Signals are
 * filtered three (signals of one length) or two at a time in one loop: each
 * sample of the recurrence waits on the one before (a multiply and three
 * additions in a chain), so other, independent recurrences run in the time
 * the first spends waiting.
 */
export function lowPassEach(xs: readonly ArrayLike<number>[], sampleRateHz: number, cutoffHz: number, outs: readonly Float64Array[]): void {
  if (outs.length !== xs.length) throw new RangeError(`lowPassEach: ${xs.length} signals but ${outs.length} outputs`);
  const pending: number[] = [];
  xs.forEach((x, i) => {
    const out = outs[i] as Float64Array;
    const n = x.length;
    if (!(sampleRateHz > 0 && sampleRateHz < Infinity && cutoffHz > 0)) out.fill(NaN);
    else if (cutoffHz >= sampleRateHz / 2 || n < 2) for (let j = 0; j < n; j++) out[j] = x[j] as number;
    else pending.push(i);
  });
  if (pending.length === 0) return;
  const f = section(sampleRateHz, cutoffHz);
  const extended = (i: number, slot: number): Extended => extend(xs[i] as ArrayLike<number>, sampleRateHz, cutoffHz, outs[i] as Float64Array, slot);
  for (let p = 0; p < pending.length; ) {
    // Three at a time while that leaves no single one alone (five fingers: three, then two).
    const left = pending.length - p;
    if (left === 3 || left >= 5) {
      const [i, j, k] = [pending[p], pending[p + 1], pending[p + 2]] as [number, number, number];
      if (xs[i]?.length === xs[j]?.length && xs[j]?.length === xs[k]?.length) {
        // Each group fills the kept workspaces afresh.
        filterThreeAlike(extended(i, 0), extended(j, 1), extended(k, 2), f);
        p += 3;
        continue;
      }
    }
    const a = extended(pending[p] as number, 0);
    const second = pending[p + 1];
    p += 2;
    if (second === undefined) {
      filterOne(a, f);
      continue;
    }
    const b = extended(second, 1);
    if (a.len === b.len) {
      filterTwoAlike(a, b, f);
    } else {
      filterTwo(a, b, f);
      finish(a);
      finish(b);
    }
  }
}

/** Coefficients of the 2nd-order section, and its steady state per unit of constant input. */
interface Section {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
  s1: number;
  s2: number;
}

function section(sampleRateHz: number, cutoffHz: number): Section {
  const k = Math.tan((Math.PI * cutoffHz) / sampleRateHz);
  const k2 = k * k;
  const norm = 1 / (1 + Math.SQRT2 * k + k2);
  const b0 = k2 * norm;
  const b1 = 2 * b0;
  const b2 = b0;
  const a1 = 2 * (k2 - 1) * norm;
  const a2 = (1 - Math.SQRT2 * k + k2) * norm;
  // Steady-state (transposed direct form II) state per unit of constant input: the DC gain is 1.
  return { b0, b1, b2, a1, a2, s1: b1 + b2 - a1 - a2, s2: b2 - a2 };
}

/** One signal extended at both ends in a workspace: w[0..len), the data at w[pad..pad + n). */
interface Extended {
  w: Float64Array;
  len: number;
  pad: number;
  n: number;
  ref: number;
  out: Float64Array;
}

function extend(x: ArrayLike<number>, sampleRateHz: number, cutoffHz: number, out: Float64Array, slot: number): Extended {
  const n = x.length;
  // Reflection length: three cutoff periods (at least 9 samples, SciPy's default), never past the data. The
  // start-up transient of a sloped signal decays with the pole radius (≈ 0.64 per sample at fc = fs/10), so
  // it is down by ~1e-6 before the real data begins.
  const pad = Math.min(n - 1, Math.max(9, Math.ceil((3 * sampleRateHz) / cutoffHz)));
  const len = n + 2 * pad;
  const w = workspace(len, slot);
  const ref = x[0] as number;
  for (let i = 0; i < n; i++) w[pad + i] = (x[i] as number) - ref;
  // w[pad] is 0, so the left point reflection 2·w[pad] − w[pad + j] is just −w[pad + j].
  for (let j = 1; j <= pad; j++) w[pad - j] = -(w[pad + j] as number);
  const end = pad + n - 1;
  const wEnd = w[end] as number;
  for (let j = 1; j <= pad; j++) w[end + j] = 2 * wEnd - (w[end - j] as number);
  return { w, len, pad, n, ref, out };
}

/** The filtered data, back to the signal's level, into its output. */
function finish(e: Extended): void {
  const { w, pad, n, ref, out } = e;
  for (let i = 0; i < n; i++) out[i] = (w[pad + i] as number) + ref;
}

/**
 * Forward pass over w[0..len) in place, then the backward pass, which writes
 * the data part (back at the signal's level) into the output and stops where
 * the data starts: the left extension is not needed.
 */
function filterOne(e: Extended, f: Section): void {
  const { w, len, pad } = e;
  const { b0, b1, b2, a1, a2, s1, s2 } = f;
  let c = w[0] as number;
  let z1 = s1 * c;
  let z2 = s2 * c;
  for (let i = 0; i < len; i++) {
    const xi = w[i] as number;
    const y = b0 * xi + z1;
    z1 = b1 * xi - a1 * y + z2;
    z2 = b2 * xi - a2 * y;
    w[i] = y;
  }
  c = w[len - 1] as number;
  z1 = s1 * c;
  z2 = s2 * c;
  const end = len - pad - 1;
  for (let i = len - 1; i > end; i--) {
    const xi = w[i] as number;
    const y = b0 * xi + z1;
    z1 = b1 * xi - a1 * y + z2;
    z2 = b2 * xi - a2 * y;
  }
  // The data part goes straight into the output.
  const { out, ref } = e;
  for (let i = end; i >= pad; i--) {
    const xi = w[i] as number;
    const y = b0 * xi + z1;
    z1 = b1 * xi - a1 * y + z2;
    z2 = b2 * xi - a2 * y;
    out[i - pad] = y + ref;
  }
}

/** {@link filterOne} of two signals of one length (so one padding), the two recurrences interleaved. */
function filterTwoAlike(a: Extended, b: Extended, f: Section): void {
  const { b0, b1, b2, a1, a2, s1, s2 } = f;
  const { w: wa, len, pad } = a;
  const wb = b.w;
  let ca = wa[0] as number;
  let cb = wb[0] as number;
  let z1 = s1 * ca;
  let z2 = s2 * ca;
  let u1 = s1 * cb;
  let u2 = s2 * cb;
  for (let i = 0; i < len; i++) {
    const xa = wa[i] as number;
    const ya = b0 * xa + z1;
    z1 = b1 * xa - a1 * ya + z2;
    z2 = b2 * xa - a2 * ya;
    wa[i] = ya;
    const xb = wb[i] as number;
    const yb = b0 * xb + u1;
    u1 = b1 * xb - a1 * yb + u2;
    u2 = b2 * xb - a2 * yb;
    wb[i] = yb;
  }
  ca = wa[len - 1] as number;
  cb = wb[len - 1] as number;
  z1 = s1 * ca;
  z2 = s2 * ca;
  u1 = s1 * cb;
  u2 = s2 * cb;
  const end = len - pad - 1;
  for (let i = len - 1; i > end; i--) {
    const xa = wa[i] as number;
    const ya = b0 * xa + z1;
    z1 = b1 * xa - a1 * ya + z2;
    z2 = b2 * xa - a2 * ya;
    const xb = wb[i] as number;
    const yb = b0 * xb + u1;
    u1 = b1 * xb - a1 * yb + u2;
    u2 = b2 * xb - a2 * yb;
  }
  const outA = a.out;
  const outB = b.out;
  const refA = a.ref;
  const refB = b.ref;
  for (let i = end; i >= pad; i--) {
    const xa = wa[i] as number;
    const ya = b0 * xa + z1;
    z1 = b1 * xa - a1 * ya + z2;
    z2 = b2 * xa - a2 * ya;
    outA[i - pad] = ya + refA;
    const xb = wb[i] as number;
    const yb = b0 * xb + u1;
    u1 = b1 * xb - a1 * yb + u2;
    u2 = b2 * xb - a2 * yb;
    outB[i - pad] = yb + refB;
  }
}

/** {@link filterOne} of three signals of one length, the three recurrences interleaved (see {@link filterTwoAlike}). */
function filterThreeAlike(a: Extended, b: Extended, c: Extended, f: Section): void {
  const { b0, b1, b2, a1, a2, s1, s2 } = f;
  const { w: wa, len, pad } = a;
  const wb = b.w;
  const wc = c.w;
  let z1 = s1 * (wa[0] as number);
  let z2 = s2 * (wa[0] as number);
  let u1 = s1 * (wb[0] as number);
  let u2 = s2 * (wb[0] as number);
  let v1 = s1 * (wc[0] as number);
  let v2 = s2 * (wc[0] as number);
  for (let i = 0; i < len; i++) {
    const xa = wa[i] as number;
    const ya = b0 * xa + z1;
    z1 = b1 * xa - a1 * ya + z2;
    z2 = b2 * xa - a2 * ya;
    wa[i] = ya;
    const xb = wb[i] as number;
    const yb = b0 * xb + u1;
    u1 = b1 * xb - a1 * yb + u2;
    u2 = b2 * xb - a2 * yb;
    wb[i] = yb;
    const xc = wc[i] as number;
    const yc = b0 * xc + v1;
    v1 = b1 * xc - a1 * yc + v2;
    v2 = b2 * xc - a2 * yc;
    wc[i] = yc;
  }
  z1 = s1 * (wa[len - 1] as number);
  z2 = s2 * (wa[len - 1] as number);
  u1 = s1 * (wb[len - 1] as number);
  u2 = s2 * (wb[len - 1] as number);
  v1 = s1 * (wc[len - 1] as number);
  v2 = s2 * (wc[len - 1] as number);
  const end = len - pad - 1;
  for (let i = len - 1; i > end; i--) {
    const xa = wa[i] as number;
    const ya = b0 * xa + z1;
    z1 = b1 * xa - a1 * ya + z2;
    z2 = b2 * xa - a2 * ya;
    const xb = wb[i] as number;
    const yb = b0 * xb + u1;
    u1 = b1 * xb - a1 * yb + u2;
    u2 = b2 * xb - a2 * yb;
    const xc = wc[i] as number;
    const yc = b0 * xc + v1;
    v1 = b1 * xc - a1 * yc + v2;
    v2 = b2 * xc - a2 * yc;
  }
  const { out: outA, ref: refA } = a;
  const { out: outB, ref: refB } = b;
  const { out: outC, ref: refC } = c;
  for (let i = end; i >= pad; i--) {
    const xa = wa[i] as number;
    const ya = b0 * xa + z1;
    z1 = b1 * xa - a1 * ya + z2;
    z2 = b2 * xa - a2 * ya;
    outA[i - pad] = ya + refA;
    const xb = wb[i] as number;
    const yb = b0 * xb + u1;
    u1 = b1 * xb - a1 * yb + u2;
    u2 = b2 * xb - a2 * yb;
    outB[i - pad] = yb + refB;
    const xc = wc[i] as number;
    const yc = b0 * xc + v1;
    v1 = b1 * xc - a1 * yc + v2;
    v2 = b2 * xc - a2 * yc;
    outC[i - pad] = yc + refC;
  }
}

/**
 * {@link filterOne} of two signals of different lengths, the two recurrences
 * interleaved while both run; the longer one finishes alone. Both passes stay
 * in place: {@link finish} then writes the outputs.
 */
function filterTwo(a: Extended, b: Extended, f: Section): void {
  const { b0, b1, b2, a1, a2, s1, s2 } = f;
  const wa = a.w;
  const wb = b.w;
  let ca = wa[0] as number;
  let cb = wb[0] as number;
  let z1 = s1 * ca;
  let z2 = s2 * ca;
  let u1 = s1 * cb;
  let u2 = s2 * cb;
  const both = Math.min(a.len, b.len);
  let i = 0;
  for (; i < both; i++) {
    const xa = wa[i] as number;
    const ya = b0 * xa + z1;
    z1 = b1 * xa - a1 * ya + z2;
    z2 = b2 * xa - a2 * ya;
    wa[i] = ya;
    const xb = wb[i] as number;
    const yb = b0 * xb + u1;
    u1 = b1 * xb - a1 * yb + u2;
    u2 = b2 * xb - a2 * yb;
    wb[i] = yb;
  }
  for (let j = i; j < a.len; j++) {
    const xa = wa[j] as number;
    const ya = b0 * xa + z1;
    z1 = b1 * xa - a1 * ya + z2;
    z2 = b2 * xa - a2 * ya;
    wa[j] = ya;
  }
  for (let j = i; j < b.len; j++) {
    const xb = wb[j] as number;
    const yb = b0 * xb + u1;
    u1 = b1 * xb - a1 * yb + u2;
    u2 = b2 * xb - a2 * yb;
    wb[j] = yb;
  }
  // Backward: t counts samples from each end, down to each one's pad.
  ca = wa[a.len - 1] as number;
  cb = wb[b.len - 1] as number;
  z1 = s1 * ca;
  z2 = s2 * ca;
  u1 = s1 * cb;
  u2 = s2 * cb;
  const countA = a.len - a.pad;
  const countB = b.len - b.pad;
  const common = Math.min(countA, countB);
  let t = 0;
  for (let ia = a.len - 1, ib = b.len - 1; t < common; t++, ia--, ib--) {
    const xa = wa[ia] as number;
    const ya = b0 * xa + z1;
    z1 = b1 * xa - a1 * ya + z2;
    z2 = b2 * xa - a2 * ya;
    wa[ia] = ya;
    const xb = wb[ib] as number;
    const yb = b0 * xb + u1;
    u1 = b1 * xb - a1 * yb + u2;
    u2 = b2 * xb - a2 * yb;
    wb[ib] = yb;
  }
  for (let ia = a.len - 1 - t; ia >= a.pad; ia--) {
    const xa = wa[ia] as number;
    const ya = b0 * xa + z1;
    z1 = b1 * xa - a1 * ya + z2;
    z2 = b2 * xa - a2 * ya;
    wa[ia] = ya;
  }
  for (let ib = b.len - 1 - t; ib >= b.pad; ib--) {
    const xb = wb[ib] as number;
    const yb = b0 * xb + u1;
    u1 = b1 * xb - a1 * yb + u2;
    u2 = b2 * xb - a2 * yb;
    wb[ib] = yb;
  }
}

/**
 * Default cutoff (Hz) of the low-pass the kinematic metrics apply to flex
 * angles before differentiating or detecting peaks: voluntary finger
 * movement lies well below it, sensor noise largely above.
 */
export const KINEMATIC_CUTOFF_HZ = 10;

/**
 * Longest workspace kept between calls, in samples (4 MiB each): enough for
 * 40 minutes at 200 Hz; a longer signal gets a workspace of its own.
 */
const MAX_KEPT = 1 << 19;
/** Three kept workspaces: one per signal of a group filtered together. */
const kept: Float64Array[] = [new Float64Array(0), new Float64Array(0), new Float64Array(0)];

/**
 * Scratch of at least `len` samples for the extended signal. Filtering is
 * synchronous, so kept arrays serve every call; reusing them spares a
 * large allocation (and the page faults of fresh memory) per channel. Every
 * sample of the first `len` is written before it is read.
 */
function workspace(len: number, slot: number): Float64Array {
  if (len > MAX_KEPT) return new Float64Array(len);
  let w = kept[slot] as Float64Array;
  if (w.length < len) {
    w = new Float64Array(Math.min(MAX_KEPT, Math.max(len, 2 * w.length)));
    kept[slot] = w;
  }
  return w;
}
