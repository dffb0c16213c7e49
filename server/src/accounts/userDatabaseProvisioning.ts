import { careDatabase } from '@m2m/analysis-core';
import { userDatabases } from './userDatabases.js';
import { deleteDatabase, ensureDatabase, setAdminOnlySecurity, USER_DATABASE_SHARDS, type StoreClient } from '@m2m/couch';

/** Creates a user's two databases, readable and writable by server admins only. */
export async function provisionUserDatabases(store: StoreClient, prefix: string, userId: string): Promise<void> {
  for (const name of Object.values(userDatabases(prefix, userId))) {
    await ensureDatabase(store, name, { q: USER_DATABASE_SHARDS });
    await setAdminOnlySecurity(store, name);
  }
}

/** Creates a clinician's care database, readable and writable by server admins only (the worker fills it). */
export async function provisionCareDatabase(store: StoreClient, prefix: string, userId: string): Promise<void> {
  const name = careDatabase(prefix, userId);
  await ensureDatabase(store, name, { q: USER_DATABASE_SHARDS });
  await setAdminOnlySecurity(store, name);
}

/** Deletes every database a user may have (a patient's two, a clinician's care database); one missing is fine. */
export async function removeUserDatabases(store: StoreClient, prefix: string, userId: string): Promise<void> {
  for (const name of [...Object.values(userDatabases(prefix, userId)), careDatabase(prefix, userId)]) {
    await deleteDatabase(store, name);
  }
}
