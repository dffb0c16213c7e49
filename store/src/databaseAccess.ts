import { CouchHttpError } from './couchResponses.js';
import type { DatabaseCatalog } from './databaseCatalog.js';
import type { DatabasePool, PinOptions, PouchDatabase } from './databasePool.js';

/** The catalog and the pool together: "give me this existing database, pinned". */
export class DatabaseAccess {
  constructor(
    readonly catalog: DatabaseCatalog,
    readonly pool: DatabasePool,
  ) {}

  /** Runs `use` with the database pinned open; 404 when it does not exist. */
  async with<T>(name: string, use: (db: PouchDatabase) => Promise<T>, options: PinOptions = {}): Promise<T> {
    if (!this.catalog.has(name)) throw missingDatabase();
    const { db, release } = await this.pool.acquire(name, options);
    try {
      return await use(db);
    } finally {
      release();
    }
  }
}

export function missingDatabase(): CouchHttpError {
  return new CouchHttpError(404, 'not_found', 'Database does not exist.');
}
