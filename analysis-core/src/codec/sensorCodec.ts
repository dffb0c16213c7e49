/**
 * The compact sensor codec (`encoding: "m2m-delta-bitpack/1"`): turns channels
 * of float samples into the `data` string of a session's sensor block and back.
 *
 * Each sample is quantised to q = round(value / scale), an integer with
 * |q| <= 2^31 - 1, so decoding returns q * scale: lossless at the declared
 * scale (error <= scale / 2). NaN marks a missing sample and is stored as
 * runs; the present samples of a channel, missing ones skipped, are delta
 * coded (first or second differences, chosen per block of 64), zigzagged and
 * bit-packed with Rice codes (see sampleCoding.ts for the bit stream).
 *
 * Payload layout (then standard base64 with padding). varint = unsigned
 * LEB128; zz(d) = zigzag (2d for d >= 0, -2d - 1 otherwise); u32 = little-endian.
 *
 *   offset size    field
 *   0      1       format version, 1
 *   1      4       u32 payload length in bytes, checksum included
 *   5      varint  channel count (must equal channels.length of the block)
 *          varint  sample count per channel (must equal sampleCount)
 *   then for each channel, in the block's channel order:
 *          varint  M, number of missing runs (maximal runs of NaN)
 *          M x     varint gap, varint length: run start = end of the previous
 *                  run (0 for the first) + gap; length >= 1; gap >= 1 after the
 *                  first run (runs never touch)
 *   and, when P = sampleCount - (sum of run lengths) > 0:
 *          varint  zz(q[0]) of the first present sample
 *          bits    when P >= 2: ceil((P - 1) / 64) blocks of residuals, each an
 *                  8-bit header (Rice parameter k, predictor order, all-zero
 *                  flag) and one Rice code per residual, LSB first, the whole
 *                  stream padded with zero bits to a byte
 *   last   4       u32 CRC-32 (IEEE, as zlib) of all preceding bytes
 *
 * Decoding checks, in this order: the block header's types and limits (sizes
 * that could only come from a hostile document are refused as 'too-large'
 * before anything is allocated), the base64, the length field and the CRC,
 * then every structural fact of the payload.
 */
import type { ChannelInfo, DecodedChannel, DecodedSensors, SensorBlock, SensorInput } from '../model/types.js';
import { SENSOR_ENCODING } from '../model/types.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { ByteReader, ByteWriter, readU32 } from './byteIO.js';
import { SensorCodecError } from './codecError.js';
import { crc32 } from './crc32.js';
import { decodeSamples, encodeSamples } from './sampleCoding.js';

export { SensorCodecError, type SensorCodecErrorCode } from './codecError.js';

/** Limits shared by the encoder and the decoder, so that whatever encodes also decodes. */
export const SENSOR_LIMITS = Object.freeze({
  /** Hz, exclusive of 0. */
  maxSampleRateHz: 1_000,
  /** Samples per channel. */
  maxSampleCount: 2_000_000,
  maxChannels: 32,
  /** Characters of a channel id. */
  maxChannelIdLength: 64,
  /**
   * Channels x samples: bounds the Float64Arrays a decode allocates (64 MB),
   * since a tiny document can declare all-missing channels of any length.
   * Two hours of the glove's 11 channels at 100 Hz fit.
   */
  maxTotalSamples: 8_000_000,
  /** Largest |round(value / scale)|. */
  maxQuantised: 2_147_483_647,
});

const FORMAT_VERSION = 1;
/** Version byte, length field, channel count, sample count (1 byte each at least), checksum. */
const MIN_PAYLOAD_BYTES = 11;
const MAX_Q = SENSOR_LIMITS.maxQuantised;

/* ------------------------------------------------------------------------ */
/* Validation shared by both directions                                     */
/* ------------------------------------------------------------------------ */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short description of a value's type for messages ('null', 'array', 'string', ...). */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** A value as it should appear in a message (numbers incl. NaN/Infinity, quoted strings). */
function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  return typeName(v);
}

