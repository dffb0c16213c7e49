import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AccountsDatabase } from '../accounts/accountsDatabase.js';
import { isUserId } from '../accounts/userIds.js';
import type { Clock } from './clock.js';
import { type StoreClient } from '@m2m/couch';

/**
 * One login's chain of refresh tokens (`refresh:<userId>:<familyId>` in the
 * accounts database). The newest token's hash is kept, and for a short grace
 * window the hashes of the tokens it replaced: a client that lost an answer
 * and retries gets a fresh pair. Presenting any other token of the family
 * means an old one was replayed, and the whole family is revoked.
 */
interface RefreshFamilyDoc {
  _id: string;
  _rev?: string;
  type: 'refreshFamily';
  userId: string;
  familyId: string;
  /** sha256 of the current token's secret, hex. */
  tokenHash: string;
  generation: number;
  createdAt: string;
  /** The current token's expiry, ms since the epoch. */
  expiresAt: number;
  revokedAt?: string;
  revokedBecause?: 'logout' | 'reuse';
  /** Tokens just replaced that may still rotate once more, each until `until` (ms since the epoch). */
  grace?: GraceEntry[];
}

interface GraceEntry {
  tokenHash: string;
  until: number;
}

/** Retries kept within one grace window: more is not a lost answer but a replay. */
const MAX_GRACE_ENTRIES = 8;

export type RefreshFailure = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'reused';

export type RotateResult =
  | { ok: true; userId: string; signInId: string; refreshToken: string }
  | { ok: false; failure: RefreshFailure };

export interface RefreshTokenOptions {
  ttlS: number;
  /** How long a just-replaced token may still rotate without revoking the family. */
  graceS: number;
  clock: Clock;
  /** Told at once when a family is revoked (logout, reuse), so its access tokens end. */
  onEnded?: (userId: string, signInId: string) => void;
}

/** Families kept per user; the oldest are dropped beyond this (bounded storage per account). */
const MAX_FAMILIES_PER_USER = 50;

const TOKEN_PATTERN = /^([a-z2-7]{26})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

const familyDocId = (userId: string, familyId: string): string => `refresh:${userId}:${familyId}`;
const hashSecret = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

function sameHash(a: string, b: string): boolean {
  const da = Buffer.from(a, 'hex');
  const db = Buffer.from(b, 'hex');
  return da.length === db.length && timingSafeEqual(new Uint8Array(da), new Uint8Array(db));
}

function parseToken(token: string): { userId: string; familyId: string; secret: string } | undefined {
  const match = TOKEN_PATTERN.exec(token);
  if (!match?.[1] || !match[2] || !match[3] || !isUserId(match[1])) return undefined;
  return { userId: match[1], familyId: match[2], secret: match[3] };
}

/** Refresh tokens are `<userId>.<familyId>.<secret>`: random, stored hashed, expiring, revocable. */
export class RefreshTokens {
  private readonly db: AccountsDatabase;
  private readonly ttlS: number;
  private readonly graceMs: number;
  private readonly clock: Clock;
  private readonly onEnded: (userId: string, signInId: string) => void;

  constructor(store: StoreClient, prefix: string, options: RefreshTokenOptions) {
    this.db = new AccountsDatabase(store, prefix);
    this.ttlS = options.ttlS;
    this.graceMs = options.graceS * 1000;
    this.clock = options.clock;
    this.onEnded = options.onEnded ?? (() => undefined);
  }

  /** Whether the sign-in still holds: its family exists and is not revoked. */
  async isLive(userId: string, signInId: string): Promise<boolean> {
    const doc = await this.db.get<RefreshFamilyDoc>(familyDocId(userId, signInId));
    return doc !== undefined && !doc.revokedAt;
  }

  /** Starts a new family (a login) and returns its id (the sign-in) and first token. */
  async issue(userId: string): Promise<{ signInId: string; refreshToken: string }> {
    await this.prune(userId);
    const familyId = randomBytes(16).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    const now = this.clock();
    const doc: RefreshFamilyDoc = {
      _id: familyDocId(userId, familyId),
      type: 'refreshFamily',
      userId,
      familyId,
      tokenHash: hashSecret(secret),
      generation: 1,
      createdAt: new Date(now).toISOString(),
      expiresAt: now + this.ttlS * 1000,
    };
    if ((await this.db.put(doc)) === 'conflict') throw new Error('a fresh refresh token family collided');
    return { signInId: familyId, refreshToken: `${userId}.${familyId}.${secret}` };
  }

