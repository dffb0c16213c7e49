import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from '../src/codec/base64.js';
import { decodeSensors, encodeSensors, SensorCodecError } from '../src/codec/sensorCodec.js';
import type { ChannelSamples, SensorInput } from '../src/model/types.js';

const M = 2 ** 31 - 1;

/** Scales seen in practice and awkward ones (not exact in binary, tiny, huge). */
const scaleArb = fc.oneof(
  fc.constantFrom(0.1, 0.01, 1, 0.5, 0.037, 1e-6, 250),
  fc.double({ min: 1e-4, max: 1e3, noNaN: true, noDefaultInfinity: true }),
);

/**
 * One channel's samples as steps of its scale, then scaled: a random walk
 * (smooth, exercises both predictors), white values of a random magnitude
 * up to the int32 limit (noisy, wide residuals, escapes), or a mixture; each
 * sample missing (NaN) with a random probability. Steps stay within
 * +/-(2^31 - 2) so that rounding the scaled value cannot pass the limit.
 */
function channelArb(length: number): fc.Arbitrary<{ scale: number; values: number[] }> {
  const limit = M - 1;
  const magnitude = fc.constantFrom(1, 10, 1000, 2 ** 20, limit);
  const walk = fc
    .tuple(fc.array(fc.integer({ min: -50, max: 50 }), { minLength: length, maxLength: length }), fc.integer({ min: -1e6, max: 1e6 }))
    .map(([steps, start]) => {
      let x = start;
      return steps.map((s) => (x = Math.max(-limit, Math.min(limit, x + s))));
    });
  const white = fc
    .tuple(magnitude, fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: length, maxLength: length }))
    .map(([mag, xs]) => xs.map((x) => x * mag));
  const extremes = fc.array(fc.constantFrom(-limit, limit, 0, 1, -1), { minLength: length, maxLength: length });
  return fc
    .record({
      scale: scaleArb,
      steps: fc.oneof(walk, white, extremes),
      missing: fc.constantFrom(0, 0.05, 0.5, 1),
      holes: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: length, maxLength: length }),
    })
    .map(({ scale, steps, missing, holes }) => ({
      scale,
      values: steps.map((s, i) => (holes[i]! < missing ? NaN : s * scale)),
    }));
}

const sessionArb: fc.Arbitrary<SensorInput> = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 400 })))
  .chain(([channels, length]) => fc.array(channelArb(length), { minLength: channels, maxLength: channels }))
  .map((chs) => ({
    sampleRateHz: 100,
    channels: chs.map((c, i): ChannelSamples => ({ id: `ch${i}`, unit: 'u', scale: c.scale, values: c.values })),
  }));

describe('codec properties', () => {
  it('decodes every sample within half a step, keeps NaN as NaN, and re-encodes identically', () => {
    fc.assert(
      fc.property(sessionArb, (input) => {
        const block = encodeSensors(input);
        const decoded = decodeSensors(block);
        input.channels.forEach((c, k) => {
          const out = decoded.channels[k]!.values;
          expect(out.length).toBe(c.values.length);
          for (let i = 0; i < c.values.length; i++) {
            const x = c.values[i]!;
            const y = out[i]!;
            expect(Number.isNaN(y)).toBe(Number.isNaN(x));
            if (!Number.isNaN(x)) {
              const err = Math.abs(y - x);
              if (!(err <= c.scale / 2 + Math.abs(x) * 1e-14)) expect.fail(`channel ${k} sample ${i}: ${x} -> ${y} (scale ${c.scale})`);
            }
          }
        });
        expect(encodeSensors(decoded).data).toBe(block.data);
      }),
      { numRuns: 300, seed: 20261124 },
    );
  });

  it('never accepts a payload with a byte changed, and never throws anything but SensorCodecError', () => {
    fc.assert(
      fc.property(sessionArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (input, at, mask) => {
        const block = encodeSensors(input);
        const bytes = decodeBase64(block.data);
        const bad = Uint8Array.from(bytes);
        bad[at % bytes.length]! ^= mask;
        try {
          decodeSensors({ ...block, data: encodeBase64(bad) });
          expect.fail('a corrupted payload was accepted');
        } catch (err) {
          expect(err).toBeInstanceOf(SensorCodecError);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('base64 round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(decodeBase64(encodeBase64(bytes))).toEqual(bytes);
      }),
      { numRuns: 300, seed: 3 },
    );
  });
});
