import { KeptViews } from './keptViews.js';

// Twiddles cos(2πk/N), sin(2πk/N) for k < N/2 of one shared table whose N
// is the largest size used so far (grown by doubling when a larger one comes).
// A size n reads every (N/n)-th entry: the angle 2π·(k·N/n)/N rounds exactly
// as 2π·k/n (the factors are powers of two), so the values are bit-identical
// to a table built for n alone, whatever sizes came before. Bit-reversal
// tables are kept per size. Sizes above MAX_CACHED_SIZE are built per call,
// so one odd input cannot pin memory for the life of the process.
const MAX_CACHED_SIZE = 2 ** 20;
let twiddleSize = 0;
let twiddleCos: Float64Array = new Float64Array(0);
let twiddleSin: Float64Array = new Float64Array(0);
const reversalCache = new Map<number, Uint32Array>();

/** True when n is 1, 2, 4, 8, … (a safe integer power of two). */
export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && (n & (n - 1)) === 0 && n <= 2 ** 30;
}

/** Twiddles for size n: cos[k·stride] = cos(2πk/n), likewise sin, for k < n/2. */
interface Twiddles {
  cos: Float64Array;
  sin: Float64Array;
  stride: number;
}

function buildTwiddles(n: number): { cos: Float64Array; sin: Float64Array } {
  const half = n >> 1;
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    const a = (2 * Math.PI * k) / n;
    cos[k] = Math.cos(a);
    sin[k] = Math.sin(a);
  }
  return { cos, sin };
}

function twiddlesFor(n: number): Twiddles {
  if (n > MAX_CACHED_SIZE) return { ...buildTwiddles(n), stride: 1 };
  if (n > twiddleSize) {
    const size = Math.max(n, 2 * twiddleSize);
    ({ cos: twiddleCos, sin: twiddleSin } = buildTwiddles(size));
    twiddleSize = size;
  }
  return { cos: twiddleCos, sin: twiddleSin, stride: twiddleSize / n };
}

/** Largest size with twiddles of its own (64 KiB for all sizes up to it together). */
const MAX_OWN_SIZE = 2 ** 12;
const ownTwiddles = new Map<number, Twiddles>();

/**
 * Twiddles for size n laid out in the order a stage reads them (stride 1)
 * for n up to MAX_OWN_SIZE: a small transform then reads consecutive
 * entries instead of every (N/n)-th of the shared table, one cache line
 * each. They are copies of the shared table's entries, so the values are
 * the same. Larger sizes read the shared table, where the stride is short.
 */
function stageTwiddles(n: number): Twiddles {
  if (n > MAX_OWN_SIZE) return twiddlesFor(n);
  let own = ownTwiddles.get(n);
  if (own === undefined) {
    const { cos, sin, stride } = twiddlesFor(n);
    const half = n >> 1;
    const c = new Float64Array(half);
    const s = new Float64Array(half);
    for (let k = 0; k < half; k++) {
      c[k] = cos[k * stride] as number;
      s[k] = sin[k * stride] as number;
    }
    own = { cos: c, sin: s, stride: 1 };
    ownTwiddles.set(n, own);
  }
  return own;
}

function reversalFor(n: number): Uint32Array {
  let rev = reversalCache.get(n);
  if (rev !== undefined) return rev;
  const bits = Math.round(Math.log2(n));
  rev = new Uint32Array(n);
  for (let i = 1; i < n; i++) rev[i] = ((rev[i >> 1] as number) >> 1) | ((i & 1) << (bits - 1));
  if (n <= MAX_CACHED_SIZE) reversalCache.set(n, rev);
  return rev;
}

/**
 * Forward discrete Fourier transform X_k = Σ_n x_n·e^(−2πi·kn/N), computed in
 * place on the real and imaginary parts (iterative radix-2, decimation in
 * time; no 1/N scaling).
 *
 * Internal helper: throws a RangeError when the two arrays differ in length or
 * the length is not a power of two (1 included). Bit-reversal and twiddle
 * tables are built once per length and cached.
 */
