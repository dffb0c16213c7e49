import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from '../src/codec/base64.js';
import { crc32 } from '../src/codec/crc32.js';
import { decodeSensors, encodeSensors, SensorCodecError, type SensorCodecErrorCode } from '../src/codec/sensorCodec.js';
import { SENSOR_ENCODING, type SensorBlock } from '../src/model/types.js';

/** A valid block: 2 channels x 200 samples with a missing run, so every section is present. */
function validBlock(): SensorBlock {
  const n = 200;
  const a = Float64Array.from({ length: n }, (_, i) => 40 * Math.sin(i / 15) + (i % 7) * 0.1);
  const b = Float64Array.from({ length: n }, (_, i) => (i >= 50 && i < 60 ? NaN : 9.81 + 0.01 * (i % 5)));
  return encodeSensors({
    sampleRateHz: 100,
    channels: [
      { id: 'flex.index', unit: 'deg', scale: 0.1, range: [-30, 150], values: a },
      { id: 'acc.z', unit: 'm/s2', scale: 0.01, values: b },
    ],
  });
}

function withData(block: SensorBlock, bytes: ArrayLike<number>): SensorBlock {
  return { ...block, data: encodeBase64(Uint8Array.from(bytes)) };
}

/** Version byte, u32 length and a correct CRC-32 around `body`: structurally hostile but intact payloads. */
function framed(body: number[], version = 1): number[] {
  const length = 1 + 4 + body.length + 4;
  const bytes = [version, length & 255, (length >>> 8) & 255, (length >>> 16) & 255, length >>> 24, ...body];
  const crc = crc32(Uint8Array.from(bytes));
  return [...bytes, crc & 255, (crc >>> 8) & 255, (crc >>> 16) & 255, crc >>> 24];
}

/** A one-channel, `samples`-long block header carrying the given payload. */
function oneChannel(samples: number, bytes: number[]): SensorBlock {
  return {
    sampleRateHz: 100,
    sampleCount: samples,
    channels: [{ id: 'x', unit: 'u', scale: 1 }],
    encoding: SENSOR_ENCODING,
    data: encodeBase64(Uint8Array.from(bytes)),
  };
}

function expectCodecError(block: unknown, code: SensorCodecErrorCode, fragment: string): SensorCodecError {
  let caught: unknown;
  try {
    decodeSensors(block);
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof SensorCodecError)) {
    expect.fail(`expected SensorCodecError ${code} ("${fragment}"), got ${caught === undefined ? 'no error' : String(caught)}`);
  }
  expect({ code: caught.code, message: caught.message }).toEqual({ code, message: expect.stringContaining(fragment) });
  return caught;
}

