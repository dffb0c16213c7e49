import type { Role } from '@m2m/contract';
import type { Clock } from '../auth/clock.js';
import { AccountsDatabase } from './accountsDatabase.js';
import type { PasswordHasher, PasswordRecord } from './passwordHashing.js';
import { provisionCareDatabase, provisionUserDatabases, removeUserDatabases } from './userDatabaseProvisioning.js';
import { newUserId } from './userIds.js';
import { type StoreClient } from '@m2m/couch';

/** `account:<userId>`: the account itself. */
export interface AccountDoc {
  _id: string;
  _rev?: string;
  type: 'account';
  userId: string;
  username: string;
  password: PasswordRecord;
  createdAt: string;
  /** Missing on accounts made before roles: a patient. */
  role?: Role;
}

/**
 * `username:<name>`: claims a name for one account. CouchDB refuses a second
 * document with the same id, so of two concurrent registrations exactly one
 * gets the name.
 */
export interface UsernameDoc {
  _id: string;
  _rev?: string;
  type: 'username';
  username: string;
  userId: string;
  createdAt: string;
}

export interface Account {
  userId: string;
  username: string;
  role: Role;
  createdAt: string;
}

/** What a registration may add: a clinician's, and the step that claims their invitation once the user id is known. */
export interface RegistrationOptions {
  role?: Role;
  /** Runs before anything else is written; a throw ends the registration. */
  claim?: (userId: string) => Promise<void>;
  /** Undoes `claim` when a later step fails (the name was taken, the store failed). */
  release?: (userId: string) => Promise<void>;
}

export const MAX_USERNAME_LENGTH = 64;
export const USERNAME_PATTERN = new RegExp(`^[a-z0-9._-]{3,${MAX_USERNAME_LENGTH}}$`);
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

const accountId = (userId: string): string => `account:${userId}`;
const usernameId = (username: string): string => `username:${username}`;

export class UsernameTakenError extends Error {
  constructor(username: string) {
    super(`the username ${username} is taken`);
    this.name = 'UsernameTakenError';
  }
}

function publicAccount(doc: AccountDoc): Account {
  return { userId: doc.userId, username: doc.username, role: doc.role ?? 'patient', createdAt: doc.createdAt };
}

/** Accounts in `<prefix>accounts` and each user's databases (a patient's two, a clinician's care database). */
export class AccountService {
  private readonly db: AccountsDatabase;

  constructor(
    private readonly store: StoreClient,
    private readonly prefix: string,
    private readonly clock: Clock,
    private readonly hasher: PasswordHasher,
  ) {
    this.db = new AccountsDatabase(store, prefix);
  }

  /**
   * Creates the account, claims the name and provisions the databases (a
   * patient's two, a clinician's care database). The account document comes
   * first, so a name whose account is missing is a leftover (of a crash or a
   * deletion) and may be taken over.
   */
  async register(username: string, password: string, signal?: AbortSignal, options: RegistrationOptions = {}): Promise<Account> {
    const record = await this.hasher.hash(password, signal);
    const userId = newUserId();
    const role = options.role ?? 'patient';
    await options.claim?.(userId);
    const createdAt = new Date(this.clock()).toISOString();
    const account: AccountDoc = { _id: accountId(userId), type: 'account', userId, username, password: record, createdAt, ...(role === 'patient' ? {} : { role }) };
    try {
      if ((await this.db.put(account)) === 'conflict') throw new Error('a fresh user id collided');
    } catch (err) {
      await options.release?.(userId).catch(() => undefined);
      throw err;
    }
    let claimed = false;
    try {
      claimed = await this.claimUsername(username, userId, createdAt);
      if (!claimed) throw new UsernameTakenError(username);
      if (role === 'clinician') await provisionCareDatabase(this.store, this.prefix, userId);
      else await provisionUserDatabases(this.store, this.prefix, userId);
    } catch (err) {
      await this.undoRegistration(userId, username, claimed);
      await options.release?.(userId).catch(() => undefined);
      throw err;
    }
    return publicAccount(account);
  }

