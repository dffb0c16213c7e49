import { userDatabases } from '@m2m/analysis-core';
import { databaseExists, type StoreClient, USER_DATABASE_SHARDS } from '@m2m/couch';
import { ensureDatabase } from '../store/databases.js';

/**
 * Called when a user's progress database is missing. If the sessions
 * database is gone too, the account was deleted: there is nothing to write.
 * Otherwise the gateway's provisioning was cut short (it creates sessions,
 * then progress): create it as the gateway would (admin-only), since the
 * worker is its only writer.
 */
export async function repairProgressDatabase(store: StoreClient, prefix: string, userId: string): Promise<'created' | 'user-gone'> {
  const names = userDatabases(prefix, userId);
  if (!(await databaseExists(store, names.sessions))) return 'user-gone';
  await ensureDatabase(store, names.progress, { q: USER_DATABASE_SHARDS });
  return 'created';
}
