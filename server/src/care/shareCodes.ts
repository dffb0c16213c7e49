import { AccountsDatabase, type StoredDoc } from '../accounts/accountsDatabase.js';
import type { Clock } from '../auth/clock.js';
import { codeHash, normaliseCode, randomCode } from './codes.js';
import type { StoreClient } from '@m2m/couch';

/** 10 characters of base32: 50 bits, against at most a rate-limited handful of guesses per clinician. */
export const SHARE_CODE_LENGTH = 10;
/** Codes a patient may hold that have not expired yet (used or not). */
export const MAX_LIVE_CODES_PER_PATIENT = 5;

/** `sharecode:<sha256hex(code)>` in `<prefix>accounts`. */
interface ShareCodeDoc extends StoredDoc {
  type: 'sharecode';
  patientId: string;
  createdAt: string;
  expiresAt: string;
  usedAt?: string;
  usedBy?: string;
}

/**
 * `sharecodes:<patientId>`: every code the patient made that is not purged
 * yet (live, used or expired), so that live codes are counted and a deleted
 * account's codes are all found without listing every code (their ids are
 * hashes). Expired codes are purged when the patient makes a new one, so it
 * holds at most MAX_LIVE_CODES_PER_PATIENT + 1 between two. Updated with the
 * store's revision check: concurrent requests cannot exceed the cap.
 */
interface PatientCodesDoc extends StoredDoc {
  type: 'sharecodes';
  patientId: string;
  codes: Array<{ hash: string; expiresAt: string }>;
}

const codeId = (hash: string): string => `sharecode:${hash}`;
const patientCodesId = (patientId: string): string => `sharecodes:${patientId}`;

export type CreateResult = { ok: true; code: string; expiresAt: string } | { ok: false; retryAfterS: number };

/** Share codes: a patient makes one, one clinician redeems it once, before it expires. */
export class ShareCodes {
  private readonly db: AccountsDatabase;

  constructor(
    store: StoreClient,
    prefix: string,
    private readonly ttlS: number,
    private readonly clock: Clock,
  ) {
    this.db = new AccountsDatabase(store, prefix);
  }

  /** A new code for the patient, unless they hold MAX_LIVE_CODES_PER_PATIENT live ones already. */
  async create(patientId: string): Promise<CreateResult> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const now = this.clock();
      const index = (await this.db.get<PatientCodesDoc>(patientCodesId(patientId))) ?? { _id: patientCodesId(patientId), type: 'sharecodes', patientId, codes: [] };
      const live = index.codes.filter((entry) => Date.parse(entry.expiresAt) > now);
      if (live.length >= MAX_LIVE_CODES_PER_PATIENT) {
        const soonest = Math.min(...live.map((entry) => Date.parse(entry.expiresAt)));
        return { ok: false, retryAfterS: Math.max(1, Math.ceil((soonest - now) / 1000)) };
      }
      // Expired codes go before the index forgets them: an entry is dropped only once its document is gone.
      await this.purge(index.codes.filter((entry) => Date.parse(entry.expiresAt) <= now));
      const code = randomCode(SHARE_CODE_LENGTH);
      const hash = codeHash(normaliseCode(code, SHARE_CODE_LENGTH) ?? code);
      const expiresAt = new Date(now + this.ttlS * 1000).toISOString();
      if ((await this.db.put<PatientCodesDoc>({ ...index, codes: [...live, { hash, expiresAt }] })) === 'conflict') continue;
      const doc: ShareCodeDoc = { _id: codeId(hash), type: 'sharecode', patientId, createdAt: new Date(now).toISOString(), expiresAt };
      if ((await this.db.put(doc)) === 'conflict') throw new Error('a fresh share code collided');
      return { ok: true, code, expiresAt };
    }
    throw new Error(`the share codes of ${patientId} kept changing; retry`);
  }

  /**
   * Uses the code for `clinicianId`: the patient's id, or undefined when the
   * code is malformed, unknown, expired or used. Of two redeems of one code,
   * the store's revision check lets exactly one through.
   */
  async redeem(typed: string, clinicianId: string): Promise<string | undefined> {
    const normalised = normaliseCode(typed, SHARE_CODE_LENGTH);
    if (normalised === undefined) return undefined;
    const doc = await this.db.get<ShareCodeDoc>(codeId(codeHash(normalised)));
    const now = this.clock();
    if (!doc || doc.type !== 'sharecode' || doc.usedBy !== undefined || Date.parse(doc.expiresAt) <= now) return undefined;
    const used: ShareCodeDoc = { ...doc, usedAt: new Date(now).toISOString(), usedBy: clinicianId };
    return (await this.db.put(used)) === 'conflict' ? undefined : doc.patientId;
  }

  /**
   * Gives a redeemed code back when the link it was redeemed for could not be
   * written: unused again (until it expires), only if `clinicianId` used it.
   */
  async release(typed: string, clinicianId: string): Promise<void> {
    const normalised = normaliseCode(typed, SHARE_CODE_LENGTH);
    if (normalised === undefined) return;
    const doc = await this.db.get<ShareCodeDoc>(codeId(codeHash(normalised)));
    if (doc?.usedBy !== clinicianId) return;
    const unused: ShareCodeDoc = { ...doc };
    delete unused.usedBy;
    delete unused.usedAt;
    await this.db.put(unused);
  }

  /** Removes (and purges) every code a deleted account made, used and expired ones included, and their index. */
  async removeAllOf(patientId: string): Promise<void> {
    const index = await this.db.get<PatientCodesDoc>(patientCodesId(patientId));
    if (!index) return;
    await this.purge(index.codes);
    await this.db.removeAndPurge([index]);
  }

  /** Deletes and purges the codes' documents (those already gone are skipped). */
  private async purge(entries: Array<{ hash: string }>): Promise<void> {
    if (entries.length === 0) return;
    const docs = await Promise.all(entries.map((entry) => this.db.get<ShareCodeDoc>(codeId(entry.hash))));
    const left = await this.db.removeAndPurge(docs.filter((doc): doc is ShareCodeDoc => doc !== undefined));
    if (left.length > 0) throw new Error(`share codes changed while being removed: ${left.length}`);
  }
}
