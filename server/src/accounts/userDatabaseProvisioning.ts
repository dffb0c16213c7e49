import { ensureDatabase, setAdminOnlySecurity } from '../storeAccess/bootstrap.js';
import type { StoreConnection } from '../storeAccess/storeConnection.js';
import { isStoreStatus } from '../storeAccess/storeErrors.js';
import { userDatabases } from './userDatabases.js';

/** Creates a user's two databases, readable and writable by server admins only. */
export async function provisionUserDatabases(store: StoreConnection, prefix: string, userId: string): Promise<void> {
  for (const name of Object.values(userDatabases(prefix, userId))) {
    await ensureDatabase(store, name);
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