describe('decodeSensors: the block header', () => {
  it('refuses what is not an object', () => {
    for (const [value, name] of [
      [null, 'null'],
      [42, 'number'],
      ['{}', 'string'],
      [[], 'array'],
      [undefined, 'undefined'],
    ] as const) {
      expectCodecError(value, 'bad-input', `sensor block must be an object, got ${name}`);
    }
  });

  it('names each missing field', () => {
    for (const field of ['sampleRateHz', 'sampleCount', 'channels', 'encoding', 'data'] as const) {
      const block: Record<string, unknown> = { ...validBlock() };
      delete block[field];
      expectCodecError(block, 'bad-input', `sensor block is missing "${field}"`);
    }
  });

  it('names each field of the wrong type', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ sampleRateHz: '100' }, 'sampleRateHz must be a number, got string'],
      [{ sampleCount: '200' }, 'sampleCount must be a number, got string'],
      [{ sampleCount: null }, 'sampleCount must be a number, got null'],
      [{ channels: {} }, 'channels must be an array, got object'],
      [{ channels: 'flex' }, 'channels must be an array, got string'],
      [{ data: 12 }, 'data must be a string, got number'],
      [{ data: ['QUJD'] }, 'data must be a string, got array'],
      [{ encoding: 1 }, 'encoding must be "m2m-delta-bitpack/1", got 1'],
      [{ encoding: null }, 'encoding must be "m2m-delta-bitpack/1", got null'],
    ];
    for (const [patch, fragment] of cases) expectCodecError({ ...validBlock(), ...patch }, 'bad-input', fragment);
  });

  it('refuses values out of their domain', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ sampleRateHz: 0 }, 'sampleRateHz must be finite, > 0 and <= 1000, got 0'],
      [{ sampleRateHz: -100 }, 'got -100'],
      [{ sampleRateHz: NaN }, 'got NaN'],
      [{ sampleRateHz: Infinity }, 'got Infinity'],
      [{ sampleRateHz: 10_001 }, 'got 10001'],
      [{ sampleCount: 1.5 }, 'sampleCount must be an integer >= 0, got 1.5'],
      [{ sampleCount: -1 }, 'got -1'],
      [{ sampleCount: NaN }, 'got NaN'],
      [{ channels: [] }, 'channels is empty'],
      [{ encoding: 'm2m-delta-bitpack/2' }, 'encoding must be "m2m-delta-bitpack/1", got "m2m-delta-bitpack/2"'],
    ];
    for (const [patch, fragment] of cases) expectCodecError({ ...validBlock(), ...patch }, 'bad-input', fragment);
  });

  it('refuses bad channel descriptions, naming the channel', () => {
    const good = { id: 'acc.z', unit: 'm/s2', scale: 0.01 };
    const first = validBlock().channels[0]!;
    const cases: [unknown, string][] = [
      [null, 'channels[1] must be an object, got null'],
      [[good], 'channels[1] must be an object, got array'],
      [{ ...good, id: '' }, 'channels[1].id must be a non-empty string of at most 64 characters, got ""'],
      [{ ...good, id: 'x'.repeat(65) }, 'channels[1].id must be a non-empty string'],
      [{ ...good, id: 7 }, 'channels[1].id must be a non-empty string of at most 64 characters, got 7'],
      [{ ...good, id: 'flex.index' }, 'channels[1].id "flex.index" repeats channels[0]'],
      [{ ...good, unit: 3 }, 'channels[1] ("acc.z").unit must be a string, got number'],
      [{ ...good, scale: 0 }, 'channels[1] ("acc.z").scale must be a finite number > 0, got 0'],
      [{ ...good, scale: -0.01 }, 'got -0.01'],
      [{ ...good, scale: NaN }, 'got NaN'],
      [{ ...good, scale: Infinity }, 'got Infinity'],
      [{ ...good, scale: '0.01' }, 'got "0.01"'],
      [{ ...good, range: [1] }, 'channels[1] ("acc.z").range must be [low, high]'],
      [{ ...good, range: [2, 1] }, '("acc.z").range must be [low, high]'],
      [{ ...good, range: [0, Infinity] }, '("acc.z").range must be [low, high]'],
      [{ ...good, range: 'wide' }, '("acc.z").range must be [low, high]'],
    ];
    for (const [channel, fragment] of cases) {
      expectCodecError({ ...validBlock(), channels: [first, channel] }, 'bad-input', fragment);
    }
  });

  it('refuses absurd sizes at once, before reading the data or allocating', () => {
    const block = validBlock();
    // The data field throws when read: the counts alone must be enough to refuse.
    const untouched = (patch: Record<string, unknown>): Record<string, unknown> => {
      const b: Record<string, unknown> = { ...block, ...patch };
      Object.defineProperty(b, 'data', {
        enumerable: true,
        get: () => {
          throw new Error('data was read');
        },
      });
      return b;
    };
    expectCodecError(untouched({ sampleCount: 1e12 }), 'too-large', 'sampleCount 1000000000000 exceeds the limit of 2000000');
    expectCodecError(untouched({ sampleCount: 2_000_001 }), 'too-large', 'exceeds the limit');
    // 32 channels of 2,000,000 samples would be 512 MB of Float64Array: refused by the total.
    const wide = Array.from({ length: 32 }, (_, i) => ({ id: `c${i}`, unit: 'u', scale: 1 }));
    expectCodecError(untouched({ sampleCount: 2_000_000, channels: wide }), 'too-large', '32 channels x 2000000 samples exceeds the limit of 8000000');
    const many = Array.from({ length: 100_000 }, (_, i) => ({ id: `c${i}`, unit: 'u', scale: 1 }));
    expectCodecError(untouched({ channels: many }), 'too-large', 'channels has 100000 entries, above the limit of 32');
    // Data longer than 2 channels x 200 samples could ever need: 16 + 2 (32 + 11 * 200) = 4480
    // bytes, 4 * ceil(4480 / 3) = 5976 characters of base64. Refused before base64 decoding:
    // the text is not even base64.
    expectCodecError({ ...block, data: '!'.repeat(8000) }, 'too-large', 'data has 8000 characters, more than the 5976');
  });
});

