/**
 * Coding of one channel's present samples (quantised int32 values q[0..P)):
 * the first sample as a varint, the others as prediction residuals,
 * zigzagged and Rice-coded in blocks of 64.
 *
 * Prediction, chosen per block (whichever codes smaller; ties take order 1):
 *   order 1: r[i] = q[i] - q[i-1]                      (rest, slow drift)
 *   order 2: r[i] = q[i] - 2 q[i-1] + q[i-2]           (smooth movement)
 * with q[-1] taken as q[0], so both agree at i = 1.
 *
 * Rice coding with parameter k splits z = zigzag(r) into its k low bits,
 * stored at a fixed width, and the quotient u = floor(z / 2^k), stored in
 * unary. It is block bit-packing in which the rare values wider than k bits
 * spill into a short prefix instead of widening the whole block; on noisy
 * sensor data it packs about 15% smaller than fixed-width packing.
 *
 * Bit stream: LSB first, one stream per channel, padded with zero bits to a
 * byte at the end. Per block of n residuals:
 *   8 bits   header: bits 0-5 k (0..34); bit 6 predictor (0 = order 1,
 *            1 = order 2); bit 7 all residuals zero (k must be 0; nothing follows)
 *   n x k    the k low bits of each z (0 for an escaped value)
 *   unary    per residual min(u, 16) zero bits then a one bit
 *   n_e x 34 z of each escaped residual (those with u >= 16), in order
 * The low bits come first at fixed positions and the unary codes are scanned
 * a 24-bit word at a time, so decoding does not serialise on each code's
 * length. An escaped code costs k + 51 bits, a bound whatever the data.
 *
 * Values reach 34 bits (zigzagged second differences of int32 samples),
 * beyond JavaScript's 32-bit bitwise operators, so fields wider than 24 bits
 * are split into a 24-bit low part and a high part with plain arithmetic.
 * The hot loops avoid data-dependent branches where they would mispredict on
 * noisy data (rounding signs, flush loops).
 */
import type { ByteReader, ByteWriter } from './byteIO.js';
import { SensorCodecError } from './codecError.js';

/** Residuals per block. */
export const BLOCK_SIZE = 64;
/** Largest k: zigzag(|r| <= 4 * (2^31 - 1)) < 2^34. */
export const MAX_K = 34;
/** Unary value that marks an escaped residual. */
const ESCAPE = 16;
const RAW_BITS = 34;
/** Upper bound of the bytes of one block: header, then per residual at most 34 + 17 + 34 bits. */
const MAX_BLOCK_BYTES = 1 + Math.ceil((BLOCK_SIZE * (MAX_K + ESCAPE + 1 + RAW_BITS)) / 8);
const ORDER2 = 0x40;
const ZERO = 0x80;
const MAX_Q = 2_147_483_647;
const TWO_POW_24 = 16777216;
const TWO_POW_31 = 2147483648;
/** POW2[k] = 2^k, exact in doubles. */
const POW2 = Float64Array.from({ length: 64 }, (_, k) => 2 ** k);

/** The smallest and largest quantised value of a channel's present samples. */
export interface QuantisedExtent {
  min: number;
  max: number;
}

/** Decoder scratch for one block (decoding is synchronous, so one copy serves all calls). */
const UNARY = new Int32Array(BLOCK_SIZE);

/**
 * Zigzag mapping of a signed integer (0, -1, 1, -2 ... to 0, 1, 2, 3 ...),
 * exact for |d| < 2^51. Branch-free: |2d + 1/2| - 1/2 is 2d for d >= 0 and
 * -2d - 1 for d < 0.
 */
export function zigzag(d: number): number {
  return Math.abs(2 * d + 0.5) - 0.5;
}

/** Inverse of `zigzag` for integers 0 <= z < 2^53 (branch-free; z & 1 reads the low bit of any such integer). */
export function unzigzag(z: number): number {
  const s = z & 1;
  return (z + s) * (0.5 - s);
}

