/**
 * Byte-level reading and writing for the sensor payload: single bytes,
 * little-endian u32 and unsigned LEB128 varints. Varints carry values up to
 * 2^53 with plain arithmetic because zigzagged deltas of int32 samples need
 * up to 34 bits, beyond JavaScript's 32-bit bitwise operators.
 */
import { SensorCodecError } from './codecError.js';

/** Largest varint the reader accepts, in bytes: 7 * 6 = 42 bits, far above any field of the format. */
const MAX_VARINT_BYTES = 6;

/** A growable byte buffer written front to back. */
export class ByteWriter {
  bytes: Uint8Array;
  pos = 0;

  /** `capacity`: initial size in bytes (grows by doubling as needed). */
  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
  }

  /** Makes room for `n` more bytes at `pos`. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
  }

  /** Appends one byte (0..255). */
  u8(v: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = v;
  }

  /** Writes an unsigned 32-bit little-endian integer at byte offset `at` (already written space). */
  u32At(at: number, v: number): void {
    const b = this.bytes;
    b[at] = v & 255;
    b[at + 1] = (v >>> 8) & 255;
    b[at + 2] = (v >>> 16) & 255;
    b[at + 3] = (v >>> 24) & 255;
  }

  /** Appends an unsigned 32-bit little-endian integer. */
  u32(v: number): void {
    this.ensure(4);
    this.u32At(this.pos, v);
    this.pos += 4;
  }

  /** Appends a non-negative integer below 2^42 as an LEB128 varint (7 bits per byte, low first). */
  varint(v: number): void {
    this.ensure(MAX_VARINT_BYTES);
    const b = this.bytes;
    let p = this.pos;
    while (v >= 128) {
      b[p++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    b[p++] = v;
    this.pos = p;
  }

  /** The bytes written so far (a view, not a copy). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.pos);
  }
}

/** Bytes an LEB128 varint of `v` (non-negative integer) takes. */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Reads `bytes[pos..end)` front to back; running past `end` throws 'truncated'. */
export class ByteReader {
  readonly bytes: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(bytes: Uint8Array, pos: number, end: number) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }

  /** Throws 'truncated' unless `n` more bytes are available; `what` names the field for the message. */
  need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new SensorCodecError(
        'truncated',
        `payload ends inside ${what}: needs ${n} byte(s) at offset ${this.pos}, ${this.end - this.pos} left`,
      );
    }
  }

  /** Reads one byte. */
  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  /** Reads an LEB128 varint; more than 6 bytes (42 bits) is 'inconsistent'. */
  varint(what: string): number {
    const b = this.bytes;
    let v = 0;
    let mul = 1;
    for (let k = 0; k < MAX_VARINT_BYTES; k++) {
      if (this.pos >= this.end) this.need(1, what);
      const byte = b[this.pos++]!;
      v += (byte & 127) * mul;
      if (byte < 128) return v;
      mul *= 128;
    }
    throw new SensorCodecError('inconsistent', `${what} at offset ${this.pos - MAX_VARINT_BYTES} is a varint longer than ${MAX_VARINT_BYTES} bytes`);
  }
}

/** Reads an unsigned 32-bit little-endian integer at `at` (caller checks bounds). */
export function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}
