import { userDatabases } from './userDatabases.js';
import { deleteDatabase, ensureDatabase, setAdminOnlySecurity, USER_DATABASE_SHARDS, type StoreClient } from '@m2m/couch';

/** Creates a user's two databases, readable and writable by server admins only. */
export async function provisionUserDatabases(store: StoreClient, prefix: string, userId: string): Promise<void> {
  for (const name of Object.values(userDatabases(prefix, userId))) {
    await ensureDatabase(store, name, { q: USER_DATABASE_SHARDS });
    await setAdminOnlySecurity(store, name);
  }
}

/** Deletes a user's two databases; one already gone is fine. */
export async function removeUserDatabases(store: StoreClient, prefix: string, userId: string): Promise<void> {
  for (const name of Object.values(userDatabases(prefix, userId))) {
    await deleteDatabase(store, name);
  }
}
