import type { PouchConstructor } from './pouchFactory.js';
import { INTERNAL_PREFIX } from './databaseNames.js';

export type DbUpdateType = 'created' | 'updated' | 'deleted';

interface EventDoc {
  _id: string;
  _rev?: string;
  db_name: string;
  type: DbUpdateType;
}

export const DB_UPDATES_DB_NAME = `${INTERNAL_PREFIX}db_updates`;

/** CouchDB 3.5's `[global_changes] max_write_delay` default (ms). */
export const DEFAULT_MAX_WRITE_DELAY_MS = 500;

/**
 * The store's `_db_updates` source, modelled on CouchDB's _global_changes
 * database: one document per (event type, database), rewritten on each
 * event, so the document's position in this database's changes feed is the
 * event's sequence. That coalesces repeated updates of one database exactly
 * as CouchDB does, keeps the latest event of each kind, and survives restarts
 * because it is an ordinary LevelDB-backed database.
 *
 * Events are written in batches, as CouchDB's global_changes server does:
 * a batch goes out on each tick of `maxWriteDelayMs` (CouchDB's
 * `[global_changes] max_write_delay`, 500 ms by default), so an event becomes
 * visible up to that long after its write; 0 writes at once. One batch is
 * written at a time; an event recorded meanwhile goes into the next one, so
 * none is lost.
 */
export class DbUpdatesLog {
  /** Pending events, in the order they last happened (re-recording moves to the end). */
  private readonly pending = new Map<string, EventDoc>();
  private writing: Promise<void> | undefined;
  private tick: NodeJS.Timeout | undefined;
  private failures = 0;

  private constructor(
    readonly db: PouchDB.Database,
    private readonly revs: Map<string, string>,
    private readonly onError: (err: unknown) => void,
    readonly maxWriteDelayMs: number,
  ) {}

  static async open(Pouch: PouchConstructor, onError: (err: unknown) => void, maxWriteDelayMs = DEFAULT_MAX_WRITE_DELAY_MS): Promise<DbUpdatesLog> {
    const db = new Pouch(DB_UPDATES_DB_NAME);
    (db as unknown as NodeJS.EventEmitter).setMaxListeners(0); // every _db_updates feed reads it
    const all = await db.allDocs();
    const revs = new Map(all.rows.map((row) => [row.id, row.value.rev] as const));
    return new DbUpdatesLog(db, revs, onError, maxWriteDelayMs);
  }

  record(dbName: string, type: DbUpdateType): void {
    const id = `${type}:${dbName}`;
    this.pending.delete(id);
    this.pending.set(id, { _id: id, db_name: dbName, type });
    this.schedule();
  }

  /** Resolves once every event recorded so far is stored (writing what waits for its tick now). */
  async flushed(): Promise<void> {
    for (let round = 0; this.writing || this.pending.size > 0; round++) {
      this.clearTick();
      // The store keeps failing: what is left waits for the next event.
      if (round >= 3 && !this.writing) return;
      this.writing ??= this.writeBatches();
      await this.writing;
    }
    this.clearTick();
  }

  async close(): Promise<void> {
    await this.flushed();
    this.clearTick();
    await this.db.close();
  }

  /**
   * The next batch goes out on the next tick of a clock that runs every
   * `maxWriteDelayMs` (a timer only while events wait), like CouchDB's
   * periodic flush: an event waits between 0 and `maxWriteDelayMs`.
   */
  private schedule(): void {
    if (this.writing || this.tick || this.pending.size === 0) return;
    if (this.maxWriteDelayMs === 0) {
      this.writing = this.writeBatches();
      return;
    }
    const wait = this.maxWriteDelayMs - (Date.now() % this.maxWriteDelayMs);
    this.tick = setTimeout(() => {
      this.tick = undefined;
      this.writing ??= this.writeBatches();
    }, wait);
  }

  private clearTick(): void {
    clearTimeout(this.tick);
    this.tick = undefined;
  }

  /** Writes what is pending as one batch (all of it, in rounds, when there is no delay). */
  private async writeBatches(): Promise<void> {
    try {
      while (this.pending.size > 0) {
        const batch = [...this.pending.values()];
        this.pending.clear();
        this.failures = (await this.writeBatch(batch)) ? 0 : this.failures + 1;
        // Give up for now after repeated failures; the next event retries what is pending.
        if (this.failures >= 3 || this.maxWriteDelayMs > 0) break;
      }
    } finally {
      this.writing = undefined;
      // Events recorded during the write (or a failed batch) go out on a later tick.
      if (this.failures < 3) this.schedule();
    }
  }

  /** Stores a batch; false when some or all of it has to be tried again. */
  private async writeBatch(batch: EventDoc[]): Promise<boolean> {
    const docs = batch.map((event) => {
      const rev = this.revs.get(event._id);
      return rev === undefined ? event : { ...event, _rev: rev };
    });
    let results: Array<PouchDB.Core.Response | PouchDB.Core.Error>;
    try {
      results = await this.db.bulkDocs(docs);
    } catch (err) {
      this.onError(err);
      this.requeue(batch);
      return false;
    }
    const failed: EventDoc[] = [];
    results.forEach((result, i) => {
      const event = batch[i];
      if (!event) return;
      if ('rev' in result && typeof result.rev === 'string' && !('error' in result && result.error)) {
        this.revs.set(event._id, result.rev);
      } else {
        failed.push(event);
      }
    });
    if (failed.length > 0) {
      // Only a stale revision can fail here (this log is the only writer): reload it and retry.
      this.onError(new Error(`db_updates: ${failed.length} event(s) not stored, retrying`));
      for (const event of failed) {
        const current = await this.db.get(event._id).catch(() => undefined);
        if (current) this.revs.set(event._id, current._rev);
      }
      this.requeue(failed);
      return false;
    }
    return true;
  }

  /** Puts unstored events back ahead of those recorded meanwhile, keeping event order. */
  private requeue(events: EventDoc[]): void {
    const newer = [...this.pending.entries()];
    this.pending.clear();
    for (const event of events) {
      // A newer event for the same id supersedes the unstored one.
      if (!newer.some(([id]) => id === event._id)) this.pending.set(event._id, event);
    }
    for (const [id, event] of newer) this.pending.set(id, event);
  }
}
