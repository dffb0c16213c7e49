import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../src/codec/base64.js';
import { crc32 } from '../src/codec/crc32.js';
import { decodeSensors, encodeSensors, SENSOR_LIMITS, SensorCodecError } from '../src/codec/sensorCodec.js';
import { STANDARD_CHANNELS } from '../src/model/channels.js';
import { SENSOR_ENCODING, type ChannelSamples, type DecodedSensors, type SensorInput } from '../src/model/types.js';

const M = 2 ** 31 - 1;

function ch(id: string, scale: number, values: ArrayLike<number>, unit = 'u'): ChannelSamples {
  return { id, unit, scale, values };
}

function input(...channels: ChannelSamples[]): SensorInput {
  return { sampleRateHz: 100, channels };
}

function payload(data: string): number[] {
  return Array.from(decodeBase64(data));
}

/** Version byte, u32 length and CRC-32 around `body` (the bytes after the length field). */
function framed(body: number[]): number[] {
  const length = 1 + 4 + body.length + 4;
  const bytes = [1, length & 255, (length >>> 8) & 255, (length >>> 16) & 255, length >>> 24, ...body];
  const crc = crc32(Uint8Array.from(bytes));
  return [...bytes, crc & 255, (crc >>> 8) & 255, (crc >>> 16) & 255, crc >>> 24];
}

/** The `width` low bits of `value`, least significant first, as a string of 0 and 1. */
function field(value: number, width: number): string {
  let bits = '';
  for (let b = 0; b < width; b++) bits += (value >>> b) & 1 ? '1' : '0';
  return bits;
}

/** Bytes of a bit string written LSB first (the first bit is bit 0 of byte 0), zero padded. */
function lsbFirst(bits: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < bits.length; i += 8) {
    let byte = 0;
    for (let b = 0; b < 8 && i + b < bits.length; b++) if (bits[i + b] === '1') byte |= 1 << b;
    out.push(byte);
  }
  return out;
}

/** Asserts every decoded sample is within scale / 2 of the input (NaN where the input is NaN). */
function expectWithinScale(original: SensorInput, decoded: DecodedSensors): void {
  expect(decoded.channels.length).toBe(original.channels.length);
  original.channels.forEach((c, k) => {
    const out = decoded.channels[k]!;
    expect(out.id).toBe(c.id);
    expect(out.values.length).toBe(c.values.length);
    for (let i = 0; i < c.values.length; i++) {
      const x = c.values[i]!;
      const y = out.values[i]!;
      if (Number.isNaN(x)) {
        if (!Number.isNaN(y)) expect.fail(`channel ${c.id} sample ${i}: expected NaN, got ${y}`);
        continue;
      }
      // Half a step, plus float slack for q * scale at |q| up to 2^31.
      const tolerance = c.scale / 2 + Math.abs(x) * 1e-14 + 1e-300;
      if (!(Math.abs(y - x) <= tolerance)) expect.fail(`channel ${c.id} sample ${i}: ${x} decoded as ${y}`);
    }
  });
}

function roundTrip(original: SensorInput): DecodedSensors {
  const block = encodeSensors(original);
  const decoded = decodeSensors(block);
  expectWithinScale(original, decoded);
  // Decoding then encoding again gives the very same document.
  expect(encodeSensors(decoded).data).toBe(block.data);
  return decoded;
}

function codecError(fn: () => unknown): SensorCodecError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SensorCodecError);
    return err as SensorCodecError;
  }
  throw new Error('expected a SensorCodecError');
}

