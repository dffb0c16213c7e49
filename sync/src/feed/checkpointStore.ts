import { allDocs, bulkDocs, deleteDoc, getDoc, isStoreStatus, putDoc, type Seq, type StoreClient } from '@m2m/couch';

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

/** Most positions one background save writes (one `_bulk_docs`). */
export const CHECKPOINTS_PER_SAVE = 500;

/** After a background save failed, the next try waits this long. */
const SAVE_RETRY_MS = 1_000;

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
  /** Each feed's position (saved, or advanced and about to be) and the revision of its saved document. */
  private readonly cache = new Map<string, { seq: Seq; rev: string | undefined }>();
  /** Feeds advanced since their position was last saved. */
  private readonly unsaved = new Set<string>();
  private saving: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The last background save's failure, until one succeeds. */
  private lastSaveError: unknown;

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
    if (cached && cached.seq === seq && cached.rev !== undefined && !this.unsaved.has(key)) return;
    let rev = cached?.rev;
    for (let round = 0; ; round++) {
      const doc = checkpointDoc(key, seq, rev);
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

  /**
   * Moves a feed's position on at once (`get` answers it) and saves it in
   * the background, with every other position advanced meanwhile in one
   * `_bulk_docs`: the worker's turns do not wait for their checkpoint, and
   * the one worker database is written once per round instead of once per
   * turn (CouchDB serialises a database's writes). Call it only once the
   * writes the position covers are made: a crash before the save repeats
   * those batches, whose writes are idempotent (at-least-once).
   */
  advance(key: string, seq: Seq): void {
    const cached = this.cache.get(key);
    if (cached && cached.seq === seq) return;
    this.cache.set(key, { seq, rev: cached?.rev });
    this.unsaved.add(key);
    this.saveInBackground();
  }

  /** Positions advanced and not yet saved. */
  get unsavedCount(): number {
    return this.unsaved.size;
  }

  /**
   * Saves every advanced position now (after a save in progress): once, so
   * that a stopping worker does not wait on a store that is gone. Rejects
   * when the store refused or could not be reached; the positions stay
   * unsaved.
   */
  async flush(): Promise<void> {
    for (;;) {
      if (this.saving) {
        await this.saving;
        continue;
      }
      if (this.unsaved.size === 0) return;
      // Waiting out a failed save: try once more now.
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      await this.startSave();
      if (this.lastSaveError !== undefined) throw this.lastSaveError;
    }
  }

  /** No more background saves (the worker stops; `flush` first). */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private saveInBackground(): void {
    if (this.closed || this.saving || this.retryTimer || this.unsaved.size === 0) return;
    void this.startSave();
  }

  /** Starts a save of the advanced positions; when it ends, the next one starts, or a retry after a failure. */
  private startSave(): Promise<void> {
    const saving = this.saveUnsaved().finally(() => {
      if (this.saving === saving) this.saving = undefined;
      if (this.closed) return;
      if (this.lastSaveError === undefined) this.saveInBackground();
      else
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.saveInBackground();
        }, SAVE_RETRY_MS).unref();
    });
    this.saving = saving;
    return saving;
  }

  /** One `_bulk_docs` of advanced positions; never rejects (a failure is kept in lastSaveError and the positions stay unsaved). */
  private async saveUnsaved(): Promise<void> {
    const keys = [...this.unsaved].slice(0, CHECKPOINTS_PER_SAVE);
    const docs: CheckpointDoc[] = [];
    for (const key of keys) {
      this.unsaved.delete(key);
      const cached = this.cache.get(key);
      if (!cached) continue;
      docs.push(checkpointDoc(key, cached.seq, cached.rev));
    }
    if (docs.length === 0) return;
    try {
      const rows = await bulkDocs(this.store, this.workerDb, docs, { retry: true });
      const conflicts: CheckpointDoc[] = [];
      docs.forEach((doc, i) => {
        const row = rows[i];
        const cached = this.cache.get(doc.db);
        if (row?.ok && row.rev !== undefined) {
          // Forgotten meanwhile: the database is gone, its checkpoint is deleted by forget.
          if (cached) cached.rev = row.rev;
        } else {
          if (row?.error === 'conflict') conflicts.push(doc);
          if (cached) this.unsaved.add(doc.db);
        }
      });
      // A conflict means a stale revision (a restart, a shard change): read the current ones, in one request, for the next round.
      if (conflicts.length > 0) {
        const current = await allDocs(this.store, this.workerDb, { keys: conflicts.map((doc) => doc._id) }, { retry: true });
        conflicts.forEach((doc, i) => {
          const value = current.rows[i]?.value;
          const cached = this.cache.get(doc.db);
          // Over a deleted checkpoint, a new one is written without a revision.
          if (cached) cached.rev = value && !value.deleted ? value.rev : undefined;
        });
      }
      const refused = docs.length - conflicts.length - rows.filter((r) => r.ok).length;
      this.lastSaveError = refused > 0 ? new Error(`the store refused ${refused} checkpoint(s)`) : undefined;
    } catch (err) {
      for (const doc of docs) if (this.cache.has(doc.db)) this.unsaved.add(doc.db);
      this.lastSaveError = err;
    }
  }

  /** Drops a feed's checkpoint (its database was deleted). */
  async forget(key: string): Promise<void> {
    this.cache.delete(key);
    this.unsaved.delete(key);
    // A save in flight may be writing this checkpoint: delete it after that.
    await this.saving?.catch(() => undefined);
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

function checkpointDoc(key: string, seq: Seq, rev: string | undefined): CheckpointDoc {
  const doc: CheckpointDoc = { _id: checkpointId(key), type: 'checkpoint', db: key, seq, updatedAt: new Date().toISOString() };
  if (rev !== undefined) doc._rev = rev;
  return doc;
}

function isSeq(value: unknown): value is Seq {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