function bad(message: string): SensorCodecError {
  return new SensorCodecError('bad-input', message);
}

function requireNumber(obj: Record<string, unknown>, key: string, where: string): number {
  if (!(key in obj) || obj[key] === undefined) throw bad(`${where} is missing "${key}"`);
  const v = obj[key];
  if (typeof v !== 'number') throw bad(`${where}.${key} must be a number, got ${typeName(v)}`);
  return v;
}

function checkSampleRate(obj: Record<string, unknown>, where: string): number {
  const rate = requireNumber(obj, 'sampleRateHz', where);
  if (!(rate > 0 && rate <= SENSOR_LIMITS.maxSampleRateHz)) {
    throw bad(`${where}.sampleRateHz must be finite, > 0 and <= ${SENSOR_LIMITS.maxSampleRateHz}, got ${show(rate)}`);
  }
  return rate;
}

function checkSampleCount(count: number, what: string): void {
  if (!Number.isInteger(count) || count < 0) {
    throw bad(`${what} must be an integer >= 0, got ${show(count)}`);
  }
  if (count > SENSOR_LIMITS.maxSampleCount) {
    throw new SensorCodecError('too-large', `${what} ${count} exceeds the limit of ${SENSOR_LIMITS.maxSampleCount} samples per channel`);
  }
}

function checkTotal(channels: number, samples: number): void {
  if (channels * samples > SENSOR_LIMITS.maxTotalSamples) {
    throw new SensorCodecError(
      'too-large',
      `${channels} channels x ${samples} samples exceeds the limit of ${SENSOR_LIMITS.maxTotalSamples} samples in all`,
    );
  }
}

/** Returns the channel list after checking it is an array of 1..64 entries. */
function checkChannelList(obj: Record<string, unknown>, where: string): unknown[] {
  if (!('channels' in obj) || obj.channels === undefined) throw bad(`${where} is missing "channels"`);
  const list = obj.channels;
  if (!Array.isArray(list)) throw bad(`${where}.channels must be an array, got ${typeName(list)}`);
  if (list.length === 0) throw bad(`${where}.channels is empty: at least one channel is required`);
  if (list.length > SENSOR_LIMITS.maxChannels) {
    throw new SensorCodecError('too-large', `${where}.channels has ${list.length} entries, above the limit of ${SENSOR_LIMITS.maxChannels}`);
  }
  return list;
}

/**
 * Checks one channel description and returns a clean copy (unknown fields
 * dropped). `label` is how messages address it, e.g. `channels[2]`.
 */
function checkChannelInfo(raw: unknown, label: string): ChannelInfo {
  if (!isRecord(raw)) throw bad(`${label} must be an object, got ${typeName(raw)}`);
  const id = raw.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > SENSOR_LIMITS.maxChannelIdLength) {
    throw bad(`${label}.id must be a non-empty string of at most ${SENSOR_LIMITS.maxChannelIdLength} characters, got ${show(id)}`);
  }
  const named = `${label} ("${id}")`;
  const unit = raw.unit;
  if (typeof unit !== 'string') throw bad(`${named}.unit must be a string, got ${typeName(unit)}`);
  const scale = raw.scale;
  if (typeof scale !== 'number' || !(scale > 0 && scale < Infinity)) {
    throw bad(`${named}.scale must be a finite number > 0, got ${show(scale)}`);
  }
  const info: ChannelInfo = { id, unit, scale };
  const range = raw.range;
  if (range !== undefined) {
    if (
      !Array.isArray(range) ||
      range.length !== 2 ||
      typeof range[0] !== 'number' ||
      typeof range[1] !== 'number' ||
      !Number.isFinite(range[0]) ||
      !Number.isFinite(range[1]) ||
      !(range[0] < range[1])
    ) {
      throw bad(`${named}.range must be [low, high] with finite numbers, low < high`);
    }
    info.range = [range[0], range[1]];
  }
  return info;
}