/** floor(z / 2^k) for 0 <= z < 2^53, with 32-bit operations where they are exact. */
function quotient(z: number, k: number): number {
  if (z < TWO_POW_31) return k < 31 ? z >>> k : 0;
  return Math.floor(z / POW2[k]!);
}

/** Bits the codes of `z[b..e)` take with parameter k (header excluded), escapes included. */
function riceBits(z: Float64Array, b: number, e: number, k: number): number {
  let bits = 0;
  for (let i = b; i < e; i++) {
    const u = quotient(z[i]!, k);
    bits += k + (u < ESCAPE ? u + 1 : ESCAPE + 1 + RAW_BITS);
  }
  return bits;
}

/**
 * Best (bits, k) for `z[b..e)`, packed as bits * 64 + k; a block of zeros is
 * 0 (the ZERO header). `sum` is the values' sum; `or` their bitwise OR (its
 * top bit is the maximum's), or -1 when some value is 2^31 or more.
 *
 * For geometric-like residuals the optimum lies next to log2 of the mean, so
 * only floor(log2 mean) - 1 .. + 1 are tried. When no value can escape, the
 * bits are estimated from the sum alone: n (k + 1) unary stops and low bits,
 * plus sum of floor(z / 2^k), taken as sum / 2^k less the (2^k - 1) / 2^(k+1)
 * that flooring loses on average. That saves a pass over the block and
 * cost 0.03% in size on the synthetic glove session; otherwise bits are counted exactly.
 */
function bestRice(z: Float64Array, b: number, e: number, sum: number, or: number): number {
  if (sum === 0) return 0;
  const n = e - b;
  const mean = sum / n;
  // floor(log2(mean)) by counting bits (Math.log2 is a slow library call); mean < 2^34.
  const k0 = mean < 2 ? 0 : mean < TWO_POW_31 ? 31 - Math.clz32(mean) : 31 + (31 - Math.clz32(mean / TWO_POW_31));
  const kLo = Math.max(0, k0 - 1);
  const kHi = Math.min(MAX_K, k0 + 1);
  let best = Infinity;
  if (or >= 0 && kHi < 31 && or >>> kLo < ESCAPE) {
    for (let k = kLo; k <= kHi; k++) {
      const p = POW2[k]!;
      const bits = Math.round(n * (k + 1) + Math.max(0, sum / p - (n * (p - 1)) / (2 * p)));
      best = Math.min(best, bits * 64 + k);
    }
  } else {
    for (let k = kLo; k <= kHi; k++) best = Math.min(best, riceBits(z, b, e, k) * 64 + k);
  }
  return best;
}

/**
 * LSB-first bit writer over a ByteWriter. Every `put` stores the whole 32-bit
 * accumulator and advances by the completed bytes, so there is no
 * data-dependent flush loop; callers reserve MAX_BLOCK_BYTES + 4 per block.
 */
class BitWriter {
  /** Pending bits (fewer than 8 between calls), already stored at out.pos. */
  acc = 0;
  nb = 0;

  constructor(readonly out: ByteWriter) {}

  /** Writes the n <= 24 low bits of v (0 <= v < 2^n). */
  put(v: number, n: number): void {
    // nb < 8 on entry, so the accumulator holds at most 31 bits.
    const acc = this.acc | (v << this.nb);
    const nb = this.nb + n;
    const bytes = this.out.bytes;
    const p = this.out.pos;
    bytes[p] = acc;
    bytes[p + 1] = acc >>> 8;
    bytes[p + 2] = acc >>> 16;
    bytes[p + 3] = acc >>> 24;
    const whole = nb >>> 3;
    this.out.pos = p + whole;
    this.acc = acc >>> (whole << 3);
    this.nb = nb & 7;
  }

  /** Writes the n <= 34 low bits of v (0 <= v < 2^n), splitting above 24 bits. */
  putWide(v: number, n: number): void {
    if (n <= 24) {
      this.put(v, n);
    } else {
      const hi = Math.floor(v / TWO_POW_24);
      this.put(v - hi * TWO_POW_24, 24);
      this.put(hi, n - 24);
    }
  }

