/**
 * Standard base64 (RFC 4648 section 4: `A-Z a-z 0-9 + /`, `=` padding), written
 * by hand because the codec must run where neither `Buffer` nor a reliable
 * `atob` exists (React Native, workers). The decoder is strict so that one
 * document has exactly one accepted spelling.
 */
import { SensorCodecError } from './codecError.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 61; // '='

/** Char code of each 6-bit value. */
const ENCODE = new Uint8Array(64);
/**
 * 6-bit value of every UTF-16 code unit, -1 when not in the alphabet. The
 * full 64K table spares a range check per character on the hot path.
 */
const DECODE = new Int8Array(65536).fill(-1);
for (let i = 0; i < 64; i++) {
  const c = ALPHABET.charCodeAt(i);
  ENCODE[i] = c;
  DECODE[c] = i;
}

/** Characters converted per `String.fromCharCode` call: bounded to stay below engines' argument limits. */
const CHUNK = 8192;

/**
 * Encodes bytes as standard base64 with `=` padding.
 * Output length is 4 * ceil(bytes.length / 3); an empty input gives ''.
 */
export function encodeBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const codes = new Uint8Array(4 * Math.ceil(n / 3));
  let o = 0;
  let i = 0;
  for (; i + 3 <= n; i += 3) {
    const t = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    codes[o++] = ENCODE[t >>> 18]!;
    codes[o++] = ENCODE[(t >>> 12) & 63]!;
    codes[o++] = ENCODE[(t >>> 6) & 63]!;
    codes[o++] = ENCODE[t & 63]!;
  }
  const rest = n - i;
  if (rest > 0) {
    const t = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
    codes[o++] = ENCODE[t >>> 18]!;
    codes[o++] = ENCODE[(t >>> 12) & 63]!;
    codes[o++] = rest === 2 ? ENCODE[(t >>> 6) & 63]! : PAD;
    codes[o] = PAD;
  }
  // fromCharCode over chunks of a plain array: engines spread plain arrays into
  // arguments faster than typed arrays.
  let out = '';
  const chunk: number[] = [];
  for (let c = 0; c < codes.length; c += CHUNK) {
    const m = Math.min(CHUNK, codes.length - c);
    chunk.length = m;
    for (let j = 0; j < m; j++) chunk[j] = codes[c + j]!;
    out += String.fromCharCode.apply(null, chunk);
  }
  return out;
}

function describeChar(text: string, index: number): string {
  return `${JSON.stringify(text.charAt(index))} (code ${text.charCodeAt(index)})`;
}

/**
 * Decodes strict standard base64 into bytes. '' decodes to zero bytes.
 * Throws `SensorCodecError` 'bad-base64' when the length is not a multiple of
 * 4, a character is outside the alphabet (whitespace included), `=` appears
 * anywhere but in the last one or two positions, or the bits that padding
 * discards are not zero (a non-canonical spelling). The message gives the index.
 * The bytes go into `bytes(n)` (an array of n bytes, all overwritten), a new
 * array by default.
 */
export function decodeBase64(text: string, bytes: (n: number) => Uint8Array = (n) => new Uint8Array(n)): Uint8Array {
  const len = text.length;
  if (len % 4 !== 0) {
    throw new SensorCodecError('bad-base64', `base64 length ${len} is not a multiple of 4`);
  }
  let pad = 0;
  if (len > 0 && text.charCodeAt(len - 1) === PAD) pad = text.charCodeAt(len - 2) === PAD ? 2 : 1;
  const out = bytes((len / 4) * 3 - pad);
  const full = pad > 0 ? len - 4 : len; // quads without padding
  const ascii = full > 0 ? asciiBytes(text, full) : null;
  let o = ascii !== null ? decodeAsciiQuads(text, ascii, full, out) : decodeQuads(text, full, out);
  if (pad > 0) {
    const i = len - 4;
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    if (pad === 2) {
      if ((b & 15) !== 0) throw nonZeroPadBits(i + 1);
      out[o] = (a << 2) | (b >>> 4);
    } else {
      const c = sextet(text, i + 2);
      if ((c & 3) !== 0) throw nonZeroPadBits(i + 2);
      out[o++] = (a << 2) | (b >>> 4);
      out[o] = ((b & 15) << 4) | (c >>> 2);
    }
  }
  return out;
}