export function fftInPlace(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (im.length !== n || !isPowerOfTwo(n)) {
    throw new RangeError(`fft: length must be a power of two and re/im equal (got ${n} and ${im.length})`);
  }
  if (n === 1) return;
  const rev = reversalFor(n);
  for (let i = 0; i < n; i++) {
    const j = rev[i] as number;
    if (j > i) {
      const tr = re[i] as number;
      re[i] = re[j] as number;
      re[j] = tr;
      const ti = im[i] as number;
      im[i] = im[j] as number;
      im[j] = ti;
    }
  }
  butterflyStages(re, im, 2);
}

/** The bit-reversal permutation of size n (cached): rev[i] is i with its log2(n) bits reversed. */
export function bitReversal(n: number): Uint32Array {
  if (!isPowerOfTwo(n)) throw new RangeError(`bitReversal: ${n} is not a power of two`);
  return reversalFor(n);
}

/**
 * {@link fftInPlace} for input the caller already placed in bit-reversed order
 * (x_i at index bitReversal(n)[i]), which saves the permutation pass when the
 * caller writes the input anyway. Same result, same RangeError.
 */
export function fftFromBitReversed(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (im.length !== n || !isPowerOfTwo(n)) {
    throw new RangeError(`fft: length must be a power of two and re/im equal (got ${n} and ${im.length})`);
  }
  if (n > 1) butterflyStages(re, im, 2);
}

/**
 * The stages of sub-transform size `firstSize` … n, on input already in
 * bit-reversed order (earlier stages assumed done): one radix-2 stage when
 * their number is odd, then two at a time as radix-4 passes, which read and
 * write the array half as often. Blocks outermost, so every pass walks memory
 * in order (a twiddle-outer loop strides through a large array once per
 * twiddle and misses the cache).
 */
function butterflyStages(re: Float64Array, im: Float64Array, firstSize: number): void {
  const n = re.length;
  let size = firstSize;
  let stages = 0;
  for (let s = firstSize; s <= n; s <<= 1) stages++;
  if (stages % 2 === 1) {
    radix2Stage(re, im, stageTwiddles(size), size);
    size <<= 1;
  }
  if (size === 2 && n >= 4) {
    firstRadix4Pass(re, im);
    size = 8;
  }
  for (; size <= n; size <<= 2) radix4Pass(re, im, size);
}

/** {@link radix4Pass} at size 2, where every twiddle is 1: 4-point DFTs of consecutive groups. */
function firstRadix4Pass(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let a = 0; a < n; a += 4) {
    const ar = re[a] as number;
    const ai = im[a] as number;
    const br = re[a + 1] as number;
    const bi = im[a + 1] as number;
    const cr = re[a + 2] as number;
    const ci = im[a + 2] as number;
    const dr = re[a + 3] as number;
    const di = im[a + 3] as number;
    const a1r = ar + br;
    const a1i = ai + bi;
    const b1r = ar - br;
    const b1i = ai - bi;
    const c1r = cr + dr;
    const c1i = ci + di;
    const d1r = cr - dr;
    const d1i = ci - di;
    re[a] = a1r + c1r;
    im[a] = a1i + c1i;
    re[a + 2] = a1r - c1r;
    im[a + 2] = a1i - c1i;
    // −i·d1 = (d1i, −d1r)
    re[a + 1] = b1r + d1i;
    im[a + 1] = b1i - d1r;
    re[a + 3] = b1r - d1i;
    im[a + 3] = b1i + d1r;
  }
}

/** One radix-2 stage: butterflies of span size/2 with twiddles W_size^j (`tw`: the twiddles of size `size`). */
function radix2Stage(re: Float64Array, im: Float64Array, tw: Twiddles, size: number): void {
  const n = re.length;
  const { cos, sin } = tw;
  const half = size >> 1;
  const step = tw.stride;
  for (let start = 0; start < n; start += size) {
    const end = start + half;
    for (let a = start, t = 0; a < end; a++, t += step) {
      const wr = cos[t] as number;
      const wi = -(sin[t] as number);
      const b = a + half;
      const br = re[b] as number;
      const bi = im[b] as number;
      const xr = br * wr - bi * wi;
      const xi = br * wi + bi * wr;
      const ar = re[a] as number;
      const ai = im[a] as number;
      re[b] = ar - xr;
      im[b] = ai - xi;
      re[a] = ar + xr;
      im[a] = ai + xi;
    }
  }
}