  /** Ends the stream: the pending bits are already stored (zero padded), count their byte. */
  flush(): void {
    if (this.nb > 0) this.out.pos += 1;
    this.acc = 0;
    this.nb = 0;
  }
}

/**
 * Writes the codes of `z[b..e)` for k <= 24 when no value escapes (all
 * z < 2^31 and z >>> k < 16), over local state. Inside, up to 15 bits stay
 * pending and whole 16-bit halves are flushed: for the low bits the flush
 * pattern repeats with k, for the unary codes it fires about once per 8
 * codes, so both branches are cheap next to storing every code.
 */
function writeCodesFast(bits: BitWriter, z: Float64Array, b: number, e: number, k: number): void {
  const out = bits.out;
  const bytes = out.bytes;
  const mask = (1 << k) - 1;
  let acc = bits.acc;
  let nb = bits.nb;
  let p = out.pos;
  if (k <= 15) {
    for (let i = b; i < e; i++) {
      // nb < 16 and k <= 15, so the accumulator stays within 31 bits.
      acc |= (z[i]! & mask) << nb;
      nb += k;
      if (nb >= 16) {
        bytes[p] = acc;
        bytes[p + 1] = acc >>> 8;
        p += 2;
        acc >>>= 16;
        nb -= 16;
      }
    }
  } else {
    for (let i = b; i < e; i++) {
      // nb < 8 and k <= 24: store the whole accumulator, advance by its complete bytes.
      acc |= (z[i]! & mask) << nb;
      nb += k;
      bytes[p] = acc;
      bytes[p + 1] = acc >>> 8;
      bytes[p + 2] = acc >>> 16;
      bytes[p + 3] = acc >>> 24;
      const whole = nb >>> 3;
      p += whole;
      acc >>>= whole << 3;
      nb &= 7;
    }
  }
  for (let i = b; i < e; i++) {
    // u < 16 and nb < 16, so the accumulator stays within 31 bits.
    const u = z[i]! >>> k;
    acc |= (1 << u) << nb; // u zeros, then a one
    nb += u + 1;
    if (nb >= 16) {
      bytes[p] = acc;
      bytes[p + 1] = acc >>> 8;
      p += 2;
      acc >>>= 16;
      nb -= 16;
    }
  }
  // Back to the BitWriter's state: fewer than 8 pending bits, already stored at `p`.
  if (nb >= 8) {
    bytes[p++] = acc;
    acc >>>= 8;
    nb -= 8;
  }
  bytes[p] = acc;
  bits.acc = acc;
  bits.nb = nb;
  out.pos = p;
}

/** Writes the codes of `z[b..e)` with parameter k, any values (escapes, k > 24). */
function writeCodes(bits: BitWriter, z: Float64Array, b: number, e: number, k: number): void {
  for (let i = b; i < e; i++) {
    const v = z[i]!;
    const u = quotient(v, k);
    bits.putWide(u < ESCAPE ? v - u * POW2[k]! : 0, k);
  }
  let escapes = 0;
  for (let i = b; i < e; i++) {
    const u = Math.min(quotient(z[i]!, k), ESCAPE);
    bits.put(1 << u, u + 1);
    if (u === ESCAPE) escapes++;
  }
  if (escapes === 0) return;
  for (let i = b; i < e; i++) {
    const v = z[i]!;
    if (quotient(v, k) >= ESCAPE) bits.putWide(v, RAW_BITS);
  }
}

/**
 * Appends the coding of `q[0..P)` (P >= 1): zigzag(q[0]) as a varint, then the
 * bit stream of residual blocks. `z1` and `z2` are scratch of length >= P.
 */
