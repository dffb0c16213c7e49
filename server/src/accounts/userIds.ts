import { randomBase32 } from './randomBase32.js';

export { isUserId } from '@m2m/analysis-core';

/** RFC 4648 base32 in lowercase: letters and digits only, safe in URLs and CouchDB names. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** 26 characters, 130 bits (the shape `isUserId` checks): random, so ids reveal nothing and never collide in practice. */
export function newUserId(): string {
  return randomBase32(26, ALPHABET);
}