  /**
   * Trades a current token for the next one of its family. A token replaced
   * less than the grace window ago rotates too (a retry after a lost answer,
   * or concurrent refreshes); any other old token revokes the family.
   */
  async rotate(token: string): Promise<RotateResult> {
    const parsed = parseToken(token);
    if (!parsed) return { ok: false, failure: 'malformed' };
    const presented = hashSecret(parsed.secret);
    // A concurrent rotation moves the revision on: read again and decide again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const doc = await this.db.get<RefreshFamilyDoc>(familyDocId(parsed.userId, parsed.familyId));
      if (!doc?._rev) return { ok: false, failure: 'unknown' };
      if (doc.revokedAt) return { ok: false, failure: 'revoked' };
      const now = this.clock();
      const grace = (doc.grace ?? []).filter((entry) => entry.until > now);
      const current = sameHash(presented, doc.tokenHash);
      const retried = current ? undefined : grace.find((entry) => sameHash(presented, entry.tokenHash));
      if (!current && !retried) {
        await this.revokeFamily(doc, 'reuse');
        return { ok: false, failure: 'reused' };
      }
      if (doc.expiresAt <= now) return { ok: false, failure: 'expired' };
      if (retried && grace.length >= MAX_GRACE_ENTRIES) {
        await this.revokeFamily(doc, 'reuse');
        return { ok: false, failure: 'reused' };
      }
      // The replaced token may rotate until the window of the token first presented closes: never extended.
      const replaced: GraceEntry = { tokenHash: doc.tokenHash, until: retried ? retried.until : now + this.graceMs };
      const secret = randomBytes(32).toString('base64url');
      const next: RefreshFamilyDoc = {
        ...doc,
        tokenHash: hashSecret(secret),
        generation: doc.generation + 1,
        expiresAt: now + this.ttlS * 1000,
        grace: this.graceMs > 0 ? [...grace, replaced].slice(-MAX_GRACE_ENTRIES) : [],
      };
      if ((await this.db.put(next)) !== 'conflict') {
        return { ok: true, userId: doc.userId, signInId: doc.familyId, refreshToken: `${doc.userId}.${doc.familyId}.${secret}` };
      }
    }
    throw new Error(`refresh token family ${parsed.familyId} kept changing; retry`);
  }

  /** Logout: revokes the token's family. Unknown or malformed tokens are ignored. */
  async revoke(token: string): Promise<void> {
    const parsed = parseToken(token);
    if (!parsed) return;
    const doc = await this.db.get<RefreshFamilyDoc>(familyDocId(parsed.userId, parsed.familyId));
    if (doc && !doc.revokedAt) await this.revokeFamily(doc, 'logout');
  }

  /** Deletes and purges every family of a user (account deletion); their access tokens end. */
  async removeAllForUser(userId: string): Promise<void> {
    const families = await this.db.listByPrefix<RefreshFamilyDoc>(`refresh:${userId}:`);
    for (const family of families) this.onEnded(userId, family.familyId);
    await this.db.removeAndPurge(families);
  }

  private async revokeFamily(doc: RefreshFamilyDoc, because: 'logout' | 'reuse'): Promise<void> {
    // Its access tokens end now in this process, whatever the store write below does.
    this.onEnded(doc.userId, doc.familyId);
    let current: RefreshFamilyDoc | undefined = doc;
    // A concurrent rotation may have moved the revision on: read again and retry.
    for (let attempt = 0; attempt < 5 && current && !current.revokedAt; attempt++) {
      const revoked = { ...current, revokedAt: new Date(this.clock()).toISOString(), revokedBecause: because };
      if ((await this.db.put(revoked)) !== 'conflict') return;
      current = await this.db.get<RefreshFamilyDoc>(doc._id);
    }
    if (current && !current.revokedAt) throw new Error(`could not revoke refresh token family ${doc.familyId}`);
  }

  /** Drops the user's revoked and expired families, and the oldest beyond the cap. */
  private async prune(userId: string): Promise<void> {
    const now = this.clock();
    const families = await this.db.listByPrefix<RefreshFamilyDoc>(`refresh:${userId}:`);
    const dead = families.filter((family) => family.revokedAt || family.expiresAt <= now);
    const live = families
      .filter((family) => !dead.includes(family))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const excess = live.slice(0, Math.max(0, live.length - (MAX_FAMILIES_PER_USER - 1)));
    for (const family of excess) this.onEnded(userId, family.familyId);
    await this.db.removeAndPurge([...dead, ...excess]);
  }
}