  /** The account when the password is right; undefined otherwise, after the same work either way. */
  async authenticate(username: string, password: string, signal?: AbortSignal): Promise<Account | undefined> {
    const doc = USERNAME_PATTERN.test(username) ? await this.findByUsername(username) : undefined;
    const matches = await this.hasher.verify(password, doc?.password ?? this.hasher.decoy, signal);
    if (!doc || !matches) return undefined;
    if (this.hasher.isWeaker(doc.password)) await this.upgradeHash(doc, password);
    return publicAccount(doc);
  }

  /**
   * Rehashes at the current cost: the password is only ever in hand at a
   * successful login. A concurrent change wins; the next login tries again.
   */
  private async upgradeHash(doc: AccountDoc, password: string): Promise<void> {
    const record = await this.hasher.hash(password);
    await this.db.put<AccountDoc>({ ...doc, password: record });
  }

  /** The user id of the account holding `username` now; undefined when none does. */
  async userIdOf(username: string): Promise<string | undefined> {
    const doc = USERNAME_PATTERN.test(username) ? await this.findByUsername(username) : undefined;
    return doc?.userId;
  }

  async getAccount(userId: string): Promise<Account | undefined> {
    const doc = await this.db.get<AccountDoc>(accountId(userId));
    return doc ? publicAccount(doc) : undefined;
  }

  async passwordMatches(userId: string, password: string): Promise<boolean> {
    const doc = await this.db.get<AccountDoc>(accountId(userId));
    return this.hasher.verify(password, doc?.password ?? this.hasher.decoy).then((ok) => ok && doc !== undefined);
  }

  /**
   * Removes the databases first: when a later step fails the account still
   * exists and the user can simply try again.
   */
  async deleteAccount(userId: string): Promise<void> {
    await removeUserDatabases(this.store, this.prefix, userId);
    const doc = await this.db.get<AccountDoc>(accountId(userId));
    if (!doc?._rev) return;
    const claim = await this.db.get<UsernameDoc>(usernameId(doc.username));
    // Purged, not only deleted: the name, salt and hash must not stay readable in a previous revision.
    const left = await this.db.removeAndPurge(claim?.userId === userId ? [doc, claim] : [doc]);
    if (left.length > 0) throw new Error(`the account ${userId} changed while it was deleted; retry`);
  }

  private async findByUsername(username: string): Promise<AccountDoc | undefined> {
    const claim = await this.db.get<UsernameDoc>(usernameId(username));
    return claim ? this.db.get<AccountDoc>(accountId(claim.userId)) : undefined;
  }

  /** True when the name is now ours. A claim whose account is gone is a leftover and is replaced. */
  private async claimUsername(username: string, userId: string, createdAt: string): Promise<boolean> {
    const claim: UsernameDoc = { _id: usernameId(username), type: 'username', username, userId, createdAt };
    for (let attempt = 0; attempt < 3; attempt++) {
      if ((await this.db.put(claim)) !== 'conflict') return true;
      const existing = await this.db.get<UsernameDoc>(claim._id);
      if (!existing) continue; // released meanwhile: try again
      if (!existing._rev || (await this.db.get<AccountDoc>(accountId(existing.userId)))) return false;
      // Of several registrations removing the same leftover, one deletion wins; all retry the claim.
      await this.db.remove(existing._id, existing._rev);
    }
    return false;
  }

  private async releaseUsername(username: string, userId: string): Promise<void> {
    const claim = await this.db.get<UsernameDoc>(usernameId(username));
    // Only our own claim: the name may already belong to someone else.
    if (claim?._rev && claim.userId === userId) await this.db.remove(claim._id, claim._rev);
  }

  private async undoRegistration(userId: string, username: string, claimed: boolean): Promise<void> {
    // Best effort: what stays behind is harmless (a claim without account is a leftover).
    await removeUserDatabases(this.store, this.prefix, userId).catch(() => undefined);
    if (claimed) await this.releaseUsername(username, userId).catch(() => undefined);
    const doc = await this.db.get<AccountDoc>(accountId(userId)).catch(() => undefined);
    if (doc?._rev) await this.db.remove(doc._id, doc._rev).catch(() => undefined);
  }
}
