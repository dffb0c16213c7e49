import { activityDatabase } from '@m2m/analysis-core';
import type { StoreConnection } from './storeConnection.js';
import { describeStoreError, isStoreStatus, storeStatus, StoreUnavailableError } from './storeErrors.js';

/** CouchDB's own system databases (single node setup). */
export const SYSTEM_DATABASES = ['_users', '_replicator', '_global_changes'] as const;

/** The system's own databases, named with the configured prefix. */
export function systemDatabases(prefix: string): { accounts: string; worker: string; activity: string } {
  return { accounts: `${prefix}accounts`, worker: `${prefix}worker`, activity: activityDatabase(prefix) };
}

/** Server admins only: CouchDB's default for new databases in 3.x, stated explicitly. */
export const ADMIN_ONLY_SECURITY = {
  admins: { names: [], roles: ['_admin'] },
  members: { names: [], roles: ['_admin'] },
} as const;

/** `PUT /{db}` parameters: `q` shards (CouchDB's default 2, from `[cluster] q`). */
export interface CreateDatabaseOptions {
  q?: number;
}

/** Creates a database unless it exists. True when this call created it. */
export async function ensureDatabase(store: StoreConnection, name: string, options: CreateDatabaseOptions = {}): Promise<boolean> {
  try {
    await store.request({ db: name, method: 'PUT', ...(options.q === undefined ? {} : { qs: { q: options.q } }) });
    return true;
  } catch (err) {
    // 412 file_exists: someone (maybe a concurrent start) created it already.
    if (isStoreStatus(err, 412)) return false;
    throw err;
  }
}

export async function setAdminOnlySecurity(store: StoreConnection, name: string): Promise<void> {
  await store.request({ db: name, path: '_security', method: 'PUT', body: ADMIN_ONLY_SECURITY });
}

/** Checks that the store answers and that our credentials are a server admin's. */
export async function checkStoreAccess(store: StoreConnection): Promise<void> {
  let session: { userCtx?: { name?: unknown; roles?: unknown } };
  try {
    await store.request({ path: '' });
    // Wrong Basic credentials get 401 here; right ones show the roles.
    session = await store.request({ path: '_session' });
  } catch (err) {
    throw storeAccessError(store, err);
  }
  const roles = session.userCtx?.roles;
  if (!Array.isArray(roles) || !roles.includes('_admin')) {
    throw new StoreUnavailableError(
      `The store at ${store.url} accepted the credentials but the user is not a server admin: COUCHDB_URL must name an admin.`,
    );
  }
}

function storeAccessError(store: StoreConnection, err: unknown): StoreUnavailableError {
  const status = storeStatus(err);
  if (status === undefined && /aborted due to timeout/i.test(describeStoreError(err))) {
    return new StoreUnavailableError(
      `The store at ${store.url} is unreachable: no answer within ${store.timeoutMs} ms (STORE_TIMEOUT_MS). Is COUCHDB_URL right?`,
      { cause: err },
    );
  }
  if (status === undefined) {
    return new StoreUnavailableError(
      `The store at ${store.url} is unreachable: ${describeStoreError(err)}. Is it running, and is COUCHDB_URL right?`,
      { cause: err },
    );
  }
  if (status === 401 || status === 403) {
    return new StoreUnavailableError(
      `The store at ${store.url} refused the admin credentials (HTTP ${status}): check the user and password in COUCHDB_URL (or STORE_ADMIN).`,
      { cause: err },
    );
  }
  return new StoreUnavailableError(`The store at ${store.url} failed a test request: ${describeStoreError(err)}`, {
    cause: err,
  });
}

/**
 * Makes the store ready for the system; safe to run at every start and from
 * several processes at once. Throws StoreUnavailableError naming the problem.
 */
export async function bootstrapStore(store: StoreConnection, prefix: string): Promise<void> {
  await checkStoreAccess(store);
  const own = systemDatabases(prefix);
  for (const name of [...SYSTEM_DATABASES, own.accounts, own.worker, own.activity]) {
    try {
      await ensureDatabase(store, name);
    } catch (err) {
      throw new StoreUnavailableError(`Creating the database ${name} failed: ${describeStoreError(err)}`, { cause: err });
    }
  }
  for (const name of [own.accounts, own.worker, own.activity]) {
    try {
      await setAdminOnlySecurity(store, name);
    } catch (err) {
      throw new StoreUnavailableError(`Securing the database ${name} failed: ${describeStoreError(err)}`, {
        cause: err,
      });
    }
  }
}

/** True when the store answers and the accounts database exists (readiness). */
export async function isBootstrapped(store: StoreConnection, prefix: string): Promise<boolean> {
  try {
    await store.request({ db: systemDatabases(prefix).accounts, method: 'GET', timeoutMs: Math.min(store.timeoutMs, 5_000) });
    return true;
  } catch {
    return false;
  }
}
