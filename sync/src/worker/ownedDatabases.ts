import { parseUserDatabase } from '@m2m/analysis-core';
import type { WorkerConfig } from '../config.js';
import { ownsDatabase } from '../shard.js';
import { listUserDatabases } from '../store/databases.js';
import { type StoreClient } from '@m2m/couch';

/** Whether a database is a sessions database this shard owns. */
export const ownsSessionsDatabase = (config: Pick<WorkerConfig, 'dbPrefix' | 'shard'>, dbName: string): boolean =>
  parseUserDatabase(config.dbPrefix, dbName)?.kind === 'sessions' && ownsDatabase(config.shard, dbName);

/** The sessions databases this shard owns, as the store lists them now. */
export async function listOwnedSessionsDatabases(store: StoreClient, config: Pick<WorkerConfig, 'dbPrefix' | 'shard'>, signal?: AbortSignal): Promise<string[]> {
  return (await listUserDatabases(store, config.dbPrefix, 'sessions', signal)).filter((name) => ownsSessionsDatabase(config, name));
}
