import { AccountsDatabase, type StoredDoc } from '../accounts/accountsDatabase.js';
import type { Clock } from '../auth/clock.js';
import { codeHash, normaliseCode, randomCode } from './codes.js';
import type { StoreClient } from '@m2m/couch';

/** 25 characters of base32: 125 bits, far beyond guessing even without a rate limit. */
export const INVITATION_LENGTH = 25;

/** `invitation:<sha256hex(code)>` in `<prefix>accounts`: one clinician account, once, until `expiresAt`. */
interface InvitationDoc extends StoredDoc {
  type: 'invitation';
  createdAt: string;
  expiresAt: string;
  usedBy?: string;
  usedAt?: string;
}

const invitationId = (normalised: string): string => `invitation:${codeHash(normalised)}`;

/** Invitations to register as a clinician: made by the operator, used once at registration. */
export class Invitations {
  private readonly db: AccountsDatabase;

  constructor(
    store: StoreClient,
    prefix: string,
    private readonly clock: Clock,
  ) {
    this.db = new AccountsDatabase(store, prefix);
  }

  /** A new invitation valid for `days`; the code exists only in this answer. */
  async create(days: number): Promise<{ code: string; expiresAt: string }> {
    const code = randomCode(INVITATION_LENGTH);
    const now = this.clock();
    const expiresAt = new Date(now + days * 86_400_000).toISOString();
    const doc: InvitationDoc = { _id: invitationId(normaliseCode(code, INVITATION_LENGTH) ?? code), type: 'invitation', createdAt: new Date(now).toISOString(), expiresAt };
    if ((await this.db.put(doc)) === 'conflict') throw new Error('a fresh invitation code collided');
    return { code, expiresAt };
  }

  /** Whether the code may be used now (unknown, expired and used all read false). */
  async isUsable(typed: string): Promise<boolean> {
    return (await this.usable(typed)) !== undefined;
  }

  /**
   * Marks the invitation used by `userId`; false when it is unknown, expired
   * or used. Of two registrations with one code, the store's revision check
   * lets exactly one through.
   */
  async claim(typed: string, userId: string): Promise<boolean> {
    const doc = await this.usable(typed);
    if (!doc) return false;
    const used: InvitationDoc = { ...doc, usedBy: userId, usedAt: new Date(this.clock()).toISOString() };
    return (await this.db.put(used)) !== 'conflict';
  }

  /** Gives the invitation back when the registration that claimed it failed (a taken name). */
  async release(typed: string, userId: string): Promise<void> {
    const normalised = normaliseCode(typed, INVITATION_LENGTH);
    if (normalised === undefined) return;
    const doc = await this.db.get<InvitationDoc>(invitationId(normalised));
    if (doc?.usedBy !== userId) return;
    const unused: InvitationDoc = { ...doc };
    delete unused.usedBy;
    delete unused.usedAt;
    await this.db.put(unused);
  }

  private async usable(typed: string): Promise<InvitationDoc | undefined> {
    const normalised = normaliseCode(typed, INVITATION_LENGTH);
    if (normalised === undefined) return undefined;
    const doc = await this.db.get<InvitationDoc>(invitationId(normalised));
    if (!doc || doc.type !== 'invitation' || doc.usedBy !== undefined) return undefined;
    return Date.parse(doc.expiresAt) > this.clock() ? doc : undefined;
  }
}