/**
 * The radix-2 stages of sizes `size` and 2·size in one pass: per group of four
 * points h = size/2 apart, the first stage with W_size^j, then the second with
 * W_(2·size)^j and, for the odd pair, W_(2·size)^(j+h) = −i·W_(2·size)^j.
 */
function radix4Pass(re: Float64Array, im: Float64Array, size: number): void {
  if (size <= MAX_OWN_SIZE) radix4PassInOrder(re, im, radix4Twiddles(size), size);
  else radix4PassStrided(re, im, stageTwiddles(size), stageTwiddles(2 * size), size);
}

/**
 * {@link radix4Pass} reading the pass's own interleaved twiddles ({@link radix4Twiddles}) in order.
 * A transform small enough to stay in the cache (up to MAX_OWN_SIZE points) takes the twiddles
 * outermost, so each is loaded once per pass instead of once per block; a larger one walks its
 * blocks in memory order.
 */
function radix4PassInOrder(re: Float64Array, im: Float64Array, tw: Float64Array, size: number): void {
  const n = re.length;
  const h = size >> 1;
  const span = 2 * size;
  if (n > MAX_OWN_SIZE) {
    for (let start = 0; start < n; start += span) {
      for (let j = 0, t = 0; j < h; j++, t += 4) {
        butterfly4(re, im, start + j, h, tw[t] as number, tw[t + 1] as number, tw[t + 2] as number, tw[t + 3] as number);
      }
    }
    return;
  }
  for (let j = 0, t = 0; j < h; j++, t += 4) {
    const w1r = tw[t] as number;
    const w1i = tw[t + 1] as number;
    const w2r = tw[t + 2] as number;
    const w2i = tw[t + 3] as number;
    for (let start = 0; start < n; start += span) butterfly4(re, im, start + j, h, w1r, w1i, w2r, w2i);
  }
}

/** {@link radix4Pass} reading every stride-th entry of the shared tables (sizes above MAX_OWN_SIZE). */
function radix4PassStrided(re: Float64Array, im: Float64Array, tw1: Twiddles, tw2: Twiddles, size: number): void {
  const n = re.length;
  const { cos: cos1, sin: sin1, stride: step1 } = tw1;
  const { cos: cos2, sin: sin2, stride: step2 } = tw2;
  const h = size >> 1;
  const span = 2 * size;
  for (let start = 0; start < n; start += span) {
    for (let j = 0; j < h; j++) {
      butterfly4(re, im, start + j, h, cos1[j * step1] as number, -(sin1[j * step1] as number), cos2[j * step2] as number, -(sin2[j * step2] as number));
    }
  }
}

/**
 * The two stages of {@link radix4Pass} on the four points a, a + h, a + 2h,
 * a + 3h: the first with w1 = W_size^j on (a, b) and (c, d), the second with
 * w2 = W_(2·size)^j on (a1, c1) and −i·w2 on (b1, d1).
 */
function butterfly4(re: Float64Array, im: Float64Array, a: number, h: number, w1r: number, w1i: number, w2r: number, w2i: number): void {
  const b = a + h;
  const c = b + h;
  const d = c + h;
  // First stage: (a, b) and (c, d) with W_size^j.
  const br = re[b] as number;
  const bi = im[b] as number;
  const tbr = br * w1r - bi * w1i;
  const tbi = br * w1i + bi * w1r;
  const ar = re[a] as number;
  const ai = im[a] as number;
  const a1r = ar + tbr;
  const a1i = ai + tbi;
  const b1r = ar - tbr;
  const b1i = ai - tbi;
  const dr = re[d] as number;
  const di = im[d] as number;
  const tdr = dr * w1r - di * w1i;
  const tdi = dr * w1i + di * w1r;
  const cr = re[c] as number;
  const ci = im[c] as number;
  const c1r = cr + tdr;
  const c1i = ci + tdi;
  const d1r = cr - tdr;
  const d1i = ci - tdi;
  // Second stage: (a1, c1) with W_(2·size)^j, (b1, d1) with −i times it.
  const ucr = c1r * w2r - c1i * w2i;
  const uci = c1r * w2i + c1i * w2r;
  const vr = d1r * w2r - d1i * w2i;
  const vi = d1r * w2i + d1i * w2r;
  // −i·(vr + i·vi) = vi − i·vr
  re[a] = a1r + ucr;
  im[a] = a1i + uci;
  re[c] = a1r - ucr;
  im[c] = a1i - uci;
  re[b] = b1r + vi;
  im[b] = b1i - vr;
  re[d] = b1r - vi;
  im[d] = b1i + vr;
}

