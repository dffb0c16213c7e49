/**
 * The one error type of the sensor codec. `code` lets callers branch
 * (e.g. turn a hostile document into an `invalid` analysis) without parsing
 * messages; the message names the field, channel and sample involved.
 */

/** Why encoding or decoding failed. */
export type SensorCodecErrorCode =
  /** A field has the wrong type or an invalid value (header, channel info, input samples). */
  | 'bad-input'
  /** A sample is +/-Infinity (NaN is allowed: it marks a missing sample). */
  | 'not-finite'
  /** A sample quantises beyond +/-(2^31 - 1) steps of its channel's scale. */
  | 'out-of-range'
  /** `data` is not strict standard base64. */
  | 'bad-base64'
  /** The payload ends before its declared length or before a section it must contain. */
  | 'truncated'
  /** The CRC-32 at the end of the payload does not match its bytes. */
  | 'checksum'
  /** The payload is intact but contradicts the header or itself (counts, runs, trailing bytes). */
  | 'inconsistent'
  /** Sizes beyond the codec's limits, refused before any large allocation. */
  | 'too-large';

/** Thrown by `encodeSensors`, `decodeSensors` and the codec's helpers. */
export class SensorCodecError extends Error {
  readonly code: SensorCodecErrorCode;

  constructor(code: SensorCodecErrorCode, message: string) {
    super(message);
    this.name = 'SensorCodecError';
    this.code = code;
  }
}
