/**
 * Seeded pseudo-random numbers for the synthesizer. The generator is sfc32
 * (Doty-Humphrey's "small fast counting" generator, 128 bits of state, 32-bit
 * output): only 32-bit integer operations, so the integer sequence is the same
 * in every JavaScript engine. Normals use Box–Muller, which calls Math.log,
 * Math.sqrt and Math.cos/sin: identical wherever the engine's libm is (all V8
 * builds: Node, Chrome, their workers).
 *
 * Independent streams (same seed, different `stream`) let each part of the
 * synthesizer draw its own numbers, so that changing one option (the noise
 * level, say) does not reshuffle what another part draws (the prompt schedule).
 */

const TWO_POW_32 = 4294967296;

/** MurmurHash3's 32-bit finaliser: spreads every input bit over the whole word. */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Box–Muller yields normals in pairs; the second waits here (NaN: none waiting). */
  private spare = NaN;

  /**
   * A generator for `seed` (any safe integer, negative included) and `stream`
   * (a small non-negative integer naming an independent sequence).
   * Throws RangeError for anything else.
   */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    if (!Number.isSafeInteger(stream) || stream < 0) throw new RangeError(`stream must be a non-negative integer, got ${stream}`);
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    this.a = mix32(low ^ 0x9e3779b9);
    this.b = mix32(high ^ 0x243f6a88);
    this.c = mix32(stream ^ 0xb7e15162);
    this.d = 1;
    // Warm-up: sfc32's author recommends discarding the first outputs.
    for (let i = 0; i < 16; i++) this.nextUint32();
  }

  /** The next 32-bit unsigned integer, uniform over [0, 2^32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (((this.c << 21) | (this.c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), in steps of 2^-32. */
  uniform(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** An integer uniform in [0, n) for a positive integer n (bias below 2^-32 · n, irrelevant here). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A standard normal (mean 0, sd 1), Box–Muller. */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return z;
    }
    // 1 - u lies in (0, 1], so the logarithm is finite.
    const r = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const phi = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(phi);
    return r * Math.cos(phi);
  }

  /** A standard normal limited to [-limit, limit], for parameters that must stay plausible. */
  boundedNormal(limit = 3): number {
    const z = this.normal();
    return z > limit ? limit : z < -limit ? -limit : z;
  }

  /** Exponentially distributed with the given mean (> 0); 0 is possible, infinity is not. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.uniform());
  }

  /** `count` uniform bytes. */
  bytes(count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i++) out[i] = this.nextUint32() >>> 24;
    return out;
  }
}