describe('decodeSensors: the data string', () => {
  it('refuses bad base64', () => {
    const block = validBlock();
    expectCodecError({ ...block, data: block.data.slice(0, -1) }, 'bad-base64', 'is not a multiple of 4');
    expectCodecError({ ...block, data: `${block.data.slice(0, 8)}*${block.data.slice(9)}` }, 'bad-base64', 'invalid base64 character "*" (code 42) at index 8');
    expectCodecError({ ...block, data: ` ${block.data.slice(1)}` }, 'bad-base64', 'at index 0');
    expectCodecError({ ...block, data: `====${block.data.slice(4)}` }, 'bad-base64', 'misplaced base64 padding');
    expectCodecError({ ...block, data: '' }, 'truncated', 'data is 0 bytes');
  });

  it('reports data cut anywhere as truncated', () => {
    const block = validBlock();
    const bytes = decodeBase64(block.data);
    for (let cut = 0; cut < bytes.length; cut += 3) {
      expectCodecError(withData(block, bytes.subarray(0, cut)), 'truncated', cut < 11 ? `data is ${cut} bytes` : 'truncated');
    }
    // Cutting the base64 text on a 4-character boundary is the same thing.
    expectCodecError({ ...block, data: block.data.slice(0, 40) }, 'truncated', 'data is 30 bytes but its length field says');
  });

  it('detects every flipped byte', () => {
    const block = validBlock();
    const bytes = decodeBase64(block.data);
    for (let at = 0; at < bytes.length; at++) {
      for (const mask of [0x01, 0x80]) {
        const bad = Uint8Array.from(bytes);
        bad[at]! ^= mask;
        if (at >= 1 && at <= 4) {
          // A flipped length byte: when the field now says more than there is, the data looks cut short.
          const declared = (bad[1]! | (bad[2]! << 8) | (bad[3]! << 16) | (bad[4]! << 24)) >>> 0;
          if (declared > bytes.length) expectCodecError(withData(block, bad), 'truncated', `length field says ${declared}`);
          else expectCodecError(withData(block, bad), 'checksum', 'checksum mismatch');
        } else {
          expectCodecError(withData(block, bad), 'checksum', 'checksum mismatch');
        }
      }
    }
  });

  it('refuses trailing bytes after the payload', () => {
    const block = validBlock();
    const bytes = Array.from(decodeBase64(block.data));
    expectCodecError(withData(block, [...bytes, 0]), 'inconsistent', '1 trailing byte(s) after the');
    expectCodecError(withData(block, [...bytes, 1, 2, 3, 4, 5]), 'inconsistent', '5 trailing byte(s)');
  });

  it('refuses a sampleCount or a channel list that disagrees with the data', () => {
    const block = validBlock();
    expectCodecError({ ...block, sampleCount: 199 }, 'inconsistent', 'data holds 200 samples per channel but sampleCount is 199');
    expectCodecError({ ...block, sampleCount: 201 }, 'inconsistent', 'but sampleCount is 201');
    // 0 samples: at most 16 + 2 * 32 = 80 bytes, 108 characters; the data is longer.
    expectCodecError({ ...block, sampleCount: 0 }, 'too-large', 'more than the 108 that 2 channels x 0 samples can need');
    const extra = [...block.channels, { id: 'gyro.x', unit: 'deg/s', scale: 0.1 }];
    expectCodecError({ ...block, channels: extra }, 'inconsistent', 'data holds 2 channels but the block lists 3');
    expectCodecError({ ...block, channels: block.channels.slice(0, 1) }, 'inconsistent', 'data holds 2 channels but the block lists 1');
  });
});