/** Decodes the quads of text[0..full) into out[0..); returns the bytes written. */
function decodeQuads(text: string, full: number, out: Uint8Array): number {
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const a = DECODE[text.charCodeAt(i)]!;
    const b = DECODE[text.charCodeAt(i + 1)]!;
    const c = DECODE[text.charCodeAt(i + 2)]!;
    const d = DECODE[text.charCodeAt(i + 3)]!;
    if ((a | b | c | d) < 0) throw badChar(text, i);
    const t = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = t >>> 16;
    out[o++] = (t >>> 8) & 255;
    out[o++] = t & 255;
  }
  return o;
}

/** {@link decodeQuads} reading the characters' codes from `ascii` (the first `full` characters, all below 128). */
function decodeAsciiQuads(text: string, ascii: Uint8Array, full: number, out: Uint8Array): number {
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const a = DECODE[ascii[i]!]!;
    const b = DECODE[ascii[i + 1]!]!;
    const c = DECODE[ascii[i + 2]!]!;
    const d = DECODE[ascii[i + 3]!]!;
    if ((a | b | c | d) < 0) throw badChar(text, i);
    const t = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = t >>> 16;
    out[o++] = (t >>> 8) & 255;
    out[o++] = t & 255;
  }
  return o;
}

/** The part of TextEncoder used here (not in the ES2022 library, and absent from some runtimes). */
interface AsciiEncoder {
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}
const TextEncoderClass = (globalThis as { TextEncoder?: new () => AsciiEncoder }).TextEncoder;
const encoder: AsciiEncoder | null = typeof TextEncoderClass === 'function' ? new TextEncoderClass() : null;

/** Longest staging kept between decodes (4 MiB); a longer text gets its own array. */
const MAX_KEPT_STAGING = 1 << 22;
let keptStaging = new Uint8Array(0);

/**
 * The codes of text[0..full) as bytes, or null when some is 128 or more
 * (then the plain loop reads the text and names the bad character) or the
 * runtime has no TextEncoder. The engine's UTF-8 encoder copies a string out
 * several times faster than reading it one `charCodeAt` at a time, and for
 * characters below 128 its bytes are their codes. The bytes are scratch,
 * valid until the next call.
 */
function asciiBytes(text: string, full: number): Uint8Array | null {
  if (encoder === null) return null;
  let staging: Uint8Array;
  if (full > MAX_KEPT_STAGING) {
    staging = new Uint8Array(full);
  } else {
    if (keptStaging.length < full) keptStaging = new Uint8Array(Math.min(MAX_KEPT_STAGING, Math.max(full, 2 * keptStaging.length)));
    staging = keptStaging.subarray(0, full);
  }
  const { read, written } = encoder.encodeInto(text, staging);
  // A character of 128 or more takes two or more bytes: then fewer characters than bytes fit.
  return read === full && written === full ? staging : null;
}

function sextet(text: string, index: number): number {
  const v = DECODE[text.charCodeAt(index)]!;
  if (v < 0) throw badChar(text, index);
  return v;
}

/** The error for the first bad character of the quad starting at `start`. */
function badChar(text: string, start: number): SensorCodecError {
  for (let j = start; j < start + 4; j++) {
    const code = text.charCodeAt(j);
    if (DECODE[code]! >= 0) continue;
    if (code === PAD) {
      return new SensorCodecError('bad-base64', `misplaced base64 padding "=" at index ${j}`);
    }
    return new SensorCodecError('bad-base64', `invalid base64 character ${describeChar(text, j)} at index ${j}`);
  }
  // Unreachable: callers only ask when a character of the quad failed.
  return new SensorCodecError('bad-base64', `invalid base64 at index ${start}`);
}

function nonZeroPadBits(index: number): SensorCodecError {
  return new SensorCodecError('bad-base64', `non-zero bits before the base64 padding at index ${index}`);
}
