import { parseUserDatabase, type UserDatabaseKind } from '@m2m/analysis-core';
import type { StoreClient } from './storeClient.js';
import { isStoreStatus, StoreError } from './storeErrors.js';

/** Server admins only: CouchDB 3's default for new databases, stated explicitly (as the gateway does). */
export const ADMIN_ONLY_SECURITY = {
  admins: { names: [], roles: ['_admin'] },
  members: { names: [], roles: ['_admin'] },
} as const;

export const workerDatabase = (prefix: string): string => `${prefix}worker`;

/** A configuration problem found at start-up; the message says what to fix. */
export class StoreAccessError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreAccessError';
  }
}

/** Checks that the credentials are a server admin's (401/403 fail at once, with a message naming COUCHDB_URL). */
export async function checkAdminAccess(store: StoreClient): Promise<void> {
  let session: { userCtx?: { roles?: unknown } };
  try {
    session = await store.request({ path: '_session' });
  } catch (err) {
    if (err instanceof StoreError && (err.status === 401 || err.status === 403)) {
      throw new StoreAccessError(
        `The store at ${store.url} refused the credentials (HTTP ${err.status}): check the user and password in COUCHDB_URL.`,
        { cause: err },
      );
    }
    throw err;
  }
  const roles = session.userCtx?.roles;
  if (!Array.isArray(roles) || !roles.includes('_admin')) {
    throw new StoreAccessError(`The store at ${store.url} accepted the credentials but the user is not a server admin: COUCHDB_URL must name an admin.`);
  }
}

/**
 * checkAdminAccess for one-shot commands (status, reanalyse): one attempt,
 * an unreachable store is reported at once instead of waited for.
 */
export async function checkStoreNow(store: StoreClient): Promise<void> {
  try {
    await checkAdminAccess(store);
  } catch (err) {
    if (err instanceof StoreError && err.kind !== 'http') {
      throw new StoreAccessError(`The store at ${store.url} is unreachable (${err.message}). Is it running, and is COUCHDB_URL right?`, { cause: err });
    }
    if (err instanceof StoreError) throw new StoreAccessError(`The store at ${store.url} failed a test request: ${err.message}`, { cause: err });
    throw err;
  }
}

/** One shard per user database, as the gateway creates them (see its userDatabaseProvisioning). */
export const USER_DATABASE_SHARDS = 1;

/** Creates an admin-only database unless it exists; true when this call created it. `q`: CouchDB's shard count. */
export async function ensureDatabase(store: StoreClient, name: string, options: { q?: number } = {}): Promise<boolean> {
  let created = true;
  try {
    await store.call({ db: name, method: 'PUT', ...(options.q === undefined ? {} : { qs: { q: options.q } }) });
  } catch (err) {
    // 412 file_exists: it is there already (maybe a concurrent start made it).
    if (!isStoreStatus(err, 412)) throw err;
    created = false;
  }
  if (created) await store.call({ db: name, path: '_security', method: 'PUT', body: ADMIN_ONLY_SECURITY });
  return created;
}

export async function databaseExists(store: StoreClient, name: string): Promise<boolean> {
  try {
    await store.call({ db: name });
    return true;
  } catch (err) {
    if (isStoreStatus(err, 404)) return false;
    throw err;
  }
}

const ALL_DBS_PAGE = 1000;

/** Every user database of one kind (sessions or progress), in name order, read page by page. */
export async function listUserDatabases(store: StoreClient, prefix: string, kind: UserDatabaseKind, signal?: AbortSignal): Promise<string[]> {
  const names: string[] = [];
  const first = `${prefix}u-`;
  let startkey = first;
  let skip = 0;
  for (;;) {
    const page = await store.call<string[]>({
      path: '_all_dbs',
      qs: { startkey, endkey: `${first}\ufff0`, limit: ALL_DBS_PAGE, ...(skip ? { skip } : {}) },
      ...(signal ? { signal } : {}),
    });
    for (const name of page) if (parseUserDatabase(prefix, name)?.kind === kind) names.push(name);
    const last = page[page.length - 1];
    if (page.length < ALL_DBS_PAGE || last === undefined) return names;
    startkey = last;
    skip = 1;
  }
}
