import PouchDB from 'pouchdb';
import { join } from 'node:path';
import type { DatabaseCatalog } from './databaseCatalog.js';
import type { DatabasePool } from './databasePool.js';
import type { LevelHandles } from './levelHandles.js';

/** PouchDB constructor bound to one data folder (LevelDB files under it). */
export type PouchConstructor = new (name: string) => PouchDB.Database;

/** Where the LevelDB files of database `name` are: the location its leveldown handle is opened at. */
export function levelLocation(dataDir: string, name: string): string {
  // The trailing separator makes `prefix + name` a folder inside dataDir.
  return join(dataDir, '/') + name;
}

/** PouchDB constructor bound to one data folder; `levels`, when given, learns every LevelDB handle it opens (`_local_docs`, `_purge`). */
export function pouchForDataDir(dataDir: string, levels?: LevelHandles): PouchConstructor {
  const options: Record<string, unknown> = { prefix: levelLocation(dataDir, '') };
  if (levels) options['db'] = levels.factory;
  return PouchDB.defaults(options as PouchDB.Configuration.DatabaseConfiguration) as unknown as PouchConstructor;
}

type AllDbsCallback = (err: Error | null, names?: string[]) => void;

/**
 * Prepares the constructor handed to express-pouchdb:
 * - `allDbs` answers from the catalog. express-pouchdb then skips
 *   pouchdb-all-dbs, which listens to PouchDB's process-wide events (every
 *   store in the process would see every other store's databases) and would
 *   keep its own always-open database.
 * - `__dbCacheMap` is the bounded pool, so express-pouchdb's instances are
 *   opened and closed under its rules.
 */
export function wireForExpressPouchDB(
  Pouch: PouchConstructor,
  catalog: DatabaseCatalog,
  pool: DatabasePool,
): PouchConstructor {
  const target = Pouch as unknown as Record<string, unknown>;
  target['allDbs'] = (callback?: AllDbsCallback): Promise<string[]> => {
    // The catalog's frozen list itself: express-pouchdb only looks names up in it, on every request.
    const names = catalog.list() as string[];
    if (callback) queueMicrotask(() => callback(null, names));
    return Promise.resolve(names);
  };
  target['__dbCacheMap'] = pool;
  return Pouch;
}