function checkUniqueIds(infos: ChannelInfo[], where: string): void {
  const seen = new Map<string, number>();
  infos.forEach((c, i) => {
    const first = seen.get(c.id);
    if (first !== undefined) throw bad(`${where}.channels[${i}].id "${c.id}" repeats channels[${first}]`);
    seen.set(c.id, i);
  });
}

/**
 * Upper bound of the payload bytes any valid encoding of `channels` x
 * `samples` can take: per channel at most 3 bytes of run count, 5 of first
 * sample, 1 of padding, and per sample either 3 bytes of runs (a run of one
 * sample takes two varints of at most 3 bytes, and runs never touch) or an
 * escaped Rice code of at most 85 bits, plus a header byte per 64 samples.
 */
export function maxPayloadBytes(channels: number, samples: number): number {
  return 16 + channels * (32 + 11 * samples);
}

/* ------------------------------------------------------------------------ */
/* Encoder                                                                  */
/* ------------------------------------------------------------------------ */

/**
 * Encodes channels of samples into a sensor block.
 *
 * Each value is stored as round(value / scale) (ties towards +Infinity, as
 * Math.round); NaN is a missing sample and decodes as NaN. All channels must
 * have the same length, which becomes `sampleCount` (0 is allowed). Channel
 * descriptions are copied without unknown fields. Deterministic: the same
 * input always gives the same `data`.
 *
 * Throws `SensorCodecError`: 'bad-input' (wrong types, scale not finite > 0,
 * channel lengths differ, duplicate ids, a sample that is not a number),
 * 'not-finite' (a sample is +/-Infinity), 'out-of-range' (|round(v / scale)|
 * > 2^31 - 1), 'too-large' (more than 64 channels or 2,000,000 samples per
 * channel, or 32,000,000 samples in all). Messages name the channel id and the
 * sample index.
 */
export function encodeSensors(input: SensorInput): SensorBlock {
  const raw: unknown = input;
  if (!isRecord(raw)) throw bad(`sensor input must be an object, got ${typeName(raw)}`);
  const sampleRateHz = checkSampleRate(raw, 'sensor input');
  const list = checkChannelList(raw, 'sensor input');

  const infos: ChannelInfo[] = [];
  const columns: ArrayLike<unknown>[] = [];
  let sampleCount = -1;
  let firstId = '';
  list.forEach((entry, i) => {
    const info = checkChannelInfo(entry, `channels[${i}]`);
    const values = (entry as Record<string, unknown>).values;
    if (!isArrayLike(values)) {
      throw bad(`channel "${info.id}": values must be an array or typed array, got ${typeName(values)}`);
    }
    if (i === 0) {
      sampleCount = values.length;
      firstId = info.id;
      checkSampleCount(sampleCount, `channel "${info.id}" length`);
    } else if (values.length !== sampleCount) {
      throw bad(
        `channel "${info.id}" has ${values.length} samples but channel "${firstId}" has ${sampleCount}; all channels must have the same length`,
      );
    }
    infos.push(info);
    columns.push(values);
  });
  checkUniqueIds(infos, 'sensor input');
  const channelCount = infos.length;
  checkTotal(channelCount, sampleCount);

  const S = sampleCount;
  // Scratch shared by all channels: quantised present samples and the residuals of both predictors.
  const q = new Int32Array(S);
  const z1 = new Float64Array(S);
  const z2 = new Float64Array(S);
  const runs: number[] = [];
  // Glove data packs to under a byte per sample; the writer doubles when needed.
  const out = new ByteWriter(32 + channelCount * (16 + S));
  out.u8(FORMAT_VERSION);
  out.u32(0); // length, patched below
  out.varint(channelCount);
  out.varint(S);

  for (let c = 0; c < channelCount; c++) {
    const info = infos[c]!;
    const present = quantise(columns[c]!, info, q, runs);
    out.varint(runs.length / 2);
    let prevEnd = 0;
    for (let k = 0; k < runs.length; k += 2) {
      out.varint(runs[k]! - prevEnd);
      out.varint(runs[k + 1]!);
      prevEnd = runs[k]! + runs[k + 1]!;
    }
    if (present > 0) encodeSamples(out, q, present, z1, z2);
  }

  const length = out.pos + 4;
  out.u32At(1, length);
  out.u32(crc32(out.bytes, 0, out.pos));
  return {
    sampleRateHz,
    sampleCount: S,
    channels: infos,
    encoding: SENSOR_ENCODING,
    data: encodeBase64(out.view()),
  };
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const len = (v as { length?: unknown }).length;
  return typeof len === 'number' && Number.isInteger(len) && len >= 0;
}

