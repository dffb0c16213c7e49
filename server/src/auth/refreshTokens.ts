import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AccountsDatabase } from '../accounts/accountsDatabase.js';
import { isUserId } from '../accounts/userIds.js';
import type { StoreConnection } from '../storeAccess/storeConnection.js';
import type { Clock } from './clock.js';

/**
 * One login's chain of refresh tokens (`refresh:<userId>:<familyId>` in the
 * accounts database). Only the newest token's hash is kept: presenting any
 * other token of the family means an old one was replayed, and the whole
 * family is revoked.
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
}

export type RefreshFailure = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'reused';

export type RotateResult = { ok: true; userId: string; refreshToken: string } | { ok: false; failure: RefreshFailure };

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

  constructor(
    store: StoreConnection,
    prefix: string,
    private readonly ttlS: number,
    private readonly clock: Clock,
  ) {
    this.db = new AccountsDatabase(store, prefix);
  }

  /** Starts a new family (a login) and returns its first token. */
  async issue(userId: string): Promise<string> {
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
    return `${userId}.${familyId}.${secret}`;
  }

  /** Trades a current token for the next one of its family. */
  async rotate(token: string): Promise<RotateResult> {
    const parsed = parseToken(token);
    if (!parsed) return { ok: false, failure: 'malformed' };
    const doc = await this.db.get<RefreshFamilyDoc>(familyDocId(parsed.userId, parsed.familyId));
    if (!doc?._rev) return { ok: false, failure: 'unknown' };
    if (doc.revokedAt) return { ok: false, failure: 'revoked' };
    if (!sameHash(hashSecret(parsed.secret), doc.tokenHash)) {
      await this.revokeFamily(doc, 'reuse');
      return { ok: false, failure: 'reused' };
    }
    const now = this.clock();
    if (doc.expiresAt <= now) return { ok: false, failure: 'expired' };

    const secret = randomBytes(32).toString('base64url');
    const next: RefreshFamilyDoc = {
      ...doc,
      tokenHash: hashSecret(secret),
      generation: doc.generation + 1,
      expiresAt: now + this.ttlS * 1000,
    };
    if ((await this.db.put(next)) === 'conflict') {
      // Another request rotated the same token at the same moment: one token used twice.
      await this.revokeFamily(doc, 'reuse');
      return { ok: false, failure: 'reused' };
    }
    return { ok: true, userId: doc.userId, refreshToken: `${doc.userId}.${doc.familyId}.${secret}` };
  }

  /** Logout: revokes the token's family. Unknown or malformed tokens are ignored. */
  async revoke(token: string): Promise<void> {
    const parsed = parseToken(token);
    if (!parsed) return;
    const doc = await this.db.get<RefreshFamilyDoc>(familyDocId(parsed.userId, parsed.familyId));
    if (doc && !doc.revokedAt) await this.revokeFamily(doc, 'logout');
  }

  /** Deletes every family of a user (account deletion). */
  async removeAllForUser(userId: string): Promise<void> {
    const families = await this.db.listByPrefix<RefreshFamilyDoc>(`refresh:${userId}:`);
    await this.db.removeAll(families);
  }

  private async revokeFamily(doc: RefreshFamilyDoc, because: 'logout' | 'reuse'): Promise<void> {
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
    await this.db.removeAll([...dead, ...excess]);
  }
}
