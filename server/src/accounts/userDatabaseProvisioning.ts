import { ensureDatabase, setAdminOnlySecurity } from '../storeAccess/bootstrap.js';
import type { StoreConnection } from '../storeAccess/storeConnection.js';
import { isStoreStatus } from '../storeAccess/storeErrors.js';
import { userDatabases } from './userDatabases.js';

/**
 * One shard per user database. A user's databases stay small (a few thousand
 * sessions at most), so more shards only multiply files: with CouchDB's
 * default q = 2 each user costs four shard files on one node (twelve on a
 * 3-node cluster with n = 3), each an open file while in use, and every
 * `_changes` read merges q streams. One shard also keeps a feed's order total.
 */
export const USER_DATABASE_SHARDS = 1;

/** Creates a user's two databases, readable and writable by server admins only. */
export async function provisionUserDatabases(store: StoreConnection, prefix: string, userId: string): Promise<void> {
  for (const name of Object.values(userDatabases(prefix, userId))) {
    await ensureDatabase(store, name, { q: USER_DATABASE_SHARDS });
    await setAdminOnlySecurity(store, name);
  }
}

/** Deletes a user's two databases; one already gone is fine. */
export async function removeUserDatabases(store: StoreConnection, prefix: string, userId: string): Promise<void> {
  for (const name of Object.values(userDatabases(prefix, userId))) {
    try {
      await store.request({ db: name, method: 'DELETE' });
    } catch (err) {
      if (!isStoreStatus(err, 404)) throw err;
    }
  }
}