/**
 * Quantises one channel: writes its present samples' q into `q[0..P)` and its
 * missing runs as (start, length) pairs into `runs`; returns P.
 */
function quantise(values: ArrayLike<unknown>, info: ChannelInfo, q: Int32Array, runs: number[]): number {
  const S = q.length;
  const scale = info.scale;
  runs.length = 0;
  let present = 0;
  let runStart = -1;
  for (let i = 0; i < S; i++) {
    const v = values[i];
    if (typeof v !== 'number') throw bad(`channel "${info.id}" sample ${i} is not a number (got ${typeName(v)})`);
    if (v !== v) {
      if (runStart < 0) runStart = i;
      continue;
    }
    if (runStart >= 0) {
      runs.push(runStart, i - runStart);
      runStart = -1;
    }
    // Math.round, written without its branch: on noisy data the branch mispredicts half the time.
    const x = v / scale;
    const f = Math.floor(x);
    const r = f + Number(x - f >= 0.5);
    if (!(r <= MAX_Q && r >= -MAX_Q)) {
      if (v === Infinity || v === -Infinity) {
        throw new SensorCodecError('not-finite', `channel "${info.id}" sample ${i} is ${v}`);
      }
      throw new SensorCodecError(
        'out-of-range',
        `channel "${info.id}" sample ${i} (${v}) is ${r} steps of scale ${scale}, beyond +/-${MAX_Q}`,
      );
    }
    q[present++] = r;
  }
  if (runStart >= 0) runs.push(runStart, S - runStart);
  return present;
}

/* ------------------------------------------------------------------------ */
/* Decoder                                                                  */
/* ------------------------------------------------------------------------ */

/**
 * Decodes a sensor block (typically straight from a network document, so it
 * is treated as untrusted) into channels of Float64Array samples in each
 * channel's unit: q * scale, NaN for missing samples. Channel descriptions are
 * copied without unknown fields.
 *
 * Throws `SensorCodecError`: 'bad-input' (not an object, a field missing or
 * of the wrong type, sampleRateHz not in (0, 10000], scale not finite > 0,
 * wrong `encoding`, duplicate channel ids), 'too-large' (sampleCount above
 * 2,000,000, more than 64 channels, more than 32,000,000 samples in all, or
 * `data` longer than those counts could need; all checked before allocating),
 * 'bad-base64', 'truncated' (data shorter than its length field or a section
 * running past the end), 'checksum' (CRC-32 mismatch), 'inconsistent' (counts
 * that disagree with the header, trailing bytes, invalid runs, block headers
 * or unary codes, samples decoding beyond +/-(2^31 - 1) steps).
 */
export function decodeSensors(block: SensorBlock | unknown): DecodedSensors {
  return decodeSensorsInto(block, newSamples);
}

const newSamples = (n: number): Float64Array => new Float64Array(n);

/** Longest payload whose bytes are kept between decodes (4 MiB); a longer one gets its own array. */
const MAX_KEPT_PAYLOAD = 1 << 22;
let keptPayload = new Uint8Array(0);

/**
 * The payload's bytes never leave a decode (the channels are their own
 * arrays) and decoding is synchronous, so one kept array serves every call
 * and spares a large allocation per session.
 */
function payloadScratch(n: number): Uint8Array {
  if (n > MAX_KEPT_PAYLOAD) return new Uint8Array(n);
  if (keptPayload.length < n) keptPayload = new Uint8Array(Math.min(MAX_KEPT_PAYLOAD, Math.max(n, 2 * keptPayload.length)));
  return keptPayload.subarray(0, n);
}

