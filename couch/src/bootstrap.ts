import { putSecurity } from './endpoints.js';
import { ADMIN_ONLY_SECURITY, SYSTEM_DATABASES, systemDatabases } from './naming.js';
import type { StoreClient } from './storeClient.js';
import { describeStoreError, isStoreStatus, StoreAccessError, StoreError } from './storeErrors.js';

/** `PUT /{db}` parameters: `q` shards (CouchDB's default 2, from `[cluster] q`). */
export interface CreateDatabaseOptions {
  q?: number;
  /** Also make it admin-only when this call created it. */
  adminOnly?: boolean;
  /** Retry transient failures with backoff (the worker's `call`) instead of failing at once. */
  retry?: boolean;
}

/** Creates a database unless it exists. True when this call created it. */
export async function ensureDatabase(store: StoreClient, name: string, options: CreateDatabaseOptions = {}): Promise<boolean> {
  const send = options.retry ? store.call.bind(store) : store.request.bind(store);
  let created = true;
  try {
    await send({ db: name, method: 'PUT', ...(options.q === undefined ? {} : { qs: { q: options.q } }) });
  } catch (err) {
    // 412 file_exists: someone (maybe a concurrent start) created it already.
    if (!isStoreStatus(err, 412)) throw err;
    created = false;
  }
  if (created && options.adminOnly) await send({ db: name, path: '_security', method: 'PUT', body: ADMIN_ONLY_SECURITY });
  return created;
}

export async function setAdminOnlySecurity(store: StoreClient, name: string): Promise<void> {
  await putSecurity(store, name, ADMIN_ONLY_SECURITY);
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

/** How a refusal of the credentials names them and where they are set. */
export interface CredentialsSource {
  what: string;
  where: string;
}

const WORKER_CREDENTIALS: CredentialsSource = { what: 'credentials', where: 'COUCHDB_URL' };
/** The gateway may take its admin from STORE_ADMIN too. */
const GATEWAY_CREDENTIALS: CredentialsSource = { what: 'admin credentials', where: 'COUCHDB_URL (or STORE_ADMIN)' };

/** Checks that the credentials are a server admin's (401/403 fail at once, with a message naming where they are set). */
export async function checkAdminAccess(store: StoreClient, source: CredentialsSource = WORKER_CREDENTIALS): Promise<void> {
  let session: { userCtx?: { roles?: unknown } };
  try {
    // Wrong Basic credentials get 401 here; right ones show the roles.
    session = await store.request({ path: '_session' });
  } catch (err) {
    throw refusedCredentials(store, err, source) ?? err;
  }
  const roles = session.userCtx?.roles;
  if (!Array.isArray(roles) || !roles.includes('_admin')) {
    throw new StoreAccessError(`The store at ${store.url} accepted the credentials but the user is not a server admin: COUCHDB_URL must name an admin.`);
  }
}

function refusedCredentials(store: StoreClient, err: unknown, source: CredentialsSource): StoreAccessError | undefined {
  if (!(err instanceof StoreError) || (err.status !== 401 && err.status !== 403)) return undefined;
  return new StoreAccessError(
    `The store at ${store.url} refused the ${source.what} (HTTP ${err.status}): check the user and password in ${source.where}.`,
    { cause: err },
  );
}

/**
 * checkAdminAccess in one attempt: an unreachable store is reported at once
 * (gateway start-up, one-shot commands) instead of waited for.
 */
export async function checkStoreNow(store: StoreClient, source: CredentialsSource = WORKER_CREDENTIALS): Promise<void> {
  try {
    await store.request({ path: '' });
    await checkAdminAccess(store, source);
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    const refused = refusedCredentials(store, err, source);
    if (refused) throw refused;
    if (err.kind === 'timeout') {
      throw new StoreAccessError(
        `The store at ${store.url} is unreachable: no answer within ${store.timeoutMs} ms (STORE_TIMEOUT_MS). Is COUCHDB_URL right?`,
        { cause: err },
      );
    }
    if (err.kind !== 'http') {
      throw new StoreAccessError(`The store at ${store.url} is unreachable (${err.message}). Is it running, and is COUCHDB_URL right?`, { cause: err });
    }
    throw new StoreAccessError(`The store at ${store.url} failed a test request: ${err.message}`, { cause: err });
  }
}

/**
 * Makes the store ready for the system; safe to run at every start and from
 * several processes at once. Throws StoreAccessError naming the problem.
 */
export async function bootstrapStore(store: StoreClient, prefix: string): Promise<void> {
  await checkStoreNow(store, GATEWAY_CREDENTIALS);
  const own = systemDatabases(prefix);
  for (const name of [...SYSTEM_DATABASES, ...Object.values(own)]) {
    try {
      await ensureDatabase(store, name);
    } catch (err) {
      throw new StoreAccessError(`Creating the database ${name} failed: ${describeStoreError(err)}`, { cause: err });
    }
  }
  for (const name of Object.values(own)) {
    try {
      await setAdminOnlySecurity(store, name);
    } catch (err) {
      throw new StoreAccessError(`Securing the database ${name} failed: ${describeStoreError(err)}`, { cause: err });
    }
  }
}

/** True when the store answers and the accounts database exists (readiness). */
export async function isBootstrapped(store: StoreClient, prefix: string): Promise<boolean> {
  try {
    await store.request({ db: systemDatabases(prefix).accounts, timeoutMs: Math.min(store.timeoutMs, 5_000) });
    return true;
  } catch {
    return false;
  }
}