/** Interleaved pass twiddles per log2(size), for sizes up to MAX_OWN_SIZE. */
const passTwiddles: (Float64Array | undefined)[] = [];

/**
 * The twiddles a radix-4 pass at `size` reads for each j < size/2, in its
 * order: cos and −sin of W_size^j, then of W_(2·size)^j, side by side in one
 * array. A butterfly then loads them from one place instead of four tables
 * at four strides. Copies of the stage tables' entries (negation is exact),
 * so the values are the same. Kept for sizes up to MAX_OWN_SIZE; built per
 * call above (only {@link radix4FromBlocks} asks for those, at padding
 * levels far above the default).
 */
function radix4Twiddles(size: number): Float64Array {
  const slot = 31 - Math.clz32(size);
  let tw = passTwiddles[slot];
  if (tw === undefined) {
    const first = stageTwiddles(size);
    const second = stageTwiddles(2 * size);
    const h = size >> 1;
    tw = new Float64Array(4 * h);
    for (let j = 0; j < h; j++) {
      tw[4 * j] = first.cos[j * first.stride] as number;
      tw[4 * j + 1] = -(first.sin[j * first.stride] as number);
      tw[4 * j + 2] = second.cos[j * second.stride] as number;
      tw[4 * j + 3] = -(second.sin[j * second.stride] as number);
    }
    if (size <= MAX_OWN_SIZE) passTwiddles[slot] = tw;
  }
  return tw;
}

// Scratch for realMagnitudeSpectrum: two pairs (the transform, and the
// blocks' values), each up to MAX_CACHED_SIZE / 2 kept, with their views
// per size kept too (a transform is called per movement, in a few sizes).
const scratch = [0, 1, 2, 3].map(() => new KeptViews(MAX_CACHED_SIZE / 2));

function scratchFor(n: number, slot = 0): { re: Float64Array; im: Float64Array } {
  return { re: (scratch[2 * slot] as KeptViews).view(n), im: (scratch[2 * slot + 1] as KeptViews).view(n) };
}

/**
 * {@link radix2Stage} at size 2·block over an array whose every block of
 * `block` entries holds one value (vr[q], vi[q] for block q): the same
 * arithmetic, reading those values instead of the filled entries.
 */
function radix2FromBlocks(re: Float64Array, im: Float64Array, vr: Float64Array, vi: Float64Array, block: number): void {
  const n = re.length;
  const { cos, sin, stride } = stageTwiddles(2 * block);
  for (let start = 0, q = 0; start < n; start += 2 * block, q += 2) {
    const ar = vr[q] as number;
    const ai = vi[q] as number;
    const br = vr[q + 1] as number;
    const bi = vi[q + 1] as number;
    if (br === 0 && bi === 0) {
      // Padding (see fromBlocksWithZeroPartners): a ± 0·w is a in both halves, up to the sign of a zero.
      for (let i = start, end = start + 2 * block; i < end; i++) {
        re[i] = ar;
        im[i] = ai;
      }
      continue;
    }
    for (let j = 0; j < block; j++) {
      const wr = cos[j * stride] as number;
      const wi = -(sin[j * stride] as number);
      const xr = br * wr - bi * wi;
      const xi = br * wi + bi * wr;
      const a = start + j;
      const b = a + block;
      re[b] = ar - xr;
      im[b] = ai - xi;
      re[a] = ar + xr;
      im[a] = ai + xi;
    }
  }
}

