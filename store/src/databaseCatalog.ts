import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isLegalDatabaseName } from './databaseNames.js';

/**
 * Which databases exist. The data folder is the truth (one LevelDB folder per
 * database), read once at start; afterwards only the store's own create and
 * delete routes change the set, so the in-memory copy stays exact and a lookup
 * never touches the disk.
 */
export class DatabaseCatalog {
  private readonly names: Set<string>;
  /** `list()`'s answer until the set changes: express-pouchdb asks for every request (its existence check). */
  private sorted: readonly string[] | undefined;

  private constructor(names: Iterable<string>) {
    this.names = new Set(names);
  }

  static async load(dataDir: string): Promise<DatabaseCatalog> {
    const entries = await readdir(dataDir, { withFileTypes: true });
    const names = entries
      .filter((entry) => entry.isDirectory() && isLegalDatabaseName(entry.name))
      // A LevelDB folder always holds CURRENT; anything else is not a database.
      .filter((entry) => existsSync(join(dataDir, entry.name, 'CURRENT')))
      .map((entry) => entry.name);
    return new DatabaseCatalog(names);
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  add(name: string): void {
    if (!this.names.has(name)) this.sorted = undefined;
    this.names.add(name);
  }

  remove(name: string): void {
    if (this.names.delete(name)) this.sorted = undefined;
  }

  /** Sorted like CouchDB's _all_dbs; the same frozen array until a database is created or deleted. */
  list(): readonly string[] {
    this.sorted ??= Object.freeze([...this.names].sort());
    return this.sorted;
  }
}
