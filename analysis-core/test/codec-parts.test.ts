import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from '../src/codec/base64.js';
import { ByteReader, ByteWriter, varintSize } from '../src/codec/byteIO.js';
import { SensorCodecError } from '../src/codec/codecError.js';
import { crc32, crc32Portable } from '../src/codec/crc32.js';
import { unzigzag, zigzag } from '../src/codec/sampleCoding.js';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Deterministic bytes (LCG), enough to exercise every code path of the tables. */
function pseudoBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
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

describe('base64', () => {
  it('encodes and decodes the RFC 4648 test vectors', () => {
    // RFC 4648 section 10.
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, encoded] of vectors) {
      expect(encodeBase64(ascii(plain))).toBe(encoded);
      expect(Array.from(decodeBase64(encoded))).toEqual(Array.from(ascii(plain)));
    }
  });

  it('uses + and / for 62 and 63', () => {
    // 0xfb 0xff = 111110 111111 1111(00): sextets 62, 63, 60 -> "+/8=".
    expect(encodeBase64(Uint8Array.of(0xfb, 0xff))).toBe('+/8=');
    expect(Array.from(decodeBase64('+/8='))).toEqual([0xfb, 0xff]);
  });

  it('agrees with Buffer on every length up to 70 000 bytes (chunked string building)', () => {
    for (const n of [0, 1, 2, 3, 255, 256, 257, 6143, 6144, 6145, 70_000]) {
      const bytes = pseudoBytes(n, n + 1);
      const expected = Buffer.from(bytes).toString('base64');
      expect(encodeBase64(bytes)).toBe(expected);
      // Buffer.equals: a deep toEqual over 70 000 elements is needlessly slow.
      expect(Buffer.from(decodeBase64(expected)).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it('rejects a length that is not a multiple of 4', () => {
    const err = codecError(() => decodeBase64('Zm9vY'));
    expect(err.code).toBe('bad-base64');
    expect(err.message).toContain('length 5 is not a multiple of 4');
  });

  it('rejects characters outside the alphabet, naming character and index', () => {
    const cases: [string, string][] = [
      ['Zm9v!mFy', '"!" (code 33) at index 4'],
      ['Zm9v YmF', '" " (code 32) at index 4'],
      ['Zm9vYmF\n', '"\\n" (code 10) at index 7'],
      ['Zm9-YmFy', '"-" (code 45) at index 3'], // base64url is a different alphabet
      ['Zm9vYmé=', '"é" (code 233) at index 6'],
      ['Zm9vYm\u0101=', '"ā" (code 257) at index 6'],
      // Outside the padded last quad too: the fast path reads only characters below 128.
      ['Zm9vYéFy', '"é" (code 233) at index 5'],
      ['Zm9v\u{1F600}Fy', '(code 55357) at index 4'],
      ['Zm9v\ud800mFy', '(code 55296) at index 4'],
      ['Zm9vYmFyYmF\u007f', '(code 127) at index 11'],
    ];
    for (const [text, fragment] of cases) {
      const err = codecError(() => decodeBase64(text));
      expect(err.code).toBe('bad-base64');
      expect(err.message).toContain(fragment);
    }
  });

  it('rejects misplaced padding', () => {
    for (const [text, index] of [
      ['Zg==Zm9v', 2],
      ['Z===', 1],
      ['====', 0],
      ['Zm=v', 2],
    ] as const) {
      const err = codecError(() => decodeBase64(text));
      expect(err.code).toBe('bad-base64');
      expect(err.message).toContain(`misplaced base64 padding "=" at index ${index}`);
    }
  });

  it('rejects non-zero bits before the padding (a second spelling of the same bytes)', () => {
    // "Zh==": h = 33 = 100001, its low 4 bits must be 0 when only 8 bits are kept.
    const err = codecError(() => decodeBase64('Zh=='));
    expect(err.code).toBe('bad-base64');
    expect(err.message).toContain('non-zero bits before the base64 padding at index 1');
    const err2 = codecError(() => decodeBase64('Zm9='));
    expect(err2.message).toContain('at index 2');
  });
});

describe('crc32', () => {
  it('matches the CRC-32 check value and the empty input', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('agrees with zlib on ranges of every alignment (slicing-by-8 and its tail), in JavaScript and through the platform', () => {
    const bytes = pseudoBytes(1000, 7);
    for (const [start, end] of [
      [0, 1000],
      [0, 7],
      [1, 9],
      [3, 20],
      [5, 999],
      [500, 500],
    ] as const) {
      expect(crc32Portable(bytes, start, end)).toBe(zlibCrc32(bytes.subarray(start, end)));
      expect(crc32(bytes, start, end)).toBe(zlibCrc32(bytes.subarray(start, end)));
    }
    expect(crc32Portable(ascii('123456789'))).toBe(0xcbf43926);
  });
});

describe('varints', () => {
  it('writes LEB128 and reads it back, up to 42 bits', () => {
    const w = new ByteWriter(4);
    const values = [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 32, 2 ** 34 - 1, 2 ** 42 - 1];
    for (const v of values) w.varint(v);
    const bytes = w.view();
    // 300 = 0b10_0101100 -> 0xac 0x02 (low 7 bits first, continuation bit set).
    expect(Array.from(bytes.subarray(0, 5))).toEqual([0, 1, 127, 0x80, 0x01]);
    expect(Array.from(bytes.subarray(5, 7))).toEqual([0xac, 0x02]);
    const r = new ByteReader(bytes, 0, bytes.length);
    for (const v of values) expect(r.varint('v')).toBe(v);
    expect(r.pos).toBe(bytes.length);
    expect(values.map(varintSize)).toEqual([1, 1, 1, 2, 2, 5, 5, 5, 6]);
  });

  it('refuses a varint longer than 6 bytes and one cut short', () => {
    const long = Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01);
    const err = codecError(() => new ByteReader(long, 0, long.length).varint('the count'));
    expect(err.code).toBe('inconsistent');
    expect(err.message).toContain('the count');
    const cut = Uint8Array.of(0x80, 0x80);
    const err2 = codecError(() => new ByteReader(cut, 0, cut.length).varint('the count'));
    expect(err2.code).toBe('truncated');
    expect(err2.message).toContain('payload ends inside the count');
  });
});

describe('zigzag', () => {
  it('maps 0, -1, 1, -2, 2 to 0, 1, 2, 3, 4 and back', () => {
    expect([0, -1, 1, -2, 2].map(zigzag)).toEqual([0, 1, 2, 3, 4]);
    expect([0, 1, 2, 3, 4].map(unzigzag)).toEqual([0, -1, 1, -2, 2]);
  });

  it('is exact at the extremes of second differences of int32 samples', () => {
    const m = 2 ** 31 - 1;
    // Largest |second difference|: m - 2(-m) + m = 4m; zigzag(4m) = 8m, zigzag(-4m) = 8m - 1 (< 2^34).
    expect(zigzag(4 * m)).toBe(8 * m);
    expect(zigzag(-4 * m)).toBe(8 * m - 1);
    expect(unzigzag(8 * m)).toBe(4 * m);
    expect(unzigzag(8 * m - 1)).toBe(-4 * m);
    expect(zigzag(-(2 ** 33))).toBe(2 ** 34 - 1);
    expect(Object.is(unzigzag(0), 0)).toBe(true);
  });
});