describe('payload layout (bytes derived by hand from the format description)', () => {
  it('codes 0, 1, 2 at scale 1 as an order-2 block', () => {
    // Residuals for i = 1, 2: order 1 gives 1, 1 (zigzag 2, 2); order 2 gives 1, 0 (zigzag 2, 0).
    // Rice costs: order 1 takes 6 bits at any k (k = 0: 2 * 1 + (2 + 2)); order 2 with k = 0 takes
    // 2 * 1 + (2 + 0) = 4 bits, so order 2 wins: header 0x40 (k = 0, order bit), then unary
    // codes "001" (u = 2) and "1" (u = 0), LSB first: 0b1100 = 0x0c.
    const block = encodeSensors(input(ch('x', 1, [0, 1, 2])));
    expect(payload(block.data)).toEqual(framed([1, 3, 0, 0, 0x40, 0x0c]));
    // channel count 1, sample count 3, no missing runs, zigzag(q0 = 0) = 0, the bit stream.
    expect(Array.from(decodeSensors(block).channels[0]!.values)).toEqual([0, 1, 2]);
  });

  it('codes missing runs as (gap, length) and a constant as an all-zero block', () => {
    // q = 7 / 0.5 = 14 for the three present samples. Runs: (start 0, length 1) -> gap 0, length 1;
    // (start 4, length 1) -> gap 4 - 1 = 3, length 1. zigzag(14) = 28 = 0x1c. Both predictors give
    // only zero residuals; the tie takes order 1: header 0x80 (all zero), nothing follows.
    const block = encodeSensors(input(ch('x', 0.5, [NaN, 7, 7, 7, NaN])));
    expect(payload(block.data)).toEqual(framed([1, 5, 2, 0, 1, 3, 1, 0x1c, 0x80]));
    const values = Array.from(decodeSensors(block).channels[0]!.values);
    expect(values).toEqual([NaN, 7, 7, 7, NaN]);
  });

  it('codes an empty session as counts and empty channel sections', () => {
    const block = encodeSensors(input(ch('a', 1, []), ch('b', 0.1, new Float64Array(0))));
    expect(block.sampleCount).toBe(0);
    // 2 channels, 0 samples, each channel: 0 missing runs.
    expect(payload(block.data)).toEqual(framed([2, 0, 0, 0]));
    const decoded = decodeSensors(block);
    expect(decoded.channels.map((c) => c.values.length)).toEqual([0, 0]);
  });

  it('codes an all-missing channel as one run and nothing else', () => {
    const block = encodeSensors(input(ch('a', 1, [NaN, NaN, NaN])));
    expect(payload(block.data)).toEqual(framed([1, 3, 1, 0, 3]));
    expect(Array.from(decodeSensors(block).channels[0]!.values)).toEqual([NaN, NaN, NaN]);
  });

  it('spends one header byte per block of 64 zero residuals', () => {
    // 6401 samples = q0 + 6400 residuals = 100 blocks of 0x80. Bytes: version 1, length 4,
    // channel count 1, sample count 6401 (varint 0x81 0x32), runs 1, zigzag(3) = 6, 100 headers, CRC 4.
    const block = encodeSensors(input(ch('x', 1, new Float64Array(6401).fill(3))));
    const bytes = payload(block.data);
    expect(bytes.length).toBe(1 + 4 + 1 + 2 + 1 + 1 + 100 + 4);
    expect(bytes.slice(5, 11)).toEqual([1, 0x81, 0x32, 0, 6, 0x80]);
    expect(bytes.slice(10, 110).every((b) => b === 0x80)).toBe(true);
  });

  it('codes a straight ramp as order-2 zero blocks after the first, headers not byte aligned', () => {
    // q[i] = 5 i, 641 samples: 640 residuals in 10 blocks.
    // Block 1, order 1: all zigzag(5) = 10, 5 bits each (320). Order 2: r[1] = 5 - 0 (q[-1] = q[0]),
    // zigzag 10, then 63 zeros: mean 10/64 < 2, so k = 0 (64 + 10 = 74 bits) beats k = 1 (128 + 5).
    // Stream: header 0x40, unary 10 zeros + one, 63 ones; then 9 headers 0xc0 (zero block, order 2)
    // that start 82 bits in, so they straddle bytes; 154 bits padded to 20 bytes.
    const ramp = Float64Array.from({ length: 641 }, (_, i) => 5 * i);
    const block = encodeSensors(input(ch('x', 1, ramp)));
    const stream = lsbFirst(field(0x40, 8) + '0'.repeat(10) + '1' + '1'.repeat(63) + field(0xc0, 8).repeat(9));
    expect(stream.length).toBe(20);
    // channel count 1, sample count 641 = varint 0x81 0x05, no runs, zigzag(q0 = 0) = 0.
    expect(payload(block.data)).toEqual(framed([1, 0x81, 0x05, 0, 0, ...stream]));
    expect(Array.from(decodeSensors(block).channels[0]!.values)).toEqual(Array.from(ramp));
  });
});