describe('decodeSensors: intact but impossible payloads (correct CRC)', () => {
  it('checks the version and the length field', () => {
    expectCodecError(oneChannel(1, framed([1, 1, 0, 0], 2)), 'inconsistent', 'unsupported payload format version 2');
    const bytes = framed([1, 1, 0, 0]);
    bytes[1] = bytes[1]! + 1; // length field says one more byte
    const crc = crc32(Uint8Array.from(bytes.slice(0, -4)));
    bytes.splice(-4, 4, crc & 255, (crc >>> 8) & 255, (crc >>> 16) & 255, crc >>> 24);
    expectCodecError(oneChannel(1, bytes), 'inconsistent', 'length field says 14 bytes but the data is 13');
  });

  it('checks missing runs', () => {
    // 10 samples; runs are (gap, length) pairs after a count.
    expectCodecError(oneChannel(10, framed([1, 10, 6])), 'inconsistent', 'declares 6 missing runs, more than 10 samples can hold');
    expectCodecError(oneChannel(10, framed([1, 10, 1, 0, 0])), 'inconsistent', 'missing run 0 (start 0, length 0) is empty');
    expectCodecError(oneChannel(10, framed([1, 10, 2, 0, 2, 0, 3])), 'inconsistent', 'missing run 1 (start 2, length 3) touches the previous run');
    expectCodecError(oneChannel(10, framed([1, 10, 1, 5, 6])), 'inconsistent', 'missing run 0 (start 5, length 6) ends past sample 10');
    expectCodecError(oneChannel(10, framed([1, 10, 1, 0])), 'truncated', 'payload ends inside channel "x" missing run 0');
  });

  it('checks the samples section', () => {
    // 1 sample, zigzag(q0) = 2^32 (q0 = 2^31) as a varint: 0x80 0x80 0x80 0x80 0x10.
    expectCodecError(oneChannel(1, framed([1, 1, 0, 0x80, 0x80, 0x80, 0x80, 0x10])), 'inconsistent', 'present sample 0 decodes to 2147483648 steps');
    // 3 samples, q0 = 0, header k = 35: beyond the widest residual.
    expectCodecError(oneChannel(3, framed([1, 3, 0, 0, 35])), 'inconsistent', 'residual block 0 has an invalid header 0x23');
    // The zero-block flag with k = 1.
    expectCodecError(oneChannel(3, framed([1, 3, 0, 0, 0x81])), 'inconsistent', 'invalid header 0x81');
    // k = 0 and 24 zero bits where unary codes should be: a code longer than 17 bits.
    expectCodecError(oneChannel(3, framed([1, 3, 0, 0, 0, 0, 0, 0])), 'inconsistent', 'unary code longer than 17 bits');
    // k = 0, unary: 17 zeros then a one (u = 17) for the first residual.
    expectCodecError(oneChannel(3, framed([1, 3, 0, 0, 0, 0, 0, 0b110])), 'inconsistent', 'unary code longer than 17 bits');
    // q0 = M, order 1, k = 0, residual +1 (zigzag 2: "001") then 0 ("1"): 2^31 steps.
    const m = [0xfe, 0xff, 0xff, 0xff, 0x0f]; // zigzag(2^31 - 1) = 2^32 - 2
    expectCodecError(oneChannel(3, framed([1, 3, 0, ...m, 0, 0b1100])), 'inconsistent', 'present sample 1 decodes to 2147483648 steps');
    // The same step out of range, then back in range (zigzag -1: "01"): the sample inside the block is refused.
    expectCodecError(oneChannel(3, framed([1, 3, 0, ...m, 0, 0b10100])), 'inconsistent', 'present sample 1 decodes to 2147483648 steps');
  });

  it('checks that the bit stream fits and that nothing follows the last channel', () => {
    // 100 samples: 99 residuals need 2 blocks, only one header is there (k = 0, 64 one bits).
    expectCodecError(oneChannel(100, framed([1, 100, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255])), 'truncated', 'payload ends inside channel "x" samples, residual block 1');
    // k = 2 for 2 residuals needs 4 bits of low parts and 2 unary codes: the header is all there is.
    expectCodecError(oneChannel(3, framed([1, 3, 0, 0, 2])), 'truncated', 'payload ends inside channel "x" samples, residual block 0');
    // An escape (16 zeros and a one, k = 0) whose 34 raw bits are missing: 0b...1 at bit 16.
    expectCodecError(oneChannel(2, framed([1, 2, 0, 0, 0, 0, 0, 1])), 'truncated', 'residual block 0');
    // A valid 3-sample channel (q = 0, 0, 0: one zero block) followed by a spare byte.
    expectCodecError(oneChannel(3, framed([1, 3, 0, 0, 0x80, 7])), 'inconsistent', '1 unused byte(s) after the last channel');
    expect(Array.from(decodeSensors(oneChannel(3, framed([1, 3, 0, 0, 0x80]))).channels[0]!.values)).toEqual([0, 0, 0]);
  });
});
