import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { HashSlots } from './hashSlots.js';

/** A stored password: scrypt parameters, salt and derived key (base64). */
export interface PasswordRecord {
  scheme: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}

/** 32 MiB of memory per hash (128·N·r): slow for guessing, bounded under load (libuv runs four at once). */
const COST = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const MAX_MEMORY = 64 * 1024 * 1024;
/** As many as libuv's thread pool runs at once (UV_THREADPOOL_SIZE, four by default). */
const slots = new HashSlots(Math.max(1, Number.parseInt(process.env['UV_THREADPOOL_SIZE'] ?? '', 10) || 4));

/** Hashes waiting for a slot (a metric). */
export const hashesWaiting = (): number => slots.waitingCount;

/** Derives the key once a slot is free; throws ClientGoneError, without hashing, if `signal` fired meanwhile. */
function derive(password: string, salt: Buffer, options: ScryptOptions, signal: AbortSignal | undefined): Promise<Buffer> {
  const work = (): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      // One normal form, so the same password typed on different keyboards matches.
      scrypt(password.normalize('NFC'), new Uint8Array(salt), KEY_BYTES, { ...options, maxmem: MAX_MEMORY }, (err, key) =>
        err ? reject(err) : resolve(key),
      );
    });
  return slots.run(work, signal);
}

/** `signal`: the client is gone, do not hash for it (see HashSlots). */
export async function hashPassword(password: string, signal?: AbortSignal): Promise<PasswordRecord> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, COST, signal);
  return { scheme: 'scrypt', ...COST, salt: salt.toString('base64'), hash: key.toString('base64') };
}

export async function verifyPassword(password: string, record: PasswordRecord, signal?: AbortSignal): Promise<boolean> {
  const expected = Buffer.from(record.hash, 'base64');
  const key = await derive(password, Buffer.from(record.salt, 'base64'), { N: record.N, r: record.r, p: record.p }, signal);
  // Plain Uint8Array views: @types/node 20's Buffer does not fit TS 5.9's ArrayBufferView.
  return key.length === expected.length && timingSafeEqual(new Uint8Array(key), new Uint8Array(expected));
}

/** A record no password matches (random key): unknown users cost the same work as known ones. */
export const DECOY_PASSWORD_RECORD: PasswordRecord = {
  scheme: 'scrypt',
  ...COST,
  salt: randomBytes(SALT_BYTES).toString('base64'),
  hash: randomBytes(KEY_BYTES).toString('base64'),
};
