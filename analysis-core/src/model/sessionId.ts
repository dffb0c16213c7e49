/**
 * Session ids: `ses_` + 26 characters of Crockford base32, the first ten of
 * which encode the start time in milliseconds (ULID layout), so ids sort by time
 * and two devices never collide in practice (80 random bits).
 */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const SESSION_ID_PATTERN = '^ses_[0-9A-HJKMNP-TV-Z]{26}$';
const SESSION_ID_RE = new RegExp(SESSION_ID_PATTERN);

export const isSessionId = (value: unknown): value is string =>
  typeof value === 'string' && SESSION_ID_RE.test(value);

/**
 * Builds a session id from a time in ms since the epoch and 10 random bytes.
 * The caller supplies the randomness (crypto on devices, a seeded generator in tests).
 */
export function sessionIdAt(timeMs: number, randomBytes: ArrayLike<number>): string {
  if (!Number.isInteger(timeMs) || timeMs < 0 || timeMs > 2 ** 48 - 1) {
    throw new RangeError(`session id time must be an integer between 0 and 2^48-1 ms, got ${timeMs}`);
  }
  if (randomBytes.length !== 10) throw new RangeError(`session id needs 10 random bytes, got ${randomBytes.length}`);
  let time = '';
  let t = timeMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  // 80 bits as 16 groups of 5 bits.
  let random = '';
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < 10; i++) {
    acc = (acc << 8) | ((randomBytes[i] ?? 0) & 0xff);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      random += CROCKFORD[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return `ses_${time}${random}`;
}