/** {@link radix4Pass} at size 2·block over blocks of one value each, as {@link radix2FromBlocks}. */
function radix4FromBlocks(re: Float64Array, im: Float64Array, vr: Float64Array, vi: Float64Array, block: number): void {
  const n = re.length;
  const tw = radix4Twiddles(2 * block);
  const h = block;
  for (let start = 0, q = 0; start < n; start += 4 * block, q += 4) {
    const ar = vr[q] as number;
    const ai = vi[q] as number;
    const br = vr[q + 1] as number;
    const bi = vi[q + 1] as number;
    const cr = vr[q + 2] as number;
    const ci = vi[q + 2] as number;
    const dr = vr[q + 3] as number;
    const di = vi[q + 3] as number;
    if (br === 0 && bi === 0 && dr === 0 && di === 0) {
      fromBlocksWithZeroPartners(re, im, start, h, ar, ai, cr, ci, tw);
      continue;
    }
    for (let j = 0, t = 0; j < h; j++, t += 4) {
      const w1r = tw[t] as number;
      const w1i = tw[t + 1] as number;
      const w2r = tw[t + 2] as number;
      const w2i = tw[t + 3] as number;
      const a = start + j;
      const b = a + h;
      const c = b + h;
      const d = c + h;
      const tbr = br * w1r - bi * w1i;
      const tbi = br * w1i + bi * w1r;
      const a1r = ar + tbr;
      const a1i = ai + tbi;
      const b1r = ar - tbr;
      const b1i = ai - tbi;
      const tdr = dr * w1r - di * w1i;
      const tdi = dr * w1i + di * w1r;
      const c1r = cr + tdr;
      const c1i = ci + tdi;
      const d1r = cr - tdr;
      const d1i = ci - tdi;
      const ucr = c1r * w2r - c1i * w2i;
      const uci = c1r * w2i + c1i * w2r;
      const v2r = d1r * w2r - d1i * w2i;
      const v2i = d1r * w2i + d1i * w2r;
      re[a] = a1r + ucr;
      im[a] = a1i + uci;
      re[c] = a1r - ucr;
      im[c] = a1i - uci;
      re[b] = b1r + v2i;
      im[b] = b1i - v2r;
      re[d] = b1r - v2i;
      im[d] = b1i + v2r;
    }
  }
}

/**
 * {@link radix4FromBlocks} for one group whose second and fourth values are
 * 0 (padding: in bit-reversed order a value's partners in the first stage
 * lie half and three quarters of the transform further on, where a short
 * signal's padding is). The first stage's products 0·w are ±0, which leaves
 * a and c as they are: a1 = b1 = a, c1 = d1 = c, and the second stage needs
 * one product c·w2 per point. Every value is the one the full butterfly
 * gives, except that a zero may come out with the other sign, which no
 * magnitude shows (this serves only {@link realMagnitudeSpectrum}).
 */
function fromBlocksWithZeroPartners(
  re: Float64Array, im: Float64Array, start: number, h: number, ar: number, ai: number, cr: number, ci: number, tw: Float64Array,
): void {
  for (let j = 0, t = 0; j < h; j++, t += 4) {
    const w2r = tw[t + 2] as number;
    const w2i = tw[t + 3] as number;
    const ur = cr * w2r - ci * w2i;
    const ui = cr * w2i + ci * w2r;
    const a = start + j;
    const b = a + h;
    const c = b + h;
    const d = c + h;
    re[a] = ar + ur;
    im[a] = ai + ui;
    re[c] = ar - ur;
    im[c] = ai - ui;
    // −i·u = ui − i·ur
    re[b] = ar + ui;
    im[b] = ai - ur;
    re[d] = ar - ui;
    im[d] = ai + ur;
  }
}

/**
 * Magnitude spectrum |X_k| of the real signal `x` zero-padded at the end to
 * `nfft` samples, for the one-sided bins k = 0 … bins − 1 (bin k is frequency
 * k·fs/nfft; `bins` at most nfft/2 + 1, the default). The other bins mirror
 * these: |X_(nfft−k)| = |X_k| for real input.
 *
 * Computed with one complex FFT of half the length (even samples as real part,
 * odd samples as imaginary part, then split), which halves the work, without
 * the stages that would only combine padding zeros, and with the split only
 * for the bins asked for.
 *
 * Returns a new Float64Array of length `bins`, or `given` when given (of
 * that length, every entry overwritten). Internal helper: throws a
 * RangeError when `nfft` is not a power of two or is shorter than `x`, or
 * `bins` is not an integer in 1 … nfft/2 + 1. Non-finite samples propagate
 * to the output.
 */
