import { randomBytes } from 'node:crypto';

export { isUserId } from '@m2m/analysis-core';

/** RFC 4648 base32 in lowercase: letters and digits only, safe in URLs and CouchDB names. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** 26 characters, 130 bits (the shape `isUserId` checks): random, so ids reveal nothing and never collide in practice. */
export function newUserId(): string {
  const bytes = randomBytes(17); // 136 bits, of which 130 are used
  let bits = 0;
  let value = 0;
  let id = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && id.length < 26) {
      id += ALPHABET.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  return id;
}

