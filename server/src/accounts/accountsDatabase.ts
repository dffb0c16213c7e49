import { allDocs, bulkDocs, deleteDoc, getDoc, isStoreStatus, purge, putDoc, systemDatabases, type StoreClient } from '@m2m/couch';

export interface StoredDoc {
  _id: string;
  _rev?: string;
}

/** Document reads and writes on `<prefix>accounts`, with conflicts as values instead of throws. */
export class AccountsDatabase {
  readonly name: string;

  constructor(
    private readonly store: StoreClient,
    prefix: string,
  ) {
    this.name = systemDatabases(prefix).accounts;
  }

  async get<T extends StoredDoc>(id: string): Promise<T | undefined> {
    try {
      return await getDoc<T>(this.store, this.name, id);
    } catch (err) {
      if (isStoreStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /** Creates (no `_rev`) or updates (`_rev` of the version read). Returns the new revision, or 'conflict'. */
  async put<T extends StoredDoc>(doc: T): Promise<string | 'conflict'> {
    try {
      return (await putDoc(this.store, this.name, doc)).rev;
    } catch (err) {
      if (isStoreStatus(err, 409)) return 'conflict';
      throw err;
    }
  }

  /** Deletes one revision. False when it was already gone or changed meanwhile. */
  async remove(id: string, rev: string): Promise<boolean> {
    try {
      await deleteDoc(this.store, this.name, id, rev);
      return true;
    } catch (err) {
      if (isStoreStatus(err, 404) || isStoreStatus(err, 409)) return false;
      throw err;
    }
  }

  /** Documents whose ids start with `prefix` (ids and revisions; the docs when asked). */
  async listByPrefix<T extends StoredDoc>(prefix: string): Promise<T[]> {
    const answer = await allDocs<T>(this.store, this.name, { startkey: prefix, endkey: `${prefix}\ufff0`, include_docs: true });
    return answer.rows.flatMap((row) => (row.doc ? [row.doc] : []));
  }

  /**
   * Deletes many documents in one request, then purges them (CouchDB's
   * `_purge`), so that neither a tombstone nor any previous revision stays
   * readable. Returns the ids that could not be deleted (changed meanwhile).
   */
  async removeAndPurge(docs: { _id: string; _rev?: string }[]): Promise<string[]> {
    if (docs.length === 0) return [];
    const answer = await bulkDocs(
      this.store,
      this.name,
      docs.map((doc) => ({ _id: doc._id, _rev: doc._rev, _deleted: true })),
    );
    const tombstones: Record<string, string[]> = {};
    for (const row of answer) if (row.rev && !row.error) tombstones[row.id] = [row.rev];
    if (Object.keys(tombstones).length > 0) {
      await purge(this.store, this.name, tombstones);
    }
    return docs.map((doc) => doc._id).filter((id) => tombstones[id] === undefined);
  }
}