describe('round trips', () => {
  it('decodes each block on its own, whatever was decoded before (the payload bytes are kept scratch)', () => {
    const wave = (n: number, f: number): Float64Array => Float64Array.from({ length: n }, (_, i) => Math.round(40 * Math.sin(i / f)) / 10);
    const big = encodeSensors({ sampleRateHz: 100, channels: [ch('a', 0.1, wave(5000, 7)), ch('b', 0.1, wave(5000, 3))] });
    const small = encodeSensors({ sampleRateHz: 100, channels: [ch('a', 0.1, wave(40, 2))] });
    const bigFirst = decodeSensors(big).channels.map((c) => Array.from(c.values));
    const smallFirst = Array.from(decodeSensors(small).channels[0]!.values);
    expect(Array.from(decodeSensors(small).channels[0]!.values)).toEqual(smallFirst);
    expect(decodeSensors(big).channels.map((c) => Array.from(c.values))).toEqual(bigFirst);
    smallFirst.forEach((v, i) => expect(Math.abs(v - wave(40, 2)[i]!)).toBeLessThan(1e-9));
    // A corrupted copy after a good one is still refused, and the good one still decodes.
    const broken = { ...small, data: `${small.data.slice(0, 8)}${small.data[8] === 'A' ? 'B' : 'A'}${small.data.slice(9)}` };
    expect(() => decodeSensors(broken)).toThrow(SensorCodecError);
    expect(Array.from(decodeSensors(small).channels[0]!.values)).toEqual(smallFirst);
  });

  it('rounds half steps up, as Math.round does', () => {
    // Scale 0.5 is exact in binary: 0.25 / 0.5 = 0.5 -> 1; -0.25 -> -0.5 -> 0; 0.74 -> 1.48 -> 1;
    // -0.76 -> -1.52 -> -2; 1.25 -> 2.5 -> 3.
    const decoded = decodeSensors(encodeSensors(input(ch('x', 0.5, [0.25, -0.25, 0.74, -0.76, 1.25]))));
    expect(Array.from(decoded.channels[0]!.values)).toEqual([0.5, 0, 0.5, -1, 1.5]);
    // Where x + 0.5 itself rounds, Math.round still takes the nearest integer: the largest double
    // below 0.5 rounds to 0, the smallest below -0.5 to -1, the largest below 1.5 to 1.
    const tricky = [0.49999999999999994, -0.5000000000000001, 1.4999999999999998, -2.5, 2.5];
    const back = decodeSensors(encodeSensors(input(ch('x', 1, tricky)))).channels[0]!.values;
    expect(Array.from(back)).toEqual([0, -1, 1, -2, 3]);
  });

  it('keeps NaN runs at the start, in the middle, at the end and whole channels', () => {
    const a = [NaN, NaN, 1.2, 1.3, NaN, 1.5, NaN, NaN, NaN, 2.0, 2.1, NaN];
    const b = [0.5, NaN, NaN, NaN, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, NaN, NaN];
    const c = new Array(12).fill(NaN);
    const d = [NaN, 3, NaN, 3, NaN, 3, NaN, 3, NaN, 3, NaN, 3];
    roundTrip(input(ch('a', 0.1, a), ch('b', 0.1, b), ch('c', 0.01, c), ch('d', 1, d)));
  });

  it('handles one sample and zero samples', () => {
    const one = roundTrip(input(ch('a', 0.1, [42.3]), ch('b', 0.01, [NaN])));
    expect(one.channels[0]!.values[0]).toBeCloseTo(42.3, 10);
    expect(Number.isNaN(one.channels[1]!.values[0])).toBe(true);
    const none = roundTrip(input(ch('a', 0.1, [])));
    expect(none.channels[0]!.values.length).toBe(0);
  });

  it('keeps the extremes +/-(2^31 - 1) steps exactly', () => {
    const scale = 0.01;
    const values = [M * scale, -M * scale, 0, M * scale, M * scale, -M * scale];
    const decoded = roundTrip(input(ch('x', scale, values)));
    expect(Array.from(decoded.channels[0]!.values, (v) => Math.round(v / scale))).toEqual([M, -M, 0, M, M, -M]);
  });

  it('survives alternating extremes: first differences of 33 bits, second differences of 34', () => {
    // q alternates +M, -M: r1 = -/+2M, r2 = +/-4M (zigzag up to 8M < 2^34), k > 24 in every block.
    const scale = 1;
    const q = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? M : -M));
    const decoded = roundTrip(input(ch('x', scale, q)));
    expect(Array.from(decoded.channels[0]!.values)).toEqual(q);
  });

  it('escapes lone huge residuals among small ones', () => {
    // Mostly 0..3, with a jump to +/-M every 50 samples: the mean keeps k small, so the jumps
    // exceed 16 * 2^k and are stored raw (the escape path).
    const q = Array.from({ length: 1000 }, (_, i) => (i % 50 === 25 ? (i % 100 === 25 ? M : -M) : i % 4));
    const decoded = roundTrip(input(ch('x', 1, q)));
    expect(Array.from(decoded.channels[0]!.values)).toEqual(q);
  });

  it('handles mixed scales in one session', () => {
    const n = 500;
    const wave = (amp: number, f: number) => Float64Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * f * i) / 100));
    roundTrip(
      input(
        ch('deg', 0.1, wave(60, 0.5)),
        ch('fine', 1e-6, wave(0.003, 7)),
        ch('coarse', 250, wave(1e5, 1)),
        ch('odd', 0.037, wave(12, 3)),
      ),
    );
  });

  it('copies channel descriptions (range included, unknown fields dropped) and is deterministic', () => {
    const extra = { id: 'flex.index', unit: 'deg', scale: 0.1, range: [-30, 150] as [number, number], values: [1, 2, 3], note: 'x' };
    const original = { sampleRateHz: 50, channels: [extra] };
    const block = encodeSensors(original);
    expect(block).toEqual({
      sampleRateHz: 50,
      sampleCount: 3,
      channels: [{ id: 'flex.index', unit: 'deg', scale: 0.1, range: [-30, 150] }],
      encoding: SENSOR_ENCODING,
      data: block.data,
    });
    expect(encodeSensors(original)).toEqual(block);
    const decoded = decodeSensors(JSON.parse(JSON.stringify(block)));
    expect(decoded.sampleRateHz).toBe(50);
    const { values, ...info } = decoded.channels[0]!;
    expect(info).toEqual({ id: 'flex.index', unit: 'deg', scale: 0.1, range: [-30, 150] });
    expect(values).toBeInstanceOf(Float64Array);
  });
});

