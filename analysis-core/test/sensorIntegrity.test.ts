import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64 } from '../src/codec/base64.js';
import { decodeSensors, encodeSensors, SensorCodecError, type SensorCodecErrorCode } from '../src/codec/sensorCodec.js';
import { checkSensorIntegrity, SESSION_SIZE_LIMITS } from '../src/codec/sensorIntegrity.js';
import { validateSession } from '../src/model/validateSession.js';
import { synthesizeSession } from '../src/synth/synthesizeSession.js';
import type { SensorBlock } from '../src/model/types.js';

function block(samples = 300, rateHz = 100): SensorBlock {
  const values = Float64Array.from({ length: samples }, (_, i) => (i % 50 === 7 ? NaN : 30 * Math.sin(i / 9)));
  return encodeSensors({ sampleRateHz: rateHz, channels: [{ id: 'a', unit: 'deg', scale: 0.1, values }, { id: 'b', unit: 'deg', scale: 0.1, values }] });
}

function codeOf(fn: () => void): SensorCodecErrorCode | 'passed' {
  try {
    fn();
    return 'passed';
  } catch (err) {
    if (err instanceof SensorCodecError) return err.code;
    throw err;
  }
}

describe('sensor block integrity without expansion', () => {
  it('passes every block the encoder writes', () => {
    expect(codeOf(() => checkSensorIntegrity(block()))).toBe('passed');
    expect(codeOf(() => checkSensorIntegrity(block(0)))).toBe('passed');
  });

  it('finds a flipped bit, a truncation, non-canonical base64 and counts that disagree, as the decoder does', () => {
    const good = block();
    const bytes = decodeBase64(good.data);
    const flipped = Uint8Array.from(bytes);
    flipped[20] = flipped[20]! ^ 4;
    const cases: Array<[SensorBlock, SensorCodecErrorCode]> = [
      [{ ...good, data: encodeBase64(flipped) }, 'checksum'],
      [{ ...good, data: encodeBase64(bytes.subarray(0, bytes.length - 6)) }, 'truncated'],
      [{ ...good, data: `${good.data.slice(0, 8)} ${good.data.slice(9)}` }, 'bad-base64'],
      [{ ...good, sampleCount: good.sampleCount - 1 }, 'inconsistent'],
      [{ ...good, channels: good.channels.slice(1) }, 'inconsistent'],
    ];
    for (const [broken, code] of cases) {
      expect(codeOf(() => checkSensorIntegrity(broken))).toBe(code);
      expect(codeOf(() => decodeSensors(broken))).not.toBe('passed');
    }
  });

  it('holds a block to the product limits, naming the limit', () => {
    const fast = block(10, SESSION_SIZE_LIMITS.maxGloveRateHz + 1);
    expect(() => checkSensorIntegrity(fast)).toThrow(`limit of ${SESSION_SIZE_LIMITS.maxGloveRateHz} Hz`);
    const missing = new Float64Array(SESSION_SIZE_LIMITS.maxSamplesPerChannel + 1).fill(NaN);
    const long = encodeSensors({ sampleRateHz: 200, channels: [{ id: 'a', unit: 'deg', scale: 1, values: missing }] });
    expect(() => checkSensorIntegrity(long)).toThrow(`limit of ${SESSION_SIZE_LIMITS.maxSamplesPerChannel} samples per channel`);
    expect(SESSION_SIZE_LIMITS.maxTotalSamples).toBe(11 * SESSION_SIZE_LIMITS.maxSamplesPerChannel);
  });

  it("validateSession's integrity mode agrees with the decoding mode on a real session", () => {
    const session = synthesizeSession({ seed: 3, durationS: 20 });
    expect(validateSession(session, { sensors: 'integrity' })).toEqual(validateSession(session));
    const longer = { ...session, durationMs: SESSION_SIZE_LIMITS.maxGameDurationMs + 1 };
    const verdict = validateSession(longer, { sensors: 'integrity' });
    expect(verdict.ok).toBe(false);
    expect(JSON.stringify(verdict)).toContain('the longest plausible game');
  });
});
