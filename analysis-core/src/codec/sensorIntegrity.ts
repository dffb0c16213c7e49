/**
 * Checks a sensor block without expanding its samples: the declared sizes
 * against what the product can record, the strict base64, the payload's
 * frame (version, length, CRC-32 over the encoded bytes) and the counts its
 * header repeats. Its cost grows with the size of `data`, never with the
 * sample count a document declares, so a 600-byte document cannot make the
 * checker allocate 64 MB. `decodeSensors` still checks everything else (the
 * missing runs and the bit stream) when the samples are needed.
 */
import { SENSOR_ENCODING } from '../model/types.js';
import { decodeBase64 } from './base64.js';
import { ByteReader } from './byteIO.js';
import { SensorCodecError } from './codecError.js';
import { checkFrame, maxPayloadBytes } from './sensorCodec.js';

/** The glove's standard channels: five flex angles, accelerometer and gyroscope x/y/z. */
const GLOVE_CHANNELS = 11;

/**
 * What one recorded game can hold, decided from the product rather than the
 * codec: a rehabilitation game lasts minutes, so 30 minutes is beyond any
 * real one; the glove streams at 100 Hz and no supported glove above 200 Hz.
 * The gateway refuses a session over these before storing it, and the worker
 * can bound an analysis by the same numbers.
 */
export const SESSION_SIZE_LIMITS = Object.freeze({
  /** Longest plausible game. */
  maxGameDurationMs: 30 * 60 * 1000,
  /** Highest glove sample rate. */
  maxGloveRateHz: 200,
  /** Samples per channel: the longest game at the highest rate. */
  maxSamplesPerChannel: 360_000,
  /** The glove's 11 channels and room for a few more sensors. */
  maxChannels: 16,
  /** Channels x samples: the glove's channels, the longest game, the highest rate. */
  maxTotalSamples: GLOVE_CHANNELS * 360_000,
});

/** Why a game of `durationMs` is over `SESSION_SIZE_LIMITS`, or null when it is within them. */
export function durationProblem(durationMs: number): string | null {
  const limit = SESSION_SIZE_LIMITS.maxGameDurationMs;
  return durationMs > limit ? `${durationMs} ms is above the limit of ${limit} ms (the longest plausible game)` : null;
}

/**
 * Why a sensor block of these sizes is over `SESSION_SIZE_LIMITS` (the first
 * limit it passes, named), or null when it is within them.
 */
export function sensorSizeProblem(rateHz: number, samplesPerChannel: number, channelCount: number): string | null {
  const limits = SESSION_SIZE_LIMITS;
  if (rateHz > limits.maxGloveRateHz) return `sampleRateHz ${rateHz} is above the limit of ${limits.maxGloveRateHz} Hz (the highest glove rate)`;
  if (samplesPerChannel > limits.maxSamplesPerChannel) {
    return `sampleCount ${samplesPerChannel} is above the limit of ${limits.maxSamplesPerChannel} samples per channel (a 30-minute game at ${limits.maxGloveRateHz} Hz)`;
  }
  if (channelCount > limits.maxChannels) return `${channelCount} channels is above the limit of ${limits.maxChannels} channels`;
  if (channelCount * samplesPerChannel > limits.maxTotalSamples) {
    return `${channelCount} channels x ${samplesPerChannel} samples is above the limit of ${limits.maxTotalSamples} samples in all`;
  }
  return null;
}

/** Node's Buffer where there is one: its native base64 is several times faster than the portable decoder. */
interface PlatformBuffer {
  from(text: string, encoding: 'base64'): Uint8Array & { toString(encoding: 'base64'): string };
}
const platformBuffer = (globalThis as { Buffer?: PlatformBuffer }).Buffer;

/**
 * Strict base64 as `decodeBase64` reads it. Node's decoder is lenient (it
 * skips stray characters), so its bytes count only when they encode back to
 * the very same text, which holds exactly for canonical base64; anything
 * else goes to the portable decoder, for the same bytes or its precise error.
 */
function decodeStrictBase64(text: string): Uint8Array {
  if (platformBuffer !== undefined) {
    const bytes = platformBuffer.from(text, 'base64');
    if (bytes.toString('base64') === text) return bytes;
  }
  return decodeBase64(text);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function tooLarge(message: string): SensorCodecError {
  return new SensorCodecError('too-large', message);
}

function bad(message: string): SensorCodecError {
  return new SensorCodecError('bad-input', message);
}

/**
 * Throws `SensorCodecError` when `block` is over `SESSION_SIZE_LIMITS`
 * ('too-large', the message names the limit), malformed ('bad-input',
 * 'bad-base64') or its payload is damaged or disagrees with the block
 * ('truncated', 'checksum', 'inconsistent'). Returns nothing when it passes.
 */
export function checkSensorIntegrity(block: unknown): void {
  if (!isRecord(block)) throw bad('sensors must be an object');
  const { sampleRateHz: rate, sampleCount: samples, channels, encoding, data } = block;
  if (typeof rate !== 'number' || !(rate > 0)) throw bad('sensors.sampleRateHz must be a number > 0');
  if (typeof samples !== 'number' || !Number.isInteger(samples) || samples < 0) throw bad('sensors.sampleCount must be an integer >= 0');
  if (!Array.isArray(channels) || channels.length === 0) throw bad('sensors.channels must be a non-empty array');
  if (encoding !== SENSOR_ENCODING) throw bad(`sensors.encoding must be ${JSON.stringify(SENSOR_ENCODING)}`);
  if (typeof data !== 'string') throw bad('sensors.data must be a string');

  const C = channels.length;
  const overLimit = sensorSizeProblem(rate, samples, C);
  if (overLimit !== null) throw tooLarge(overLimit);
  const maxChars = 4 * Math.ceil(maxPayloadBytes(C, samples) / 3);
  if (data.length > maxChars) {
    throw tooLarge(`sensors.data has ${data.length} characters, more than the ${maxChars} that ${C} channels x ${samples} samples can need`);
  }

  const bytes = decodeStrictBase64(data);
  const end = checkFrame(bytes);
  const header = new ByteReader(bytes, 5, end);
  const channelsInData = header.varint('the channel count');
  if (channelsInData !== C) throw new SensorCodecError('inconsistent', `data holds ${channelsInData} channels but the block lists ${C}`);
  const samplesInData = header.varint('the sample count');
  if (samplesInData !== samples) {
    throw new SensorCodecError('inconsistent', `data holds ${samplesInData} samples per channel but sampleCount is ${samples}`);
  }
}