describe('encoder refuses what it cannot store', () => {
  it('refuses +/-Infinity, naming channel and sample', () => {
    const err = codecError(() => encodeSensors(input(ch('flex.thumb', 0.1, [1, 2]), ch('acc.x', 0.01, [0, Infinity]))));
    expect(err.code).toBe('not-finite');
    expect(err.message).toBe('channel "acc.x" sample 1 is Infinity');
    const err2 = codecError(() => encodeSensors(input(ch('gyro.z', 0.1, [-Infinity]))));
    expect(err2.code).toBe('not-finite');
    expect(err2.message).toBe('channel "gyro.z" sample 0 is -Infinity');
  });

  it('refuses values beyond +/-(2^31 - 1) steps, never wrapping', () => {
    // 2^31 * 0.01 / 0.01 rounds to 2^31, one step beyond the limit.
    const err = codecError(() => encodeSensors(input(ch('acc.y', 0.01, [0, 0, 2 ** 31 * 0.01]))));
    expect(err.code).toBe('out-of-range');
    expect(err.message).toContain('channel "acc.y" sample 2');
    expect(err.message).toContain('2147483648 steps');
    const err2 = codecError(() => encodeSensors(input(ch('acc.y', 1e-300, [1]))));
    expect(err2.code).toBe('out-of-range');
    expect(err2.message).toContain('channel "acc.y" sample 0');
    // Exactly at the limit is fine.
    expect(() => encodeSensors(input(ch('acc.y', 0.01, [-M * 0.01, M * 0.01])))).not.toThrow();
  });

  it('refuses channels of different lengths', () => {
    const err = codecError(() => encodeSensors(input(ch('flex.thumb', 0.1, [1, 2, 3]), ch('flex.index', 0.1, [1, 2]))));
    expect(err.code).toBe('bad-input');
    expect(err.message).toContain('channel "flex.index" has 2 samples but channel "flex.thumb" has 3');
  });

  it('refuses a scale that is zero, negative, NaN, infinite or not a number', () => {
    for (const scale of [0, -0.1, NaN, Infinity, '0.1']) {
      const err = codecError(() => encodeSensors(input(ch('acc.z', scale as number, [1]))));
      expect(err.code).toBe('bad-input');
      expect(err.message).toContain('("acc.z").scale must be a finite number > 0');
    }
  });

  it('refuses samples that are not numbers', () => {
    const err = codecError(() => encodeSensors(input(ch('acc.x', 0.01, [1, null as unknown as number]))));
    expect(err.code).toBe('bad-input');
    expect(err.message).toBe('channel "acc.x" sample 1 is not a number (got null)');
  });

  it('refuses a bad header: rate, channel list, ids, values', () => {
    const cases: [unknown, string, string][] = [
      [null, 'bad-input', 'sensor input must be an object'],
      [{ channels: [ch('a', 1, [1])] }, 'bad-input', 'missing "sampleRateHz"'],
      [{ sampleRateHz: 0, channels: [ch('a', 1, [1])] }, 'bad-input', 'sampleRateHz must be finite, > 0 and <= 1000, got 0'],
      [{ sampleRateHz: 20000, channels: [ch('a', 1, [1])] }, 'bad-input', 'got 20000'],
      [{ sampleRateHz: 100, channels: [] }, 'bad-input', 'channels is empty'],
      [{ sampleRateHz: 100, channels: [ch('', 1, [1])] }, 'bad-input', 'channels[0].id must be a non-empty string'],
      [{ sampleRateHz: 100, channels: [ch('a', 1, [1]), ch('a', 1, [2])] }, 'bad-input', 'channels[1].id "a" repeats channels[0]'],
      [{ sampleRateHz: 100, channels: [{ id: 'a', unit: 'u', scale: 1 }] }, 'bad-input', 'channel "a": values must be an array'],
      [{ sampleRateHz: 100, channels: [{ ...ch('a', 1, [1]), range: [5, 1] }] }, 'bad-input', '("a").range must be [low, high]'],
      [{ sampleRateHz: 100, channels: Array.from({ length: 65 }, (_, i) => ch(`c${i}`, 1, [1])) }, 'too-large', 'has 65 entries'],
    ];
    for (const [bad, code, fragment] of cases) {
      const err = codecError(() => encodeSensors(bad as SensorInput));
      expect(err.code).toBe(code);
      expect(err.message).toContain(fragment);
    }
  });

  it('refuses sizes beyond the limits before allocating', () => {
    // Array-likes that only claim a length: the encoder must stop before reading or allocating.
    const claim = (length: number): ArrayLike<number> => ({ length }) as ArrayLike<number>;
    const err = codecError(() => encodeSensors(input(ch('a', 1, claim(SENSOR_LIMITS.maxSampleCount + 1)))));
    expect(err.code).toBe('too-large');
    expect(err.message).toContain('2000001 exceeds the limit of 2000000');
    const many = Array.from({ length: 17 }, (_, i) => ch(`c${i}`, 1, claim(2_000_000)));
    const err2 = codecError(() => encodeSensors(input(...many)));
    expect(err2.code).toBe('too-large');
    expect(err2.message).toContain('17 channels x 2000000 samples');
  });
});