export function realMagnitudeSpectrum(
  x: ArrayLike<number>,
  nfft: number,
  bins = Math.floor(nfft / 2) + 1,
  given?: Float64Array,
): Float64Array {
  const len = x.length;
  if (!isPowerOfTwo(nfft) || len > nfft) {
    throw new RangeError(`realMagnitudeSpectrum: nfft ${nfft} must be a power of two >= ${len}`);
  }
  if (!(Number.isInteger(bins) && bins >= 1 && bins <= Math.floor(nfft / 2) + 1)) {
    throw new RangeError(`realMagnitudeSpectrum: bins ${bins} must be an integer in 1 … ${Math.floor(nfft / 2) + 1}`);
  }
  const out = given ?? new Float64Array(bins);
  if (out.length !== bins) throw new RangeError(`realMagnitudeSpectrum: out has ${out.length} entries, not ${bins}`);
  if (nfft === 1) {
    out[0] = Math.abs(len > 0 ? (x[0] as number) : 0);
    return out;
  }
  const m = nfft >> 1;
  const { re, im } = scratchFor(m);
  // z_j = x_2j + i·x_(2j+1) is non-zero only for j < h, and h ≤ p2 = m/block.
  // In bit-reversed order those values land at multiples of `block`, each the
  // only non-zero of its block, and a block-point DFT of [a, 0, …, 0] is a
  // everywhere: so fill each block with its value and skip the first
  // log2(block) stages (4 of them at the default padLevel).
  const h = (len + 1) >> 1;
  let p2 = 1;
  while (p2 < h) p2 <<= 1;
  const block = m / p2;
  const revP = reversalFor(p2);
  const values = scratchFor(p2, 1);
  for (let q = 0; q < p2; q++) {
    const src = revP[q] as number;
    const a = 2 * src;
    values.re[q] = a < len ? (x[a] as number) : 0;
    values.im[q] = a + 1 < len ? (x[a + 1] as number) : 0;
  }
  let stages = 0;
  for (let size = 2 * block; size <= m; size <<= 1) stages++;
  if (block >= 4 && stages >= 1) {
    // The first pass reads each block's one value instead of a filled array: no fill, and a quarter of the loads.
    if (stages % 2 === 1) {
      radix2FromBlocks(re, im, values.re, values.im, block);
      butterflyStages(re, im, 4 * block);
    } else {
      radix4FromBlocks(re, im, values.re, values.im, block);
      butterflyStages(re, im, 8 * block);
    }
  } else {
    for (let q = 0; q < p2; q++) {
      const vr = values.re[q] as number;
      const vi = values.im[q] as number;
      // A plain loop: a fill() call per block of 16 costs more than the stores.
      for (let i = q * block, end = i + block; i < end; i++) {
        re[i] = vr;
        im[i] = vi;
      }
    }
    butterflyStages(re, im, 2 * block);
  }
  // With Z = FFT(even + i·odd): E_k = (Z_k + conj Z_(m−k))/2, O_k = (Z_k − conj Z_(m−k))/(2i),
  // X_k = E_k + e^(−2πik/nfft)·O_k for k = 0 … m (indices of Z taken mod m).
  const { cos, sin, stride } = stageTwiddles(nfft);
  const r0 = re[0] as number;
  const i0 = im[0] as number;
  out[0] = Math.abs(r0 + i0);
  if (bins > m) out[m] = Math.abs(r0 - i0);
  const last = Math.min(bins - 1, m - 1);
  for (let k = 1; k <= last; k++) {
    const zr = re[k] as number;
    const zi = im[k] as number;
    const cr = re[m - k] as number;
    const ci = -(im[m - k] as number);
    const er = 0.5 * (zr + cr);
    const ei = 0.5 * (zi + ci);
    // (Z − conj Z')/(2i) = (Im, −Re)/2 of the difference.
    const or = 0.5 * (zi - ci);
    const oi = -0.5 * (zr - cr);
    const wr = cos[k * stride] as number;
    const wi = -(sin[k * stride] as number);
    const xr = er + (or * wr - oi * wi);
    const xi = ei + (or * wi + oi * wr);
    out[k] = Math.sqrt(xr * xr + xi * xi);
  }
  return out;
}
