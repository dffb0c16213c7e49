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

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** scrypt needs 128·N·r bytes: 128 MiB at OWASP's minimum N = 2^17, r = 8. */
export const scryptCost = (log2N: number): ScryptCost => ({ N: 2 ** log2N, r: 8, p: 1 });

const KEY_BYTES = 32;
const SALT_BYTES = 16;
/**
 * As many as libuv's thread pool runs at once (UV_THREADPOOL_SIZE, four by
 * default): at N = 2^17 that caps hashing memory at 4 × 128 MiB.
 */
const slots = new HashSlots(Math.max(1, Number.parseInt(process.env['UV_THREADPOOL_SIZE'] ?? '', 10) || 4));

/** Hashes waiting for a slot (a metric). */
export const hashesWaiting = (): number => slots.waitingCount;

/** Derives the key once a slot is free; throws ClientGoneError, without hashing, if `signal` fired meanwhile. */
function derive(password: string, salt: Buffer, cost: ScryptCost, signal: AbortSignal | undefined): Promise<Buffer> {
  // Node refuses a cost whose memory exceeds maxmem (32 MiB by default): allow the cost's own need, with headroom.
  const options: ScryptOptions = { ...cost, maxmem: 2 * 128 * cost.N * cost.r * cost.p };
  const work = (): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      // One normal form, so the same password typed on different keyboards matches.
      scrypt(password.normalize('NFC'), new Uint8Array(salt), KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key)));
    });
  return slots.run(work, signal);
}

/** Hashes and checks passwords at one configured cost; older, weaker records still verify and report it. */
export class PasswordHasher {
  /** A record no password matches (random key) at the current cost: unknown users cost the same work as known ones. */
  readonly decoy: PasswordRecord;

  constructor(readonly cost: ScryptCost) {
    this.decoy = {
      scheme: 'scrypt',
      ...cost,
      salt: randomBytes(SALT_BYTES).toString('base64'),
      hash: randomBytes(KEY_BYTES).toString('base64'),
    };
  }

  /** `signal`: the client is gone, do not hash for it (see HashSlots). */
  async hash(password: string, signal?: AbortSignal): Promise<PasswordRecord> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, this.cost, signal);
    return { scheme: 'scrypt', ...this.cost, salt: salt.toString('base64'), hash: key.toString('base64') };
  }

  async verify(password: string, record: PasswordRecord, signal?: AbortSignal): Promise<boolean> {
    const expected = Buffer.from(record.hash, 'base64');
    const key = await derive(password, Buffer.from(record.salt, 'base64'), { N: record.N, r: record.r, p: record.p }, signal);
    // Plain Uint8Array views: @types/node 20's Buffer does not fit TS 5.9's ArrayBufferView.
    return key.length === expected.length && timingSafeEqual(new Uint8Array(key), new Uint8Array(expected));
  }

  /** True when the record was made with less work than the current cost (rehash it at the next login). */
  isWeaker(record: PasswordRecord): boolean {
    return record.N * record.r * record.p < this.cost.N * this.cost.r * this.cost.p || record.N < this.cost.N;
  }
}