/**
 * {@link decodeSensors} with each channel's samples written into
 * `samples(sampleCount)`, an array of that length the caller provides (for
 * instance one it reuses between sessions); every element is overwritten.
 * `samples` must not itself decode (the payload's bytes are kept scratch).
 * `onChannel`, when given, sees each channel, with what the decoder learnt
 * of it on the way (its {@link ChannelLayout}), as soon as it is decoded (while
 * its samples are still in the cache), before the next one is read.
 */
export function decodeSensorsInto(
  block: SensorBlock | unknown,
  samples: (n: number) => Float64Array,
  onChannel?: (channel: DecodedChannel, layout: ChannelLayout) => void,
): DecodedSensors {
  if (!isRecord(block)) throw bad(`sensor block must be an object, got ${typeName(block)}`);
  const where = 'sensor block';
  const sampleRateHz = checkSampleRate(block, where);
  const S = requireNumber(block, 'sampleCount', where);
  checkSampleCount(S, `${where}.sampleCount`);
  const list = checkChannelList(block, where);
  const infos = list.map((c, i) => checkChannelInfo(c, `${where}.channels[${i}]`));
  checkUniqueIds(infos, where);
  const C = infos.length;
  checkTotal(C, S);
  if (!('encoding' in block) || block.encoding === undefined) throw bad(`${where} is missing "encoding"`);
  if (block.encoding !== SENSOR_ENCODING) {
    throw bad(`${where}.encoding must be ${JSON.stringify(SENSOR_ENCODING)}, got ${show(block.encoding)}`);
  }
  if (!('data' in block) || block.data === undefined) throw bad(`${where} is missing "data"`);
  const data = block.data;
  if (typeof data !== 'string') throw bad(`${where}.data must be a string, got ${typeName(data)}`);
  const maxChars = 4 * Math.ceil(maxPayloadBytes(C, S) / 3);
  if (data.length > maxChars) {
    throw new SensorCodecError(
      'too-large',
      `${where}.data has ${data.length} characters, more than the ${maxChars} that ${C} channels x ${S} samples can need`,
    );
  }

  const bytes = decodeBase64(data, payloadScratch);
  const end = checkFrame(bytes);

  const r = new ByteReader(bytes, 5, end);
  const channelsInData = r.varint('the channel count');
  if (channelsInData !== C) {
    throw new SensorCodecError('inconsistent', `data holds ${channelsInData} channels but the block lists ${C}`);
  }
  const samplesInData = r.varint('the sample count');
  if (samplesInData !== S) {
    throw new SensorCodecError('inconsistent', `data holds ${samplesInData} samples per channel but sampleCount is ${S}`);
  }
  const channels: DecodedChannel[] = infos.map((info) => {
    const values = samplesOf(samples, S);
    const layout = readChannel(r, info, values);
    const channel = { ...info, values };
    onChannel?.(channel, layout);
    return channel;
  });
  if (r.pos !== end) {
    throw new SensorCodecError('inconsistent', `${end - r.pos} unused byte(s) after the last channel at offset ${r.pos}`);
  }
  return { sampleRateHz, channels };
}

/**
 * Checks the version byte, the length field and the CRC; returns the offset
 * where the checksum starts. A CRC mismatch is reported as truncation when
 * the length field says more bytes were written, as trailing bytes when the
 * declared prefix is intact, and as corruption otherwise.
 */
