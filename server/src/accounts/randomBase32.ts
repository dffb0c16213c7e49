import { randomBytes } from 'node:crypto';

/** `length` characters of a 32-letter `alphabet`, 5 random bits each (from crypto.randomBytes). */
export function randomBase32(length: number, alphabet: string): string {
  const bytes = randomBytes(Math.ceil((length * 5) / 8));
  let bits = 0;
  let value = 0;
  let text = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5 && text.length < length) {
      text += alphabet.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  return text;
}
