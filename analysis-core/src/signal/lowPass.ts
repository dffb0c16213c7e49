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
  const n = x.length;
  if (!(sampleRateHz > 0 && sampleRateHz < Infinity && cutoffHz > 0)) return out.fill(NaN);
  if (cutoffHz >= sampleRateHz / 2 || n < 2) {
    for (let i = 0; i < n; i++) out[i] = x[i] as number;
    return out;
  }

  const k = Math.tan((Math.PI * cutoffHz) / sampleRateHz);
  const k2 = k * k;
  const norm = 1 / (1 + Math.SQRT2 * k + k2);
  const b0 = k2 * norm;
  const b1 = 2 * b0;
  const b2 = b0;
  const a1 = 2 * (k2 - 1) * norm;
  const a2 = (1 - Math.SQRT2 * k + k2) * norm;
  // Steady-state (transposed direct form II) state per unit of constant input: the DC gain is 1.
  const s1 = b1 + b2 - a1 - a2;
  const s2 = b2 - a2;

  // Reflection length: three cutoff periods (at least 9 samples, SciPy's default), never past the data. The
  // start-up transient of a sloped signal decays with the pole radius (≈ 0.64 per sample at fc = fs/10), so
  // it is down by ~1e-6 before the real data begins.
  const pad = Math.min(n - 1, Math.max(9, Math.ceil((3 * sampleRateHz) / cutoffHz)));
  const len = n + 2 * pad;
  const w = workspace(len);
  const ref = x[0] as number;
  for (let i = 0; i < n; i++) w[pad + i] = (x[i] as number) - ref;
  // w[pad] is 0, so the left point reflection 2·w[pad] − w[pad + j] is just −w[pad + j].
  for (let j = 1; j <= pad; j++) w[pad - j] = -(w[pad + j] as number);
  const end = pad + n - 1;
  const wEnd = w[end] as number;
  for (let j = 1; j <= pad; j++) w[end + j] = 2 * wEnd - (w[end - j] as number);

  // Forward pass, in place.
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
  // Backward pass, writing the data part straight into the output.
  c = w[len - 1] as number;
  z1 = s1 * c;
  z2 = s2 * c;
  for (let i = len - 1; i >= end + 1; i--) {
    const xi = w[i] as number;
    const y = b0 * xi + z1;
    z1 = b1 * xi - a1 * y + z2;
    z2 = b2 * xi - a2 * y;
  }
  for (let i = end; i >= pad; i--) {
    const xi = w[i] as number;
    const y = b0 * xi + z1;
    z1 = b1 * xi - a1 * y + z2;
    z2 = b2 * xi - a2 * y;
    out[i - pad] = y + ref;
  }
  return out;
}

/**
 * Default cutoff (Hz) of the low-pass the kinematic metrics apply to flex
 * angles before differentiating or detecting peaks: voluntary finger
 * movement lies well below it, sensor noise largely above.
 */
export const KINEMATIC_CUTOFF_HZ = 10;

/**
 * Longest workspace kept between calls, in samples (4 MiB): enough for 40
 * minutes at 200 Hz; a longer signal gets a workspace of its own.
 */
const MAX_KEPT = 1 << 19;
let kept = new Float64Array(0);

/**
 * Scratch of at least `len` samples for the extended signal. Filtering is
 * synchronous, so one kept array serves every call; reusing it spares a
 * large allocation (and the page faults of fresh memory) per channel. Every
 * sample of the first `len` is written before it is read.
 */
function workspace(len: number): Float64Array {
  if (len > MAX_KEPT) return new Float64Array(len);
  if (kept.length < len) kept = new Float64Array(Math.min(MAX_KEPT, Math.max(len, 2 * kept.length)));
  return kept;
}