export function checkFrame(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n < MIN_PAYLOAD_BYTES) {
    throw new SensorCodecError('truncated', `data is ${n} bytes, shorter than the smallest payload (${MIN_PAYLOAD_BYTES} bytes)`);
  }
  const declared = readU32(bytes, 1);
  const stored = readU32(bytes, n - 4);
  const computed = crc32(bytes, 0, n - 4);
  if (stored !== computed) {
    if (declared > n) {
      throw new SensorCodecError('truncated', `data is ${n} bytes but its length field says ${declared}: truncated`);
    }
    if (declared >= MIN_PAYLOAD_BYTES && declared < n && crc32(bytes, 0, declared - 4) === readU32(bytes, declared - 4)) {
      throw new SensorCodecError('inconsistent', `${n - declared} trailing byte(s) after the ${declared}-byte payload`);
    }
    throw new SensorCodecError(
      'checksum',
      `checksum mismatch: stored CRC-32 ${hex(stored)}, computed ${hex(computed)}: the data is corrupted`,
    );
  }
  if (declared !== n) {
    throw new SensorCodecError('inconsistent', `length field says ${declared} bytes but the data is ${n}`);
  }
  if (bytes[0] !== FORMAT_VERSION) {
    throw new SensorCodecError('inconsistent', `unsupported payload format version ${bytes[0]!} (expected ${FORMAT_VERSION})`);
  }
  return n - 4;
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

function samplesOf(samples: (n: number) => Float64Array, S: number): Float64Array {
  const out = samples(S);
  if (out.length !== S) throw new RangeError(`samples(${S}) gave an array of ${out.length}`);
  return out;
}

/**
 * What decoding a channel tells beside its samples, so a caller can know
 * where samples are missing and how far the others reach without another
 * pass over them.
 */
export interface ChannelLayout {
  /** The missing runs as (start, length) pairs in sample order: NaN there, and only there. */
  missingRuns: Int32Array;
  /** The smallest and the largest present sample (Infinity and -Infinity when none is present). */
  lowest: number;
  highest: number;
}

/** Reads one channel section into `out` (S samples, all overwritten). */
function readChannel(r: ByteReader, info: ChannelInfo, out: Float64Array): ChannelLayout {
  const S = out.length;
  const label = `channel "${info.id}"`;
  const M = r.varint(`${label} missing-run count`);
  // Maximal runs are separated by at least one present sample.
  if (M > Math.ceil(S / 2)) {
    throw new SensorCodecError('inconsistent', `${label} declares ${M} missing runs, more than ${S} samples can hold`);
  }
  const runs = new Int32Array(2 * M);
  let prevEnd = 0;
  let missing = 0;
  for (let k = 0; k < M; k++) {
    const gap = r.varint(`${label} missing run ${k}`);
    const len = r.varint(`${label} missing run ${k}`);
    const start = prevEnd + gap;
    const problem =
      len === 0 ? 'is empty' : k > 0 && gap === 0 ? 'touches the previous run' : start + len > S ? `ends past sample ${S}` : '';
    if (problem !== '') {
      throw new SensorCodecError('inconsistent', `${label} missing run ${k} (start ${start}, length ${len}) ${problem}`);
    }
    runs[2 * k] = start;
    runs[2 * k + 1] = len;
    prevEnd = start + len;
    missing += len;
  }
  const P = S - missing;
  let lowest = Infinity;
  let highest = -Infinity;
  if (P > 0) {
    const extent = decodeSamples(r, out, P, label, info.scale);
    // scale > 0, and rounding keeps the order of products, so the extreme codes give the extreme samples.
    lowest = extent.min * info.scale;
    highest = extent.max * info.scale;
  }
  spread(out, P, runs);
  return { missingRuns: runs, lowest, highest };
}

/**
 * Spreads the P scaled values packed at the front of `out` to their sample
 * positions, with NaN in the missing runs. Works backwards in place (a
 * present sample's final index is never below its packed index), moving each
 * stretch between runs with one `copyWithin`.
 */
function spread(out: Float64Array, P: number, runs: Int32Array): void {
  let src = P;
  let end = out.length;
  for (let k = runs.length - 2; k >= 0; k -= 2) {
    const start = runs[k]!;
    const runEnd = start + runs[k + 1]!;
    const n = end - runEnd;
    out.copyWithin(runEnd, src - n, src);
    src -= n;
    out.fill(NaN, start, runEnd);
    end = start;
  }
}