/** Small deterministic PRNG (mulberry32) so the size test sees the same signal every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A five-minute 100 Hz glove session shaped like real data: finger flexions
 * are raised-cosine bumps of 30-80 deg lasting 0.5-1 s about every 2 s plus
 * 0.2 deg noise; the hand tilts (pitch, roll, yaw bumps of up to 25 deg), so
 * the accelerometer sees gravity split over its axes (+0.03 m/s2 noise and a
 * little movement acceleration) and the gyroscope the rotation rate (tens of
 * deg/s at the bumps) + 0.3 deg/s noise + a small 6 Hz tremor.
 */
function gloveSession(seed: number, seconds: number): SensorInput {
  const rate = 100;
  const n = seconds * rate;
  const rnd = mulberry32(seed);
  // Irwin-Hall: the sum of 4 uniforms, scaled to unit variance, is gaussian-ish.
  const gauss = () => (rnd() + rnd() + rnd() + rnd() - 2) * Math.sqrt(3);
  const bumps = (meanGapS: number, lo: number, hi: number, base: number): Float64Array => {
    const x = new Float64Array(n).fill(base);
    let t = rnd() * meanGapS;
    while (t < seconds) {
      const len = Math.round((0.5 + 0.5 * rnd()) * rate);
      const amp = lo + (hi - lo) * rnd();
      const i0 = Math.round(t * rate);
      for (let k = 0; k < len && i0 + k < n; k++) x[i0 + k]! += amp * (0.5 - 0.5 * Math.cos((2 * Math.PI * k) / len));
      t += meanGapS * (0.75 + 0.5 * rnd());
    }
    return x;
  };
  const columns: Float64Array[] = [];
  for (let f = 0; f < 5; f++) {
    const x = bumps(2, 30, 80, 5 + 5 * rnd());
    for (let i = 0; i < n; i++) x[i]! += 0.2 * gauss();
    columns.push(x);
  }
  const pitch = bumps(3, -20, 20, 10);
  const roll = bumps(3, -25, 25, -5);
  const yaw = bumps(4, -15, 15, 0);
  const rad = Math.PI / 180;
  const acc = [new Float64Array(n), new Float64Array(n), new Float64Array(n)] as const;
  const gyro = [new Float64Array(n), new Float64Array(n), new Float64Array(n)] as const;
  const rateOf = (a: Float64Array, i: number) => (i > 0 ? (a[i]! - a[i - 1]!) * rate : 0);
  for (let i = 0; i < n; i++) {
    const p = pitch[i]! * rad;
    const r = roll[i]! * rad;
    const move = i > 0 && i < n - 1 ? (pitch[i + 1]! - 2 * pitch[i]! + pitch[i - 1]!) * rate * rate * rad * 0.08 : 0;
    acc[0][i] = 9.81 * Math.sin(p) + move + 0.03 * gauss();
    acc[1][i] = -9.81 * Math.sin(r) * Math.cos(p) + 0.03 * gauss();
    acc[2][i] = 9.81 * Math.cos(r) * Math.cos(p) + 0.03 * gauss();
    const tremor = 1.5 * Math.sin((2 * Math.PI * 6 * i) / rate);
    gyro[0][i] = rateOf(roll, i) + 0.3 * gauss() + tremor;
    gyro[1][i] = rateOf(pitch, i) + 0.3 * gauss() + 0.5 * tremor;
    gyro[2][i] = rateOf(yaw, i) + 0.3 * gauss();
  }
  columns.push(...acc, ...gyro);
  return { sampleRateHz: rate, channels: STANDARD_CHANNELS.map((c, k) => ({ ...c, values: columns[k]! })) };
}

/** JSON of the samples as a naive document would carry them: rounded to the channel's scale and decimals. */
function jsonOfRounded(session: SensorInput): string {
  return JSON.stringify(
    session.channels.map((c) => {
      const decimals = Math.max(0, Math.round(-Math.log10(c.scale)));
      return Array.from(c.values, (v) => Number((Math.round(v / c.scale) * c.scale).toFixed(decimals)));
    }),
  );
}

describe('size', () => {
  it('packs a five-minute 100 Hz glove session into at most 20% of its JSON', () => {
    const session = gloveSession(20261124, 300);
    const json = jsonOfRounded(session);
    // Sanity of the baseline: 45.3 prints as 45.3, not 45.300000000000004.
    expect(json).not.toMatch(/\.\d{4,}/);
    const block = encodeSensors(session);
    // The whole sensor block as it sits in the document, channel descriptions included.
    const ratio = JSON.stringify(block).length / json.length;
    expect(ratio).toBeLessThanOrEqual(0.2);
    expectWithinScale(session, decodeSensors(block));
  });
});
