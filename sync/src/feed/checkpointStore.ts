import type { StoreClient } from '../store/storeClient.js';
import { docPath } from '../store/storeClient.js';
import { isStoreStatus } from '../store/storeErrors.js';

/** A position in a changes feed. Opaque: a number on the embedded store, a string on CouchDB 3. */
export type Seq = string | number;

export const CHECKPOINT_PREFIX = 'checkpoint:';

export const checkpointId = (dbName: string): string => `${CHECKPOINT_PREFIX}${dbName}`;

interface CheckpointDoc {
  _id: string;
  _rev?: string;
  type: 'checkpoint';
  db: string;
  seq: Seq;
  updatedAt: string;
}

const MAX_CONFLICT_ROUNDS = 5;

/**
 * Checkpoints in the worker database, one document per feed
 * (`checkpoint:<db name>`; the `_db_updates` feed uses a key of its own),
 * cached in memory with their revisions. A shard owns its databases alone,
 * so a conflict only means the cached revision is stale (a restart, a shard
 * change): the current one is read and the save repeated.
 */
export class CheckpointStore {
  private readonly cache = new Map<string, { seq: Seq; rev: string | undefined }>();

  constructor(
    private readonly store: StoreClient,
    readonly workerDb: string,
  ) {}

  /** Loads every checkpoint at once (one request however many databases there are). */
  async loadAll(): Promise<void> {
    const page = await this.store.call<{ rows: Array<{ id: string; doc?: CheckpointDoc | null }> }>({
      db: this.workerDb,
      path: '_all_docs',
      qs: { startkey: CHECKPOINT_PREFIX, endkey: `${CHECKPOINT_PREFIX}\ufff0`, include_docs: true },
    });
    for (const row of page.rows) {
      const doc = row.doc;
      if (doc && isSeq(doc.seq)) this.cache.set(doc.db, { seq: doc.seq, rev: doc._rev });
    }
  }

  /** The saved position of a feed, undefined when it has none (start from the beginning). */
  get(key: string): Seq | undefined {
    return this.cache.get(key)?.seq;
  }

  /** Reads one checkpoint from the store (bypassing the cache). */
  async read(key: string): Promise<Seq | undefined> {
    const doc = await this.fetch(key);
    if (!doc || !isSeq(doc.seq)) return undefined;
    this.cache.set(key, { seq: doc.seq, rev: doc._rev });
    return doc.seq;
  }

  async save(key: string, seq: Seq): Promise<void> {
    const cached = this.cache.get(key);
    if (cached && cached.seq === seq && cached.rev !== undefined) return;
    let rev = cached?.rev;
    for (let round = 0; ; round++) {
      const doc: CheckpointDoc = { _id: checkpointId(key), type: 'checkpoint', db: key, seq, updatedAt: new Date().toISOString() };
      if (rev !== undefined) doc._rev = rev;
      try {
        const saved = await this.store.call<{ rev: string }>({ db: this.workerDb, path: docPath(doc._id), method: 'PUT', body: doc });
        this.cache.set(key, { seq, rev: saved.rev });
        return;
      } catch (err) {
        if (!isStoreStatus(err, 409) || round >= MAX_CONFLICT_ROUNDS) throw err;
        rev = (await this.fetch(key))?._rev;
      }
    }
  }

  /** Drops a feed's checkpoint (its database was deleted). */
  async forget(key: string): Promise<void> {
    this.cache.delete(key);
    for (let round = 0; ; round++) {
      const doc = await this.fetch(key);
      if (!doc?._rev) return;
      try {
        await this.store.call({ db: this.workerDb, path: docPath(doc._id), method: 'DELETE', qs: { rev: doc._rev } });
        return;
      } catch (err) {
        if (!(isStoreStatus(err, 409) || isStoreStatus(err, 404)) || round >= MAX_CONFLICT_ROUNDS) throw err;
      }
    }
  }

  private async fetch(key: string): Promise<CheckpointDoc | undefined> {
    try {
      return await this.store.call<CheckpointDoc>({ db: this.workerDb, path: docPath(checkpointId(key)) });
    } catch (err) {
      if (isStoreStatus(err, 404)) return undefined;
      throw err;
    }
  }
}

function isSeq(value: unknown): value is Seq {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** A sequence as a `since` query value. */
export const sinceParam = (seq: Seq | undefined): string => (seq === undefined ? '0' : String(seq));