export function encodeSamples(out: ByteWriter, q: Int32Array, P: number, z1: Float64Array, z2: Float64Array): void {
  out.varint(zigzag(q[0]!));
  if (P < 2) return;
  const bits = new BitWriter(out);
  // Previous first difference; 0 at i = 1 because q[-1] is taken as q[0].
  let d = 0;
  for (let b = 1; b < P; b += BLOCK_SIZE) {
    const e = Math.min(b + BLOCK_SIZE, P);
    let sum1 = 0;
    let sum2 = 0;
    // Bitwise ORs rather than maxima: a running max is a branch that mispredicts on noise.
    let or1 = 0;
    let or2 = 0;
    let wide = false;
    for (let i = b; i < e; i++) {
      const d1 = q[i]! - q[i - 1]!;
      const a = zigzag(d1);
      const c = zigzag(d1 - d);
      d = d1;
      z1[i] = a;
      z2[i] = c;
      sum1 += a;
      sum2 += c;
      or1 |= a;
      or2 |= c;
      if (c >= TWO_POW_31 || a >= TWO_POW_31) wide = true; // the ORs wrap from 2^31 on
    }
    if (wide) {
      or1 = -1;
      or2 = -1;
    }
    const c1 = bestRice(z1, b, e, sum1, or1);
    const c2 = bestRice(z2, b, e, sum2, or2);
    const order2 = c2 < c1;
    const best = order2 ? c2 : c1;
    const k = best % 64;
    out.ensure(MAX_BLOCK_BYTES + 4);
    if (best === 0) {
      bits.put(ZERO | (order2 ? ORDER2 : 0), 8);
      continue;
    }
    bits.put(k | (order2 ? ORDER2 : 0), 8);
    const or = order2 ? or2 : or1;
    if (k <= 24 && or >= 0 && or >>> k < ESCAPE) writeCodesFast(bits, order2 ? z2 : z1, b, e, k);
    else writeCodes(bits, order2 ? z2 : z1, b, e, k);
  }
  out.ensure(4);
  bits.flush();
}

/**
 * The 32 bits starting at byte `at`, little-endian (as a signed int32);
 * bytes past the array read as zero.
 */
function window32(bytes: Uint8Array, at: number): number {
  if (at + 3 < bytes.length) return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
  let w = 0;
  for (let j = 0; j < 4; j++) if (at + j < bytes.length) w |= bytes[at + j]! << (8 * j);
  return w;
}

/** The n <= 24 bits at bit position `pos`. */
function bitsAt(bytes: Uint8Array, pos: number, n: number): number {
  return (window32(bytes, pos >>> 3) >>> (pos & 7)) & ((1 << n) - 1);
}

/** The n <= 34 bits at bit position `pos` (low 24 first), as a non-negative number. */
function wideBitsAt(bytes: Uint8Array, pos: number, n: number): number {
  if (n <= 24) return bitsAt(bytes, pos, n);
  return bitsAt(bytes, pos, 24) + bitsAt(bytes, pos + 24, n - 24) * TWO_POW_24;
}

function truncated(label: string, b: number): SensorCodecError {
  return new SensorCodecError('truncated', `payload ends inside ${label} samples, residual block ${(b - 1) / BLOCK_SIZE}`);
}

function badUnary(label: string, b: number): SensorCodecError {
  return new SensorCodecError('inconsistent', `${label} residual block ${(b - 1) / BLOCK_SIZE} has a unary code longer than ${ESCAPE + 1} bits`);
}

function outOfRange(label: string, index: number, q: number): SensorCodecError {
  return new SensorCodecError('inconsistent', `${label} present sample ${index} decodes to ${q} steps, beyond +/-${MAX_Q}`);
}

/**
 * Reads what `encodeSamples` wrote for P >= 1 present samples and stores the
 * quantised values times `scale` into `out[0..P)` (scaling here spares the
 * caller a pass over the samples). `label` names the channel in messages.
 * Returns the smallest and largest quantised value (so the caller can bound
 * the samples without another pass over them).
 * Throws 'truncated' when the stream runs past the reader's end and
 * 'inconsistent' for an invalid block header or unary code, or a value beyond
 * +/-(2^31 - 1).
 */
