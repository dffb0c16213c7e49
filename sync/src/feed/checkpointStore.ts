import { allDocs, deleteDoc, getDoc, isStoreStatus, putDoc, type Seq, type StoreClient } from '@m2m/couch';

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
 * Checkpoints read per request at start: one per user's sessions database, so
 * a single request for all of them would grow with every user ever registered
 * (4,000 took 1.5 s on a loaded embedded store) until it outlasts the store
 * timeout and start-up retries it for ever.
 */
export const CHECKPOINT_PAGE_SIZE = 2_000;

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
    private readonly pageSize = CHECKPOINT_PAGE_SIZE,
  ) {}

  /** Loads every checkpoint, `pageSize` per request (CouchDB's paging: one row more, whose id starts the next page). */
  async loadAll(): Promise<void> {
    let startkey = CHECKPOINT_PREFIX;
    for (;;) {
      const page = await allDocs<CheckpointDoc>(
        this.store,
        this.workerDb,
        { startkey, endkey: `${CHECKPOINT_PREFIX}\ufff0`, include_docs: true, limit: this.pageSize + 1 },
        { retry: true },
      );
      for (const row of page.rows.slice(0, this.pageSize)) {
        const doc = row.doc;
        if (doc && isSeq(doc.seq)) this.cache.set(doc.db, { seq: doc.seq, rev: doc._rev });
      }
      const next = page.rows[this.pageSize];
      if (!next) return;
      startkey = next.id;
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
        const saved = await putDoc(this.store, this.workerDb, doc, { retry: true });
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
        await deleteDoc(this.store, this.workerDb, doc._id, doc._rev, { retry: true });
        return;
      } catch (err) {
        if (!(isStoreStatus(err, 409) || isStoreStatus(err, 404)) || round >= MAX_CONFLICT_ROUNDS) throw err;
      }
    }
  }

  private async fetch(key: string): Promise<CheckpointDoc | undefined> {
    try {
      return await getDoc<CheckpointDoc>(this.store, this.workerDb, checkpointId(key), { retry: true });
    } catch (err) {
      if (isStoreStatus(err, 404)) return undefined;
      throw err;
    }
  }
}

function isSeq(value: unknown): value is Seq {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

