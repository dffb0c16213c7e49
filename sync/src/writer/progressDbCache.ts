import { progressEntry, type ProgressEntry } from '@m2m/analysis-core';
import { deviceForm, type StoredDoc } from './documentForms.js';
import { readChanges, type StoreClient, type Seq } from '@m2m/couch';

export const PROGRESS_ID = 'progress';
export const ANALYSIS_ID_PREFIX = 'analysis:';

/** A progress database as this worker knows it: its feed read to some position, plus the worker's own writes since. */
export interface ProgressSnapshot {
  /** Every live analysis as stored (with `_rev`), by id. */
  analyses: ReadonlyMap<string, StoredDoc>;
  /** The progress entry of each of them (progressEntry of its device form), by id, made once when it arrived. */
  entries: ReadonlyMap<string, ProgressEntry | undefined>;
  /** The stored progress document (with `_rev`), if any. */
  progress: StoredDoc | undefined;
}

interface Entry {
  seq: Seq | undefined;
  /** When the feed was last read to its end (ms), for the bound on how stale a snapshot may be. */
  readAt: number;
  analyses: Map<string, StoredDoc>;
  entries: Map<string, ProgressEntry | undefined>;
  progress: StoredDoc | undefined;
  /** The refresh in progress, so two callers never apply the same feed at once. */
  refreshing: Promise<void> | undefined;
}

const PAGE = 1000;

/**
 * What each user's progress database holds, kept current from its own
 * `_changes` feed: the first read of a database reads the feed from the
 * start, later reads only what changed since (mostly this worker's own
 * writes, which it also records as it makes them). The result is what
 * reading every analysis again (`_all_docs` over `analysis:`) gives, which
 * measured 10x slower per batch on the embedded store under load (one
 * LevelDB read per document). Least recently used databases are dropped
 * beyond `maxDocs` cached analyses.
 *
 * Decisions made on a snapshot are checked by the store: every write carries
 * the revision the snapshot holds, so anything another writer changed
 * meanwhile answers 409, and the caller refreshes and decides again.
 */
export class ProgressDbCache {
  private readonly entries = new Map<string, Entry>();
  private cachedDocs = 0;

  /**
   * @param maxStaleMs a snapshot asked for without a refresh is still read
   * from the feed when the last read is older than this: what another writer
   * (`reanalyse`) changed without making ours conflict is seen within it.
   */
  constructor(
    private readonly maxDocs = 20_000,
    private readonly maxStaleMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The database's current state; `refresh: false` skips the feed read when
   * the database is cached and its feed was read within `maxStaleMs`.
   */
  async snapshot(store: StoreClient, db: string, options: { refresh?: boolean } = {}): Promise<ProgressSnapshot> {
    let entry = this.entries.get(db);
    if (entry) this.entries.delete(db); // moves to the most recently used end
    const fresh = !entry;
    entry ??= { seq: undefined, readAt: 0, analyses: new Map(), entries: new Map(), progress: undefined, refreshing: undefined };
    this.entries.set(db, entry);
    if (fresh || options.refresh !== false || this.now() - entry.readAt > this.maxStaleMs) {
      const current = entry;
      while (current.refreshing) await current.refreshing;
      current.refreshing = this.refresh(store, db, current);
      try {
        await current.refreshing;
      } catch (err) {
        this.forget(db); // a missing database or a failed read: start from scratch next time
        throw err;
      } finally {
        current.refreshing = undefined;
      }
      this.evict(db);
    }
    return { analyses: entry.analyses, entries: entry.entries, progress: entry.progress };
  }

  /** Records documents this worker has just written (with their new `_rev`; `_deleted` ones are removed). */
  recordWrites(db: string, docs: Array<StoredDoc & { _deleted?: boolean }>): void {
    const entry = this.entries.get(db);
    if (!entry) return;
    for (const doc of docs) this.apply(entry, doc._id, doc._deleted === true ? undefined : doc);
  }

  forget(db: string): void {
    const entry = this.entries.get(db);
    if (!entry) return;
    this.cachedDocs -= entry.analyses.size;
    this.entries.delete(db);
  }

  private async refresh(store: StoreClient, db: string, entry: Entry): Promise<void> {
    const startedAt = this.now();
    for (;;) {
      const page = await readChanges(store, db, entry.seq, { limit: PAGE, includeDocs: true });
      for (const change of page.results) {
        const deleted = change.deleted === true || !change.doc;
        this.apply(entry, change.id, deleted ? undefined : (change.doc as StoredDoc));
      }
      // The position moves only with the changes applied, so a failure midway leaves a consistent entry.
      entry.seq = page.lastSeq;
      if (page.results.length < PAGE) {
        entry.readAt = startedAt;
        return;
      }
    }
  }

  private apply(entry: Entry, id: string, doc: StoredDoc | undefined): void {
    if (id === PROGRESS_ID) {
      entry.progress = doc;
    } else if (id.startsWith(ANALYSIS_ID_PREFIX)) {
      if (entry.analyses.delete(id)) this.cachedDocs -= 1;
      entry.entries.delete(id);
      if (doc) {
        entry.analyses.set(id, doc);
        // Made once here, so a progress recompute reads small entries instead of checking every analysis again.
        entry.entries.set(id, progressEntry(deviceForm(doc)));
        this.cachedDocs += 1;
      }
    }
  }

  private evict(keep: string): void {
    for (const [db] of this.entries) {
      if (this.cachedDocs <= this.maxDocs) return;
      if (db !== keep) this.forget(db);
    }
  }
}