export function decodeSamples(r: ByteReader, out: Float64Array, P: number, label: string, scale: number): QuantisedExtent {
  const q0 = unzigzag(r.varint(`${label} first sample`));
  if (q0 > MAX_Q || q0 < -MAX_Q) throw outOfRange(label, 0, q0);
  out[0] = q0 * scale;
  // Running extremes: a new one is rare, so the branches are predicted and cost next to nothing.
  let lo = q0;
  let hi = q0;
  if (P < 2) return { min: lo, max: hi };

  const bytes = r.bytes;
  const len = bytes.length;
  // Unaligned little-endian 32-bit loads: one instead of four byte loads.
  const view = new DataView(bytes.buffer, bytes.byteOffset, len);
  const start = r.pos;
  const endBits = r.end * 8;
  const U = UNARY;
  // Bit position in `bytes`. Look-ahead may read past the stream (into the
  // checksum, or beyond the array as zeros); each section's end is checked
  // against the reader's end before its values are used.
  let pos = start * 8;
  let prev1 = q0;
  let prev2 = q0;
  for (let b = 1; b < P; b += BLOCK_SIZE) {
    const n = Math.min(BLOCK_SIZE, P - b);
    if (pos + 8 > endBits) throw truncated(label, b);
    const header = bitsAt(bytes, pos, 8);
    pos += 8;
    const k = header & 63;
    if (k > MAX_K || ((header & ZERO) !== 0 && k !== 0)) {
      throw new SensorCodecError(
        'inconsistent',
        `${label} residual block ${(b - 1) / BLOCK_SIZE} has an invalid header 0x${header.toString(16)}`,
      );
    }
    if ((header & ZERO) !== 0) {
      const order2 = (header & ORDER2) !== 0;
      const d = order2 ? prev1 - prev2 : 0;
      for (let t = 0; t < n; t++) {
        const v = prev1 + d;
        if (v > MAX_Q || v < -MAX_Q) throw outOfRange(label, b + t, v);
        out[b + t] = v * scale;
        if (v < lo) lo = v;
        else if (v > hi) hi = v;
        prev2 = prev1;
        prev1 = v;
      }
    } else {
      const lowStart = pos;
      pos += n * k;
      if (pos > endBits) throw truncated(label, b);
      const order2 = (header & ORDER2) !== 0;
      if (k <= 24 && ((lowStart + n * k) >>> 3) + 4 <= len) {
        // Common case in one pass: each unary code, then its low bits, then the sample. It gives up
        // (and the block is read again below, which throws the right error or takes the escapes) at
        // the first escape, a unary code that does not end within its 24-bit window, or, after the
        // block, when a sample lies out of range (then it is a new extreme, so the running extremes
        // tell): the samples written so far are overwritten by that second reading.
        const mask = (1 << k) - 1;
        let cur = pos;
        let base = cur;
        let w = 0;
        let p1 = prev1;
        // The step from the previous sample: after each sample, p1 - d is the one before it.
        let d = order2 ? prev1 - prev2 : 0;
        let lowAt = lowStart;
        let t = 0;
        for (; t < n; t++, lowAt += k) {
          if (w === 0) {
            base = cur;
            const at = base >>> 3;
            w = ((at + 3 < len ? view.getInt32(at, true) : window32(bytes, at)) >>> (base & 7)) & 0xffffff;
            if (w === 0) break;
          }
          const one = base + 31 - Math.clz32(w & -w);
          const u = one - cur;
          if (u >= ESCAPE) break;
          cur = one + 1;
          w &= w - 1;
          // u <= 15 and k <= 24, so z < 2^29 and 32-bit operations are exact.
          const z = (u << k) | ((view.getInt32(lowAt >>> 3, true) >>> (lowAt & 7)) & mask);
          const r = (z >>> 1) ^ -(z & 1);
          const step = order2 ? d + r : r;
          // Exact even out of range: |step| grows by < 2^29 per sample, far from 2^53 within a block.
          const v = p1 + step;
          out[b + t] = v * scale;
          // Values read before a give-up are read again the same way, so taking them here is harmless.
          if (v < lo) lo = v;
          else if (v > hi) hi = v;
          d = step;
          p1 = v;
        }
        if (t === n && lo >= -MAX_Q && hi <= MAX_Q) {
          pos = cur;
          if (pos > endBits) throw truncated(label, b);
          prev1 = p1;
          prev2 = p1 - d;
          continue;
        }
      }
      // Unary codes: the gaps between successive one bits, a 24-bit word at a time.
      let j = 0;
      let cur = pos; // bit after the last one found
      let any = 0; // OR of all u: >= ESCAPE when some code escapes (or is invalid)
      while (j < n) {
        const base = cur;
        const at = base >>> 3;
        let w = ((at + 3 < len ? view.getInt32(at, true) : window32(bytes, at)) >>> (base & 7)) & 0xffffff;
        if (w === 0) throw base + ESCAPE + 1 > endBits ? truncated(label, b) : badUnary(label, b);
        do {
          const one = base + 31 - Math.clz32(w & -w);
          const u = one - cur;
          any |= u;
          U[j++] = u;
          cur = one + 1;
          w &= w - 1;
        } while (w !== 0 && j < n);
      }
      pos = cur;
      if (pos > endBits) throw truncated(label, b);
      if (any < ESCAPE && k <= 24 && ((lowStart + n * k) >>> 3) + 4 <= len) {
        // Common case: no escapes, every low-bit read in bounds; one loop per predictor.
        const mask = (1 << k) - 1;
        if (order2) {
          let d = prev1 - prev2;
          for (let t = 0; t < n; t++) {
            const p = lowStart + t * k;
            // u <= 15 and k <= 24, so z < 2^29 and 32-bit operations are exact.
            const z = (U[t]! << k) | ((view.getInt32(p >>> 3, true) >>> (p & 7)) & mask);
            d += (z >>> 1) ^ -(z & 1);
            const v = prev1 + d;
            if (v > MAX_Q || v < -MAX_Q) throw outOfRange(label, b + t, v);
            out[b + t] = v * scale;
            if (v < lo) lo = v;
            else if (v > hi) hi = v;
            prev2 = prev1;
            prev1 = v;
          }
        } else {
          for (let t = 0; t < n; t++) {
            const p = lowStart + t * k;
            const z = (U[t]! << k) | ((view.getInt32(p >>> 3, true) >>> (p & 7)) & mask);
            const v = prev1 + ((z >>> 1) ^ -(z & 1));
            if (v > MAX_Q || v < -MAX_Q) throw outOfRange(label, b + t, v);
            out[b + t] = v * scale;
            if (v < lo) lo = v;
            else if (v > hi) hi = v;
            prev2 = prev1;
            prev1 = v;
          }
        }
      } else {
        let escapes = 0;
        for (let t = 0; t < n; t++) if (U[t] === ESCAPE) escapes++;
        if (pos + escapes * RAW_BITS > endBits) throw truncated(label, b);
        let raw = pos; // escaped values follow the unary codes
        let d = order2 ? prev1 - prev2 : 0;
        for (let t = 0; t < n; t++) {
          const u = U[t]!;
          let z: number;
          if (u < ESCAPE) {
            z = u * POW2[k]! + wideBitsAt(bytes, lowStart + t * k, k);
          } else if (u === ESCAPE) {
            z = wideBitsAt(bytes, raw, RAW_BITS);
            raw += RAW_BITS;
          } else {
            throw badUnary(label, b);
          }
          let v: number;
          if (order2) {
            d += unzigzag(z);
            v = prev1 + d;
          } else {
            v = prev1 + unzigzag(z);
          }
          if (v > MAX_Q || v < -MAX_Q) throw outOfRange(label, b + t, v);
          out[b + t] = v * scale;
          if (v < lo) lo = v;
          else if (v > hi) hi = v;
          prev2 = prev1;
          prev1 = v;
        }
        pos = raw;
      }
    }
  }
  // Every section was checked against the end as it was read.
  r.pos = Math.ceil(pos / 8);
  return { min: lo, max: hi };
}
