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
    this.names.add(name);
  }

  remove(name: string): void {
    this.names.delete(name);
  }

  /** Sorted like CouchDB's _all_dbs. */
  list(): string[] {
    return [...this.names].sort();
  }
}
