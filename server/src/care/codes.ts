import { createHash } from 'node:crypto';
import { randomBase32 } from '../accounts/randomBase32.js';

/** Crockford's base32: no I, L, O or U, so a code read aloud or typed is not mistaken. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Letters people type for digits they resemble (Crockford's decoding rules). */
const LOOK_ALIKES: Record<string, string> = { I: '1', L: '1', O: '0' };

/** `length` random characters (5 bits each, from crypto.randomBytes), in groups of five joined by dashes. */
export function randomCode(length: number): string {
  return randomBase32(length, ALPHABET).replace(/(.{5})(?=.)/g, '$1-');
}

/**
 * The canonical form of a code as typed: upper case, without dashes or
 * spaces, look-alike letters read as their digits. Undefined when it cannot
 * be a code of `length` characters.
 */
export function normaliseCode(typed: string, length: number): string | undefined {
  if (typed.length > 4 * length) return undefined;
  const plain = typed
    .toUpperCase()
    .replace(/[-\s]/g, '')
    .replace(/[ILO]/g, (letter) => LOOK_ALIKES[letter] ?? letter);
  if (plain.length !== length) return undefined;
  for (const character of plain) if (!ALPHABET.includes(character)) return undefined;
  return plain;
}

/** Codes are stored by hash only: a copy of the accounts database does not hand out live codes. */
export const codeHash = (normalised: string): string => createHash('sha256').update(normalised, 'utf8').digest('hex');
