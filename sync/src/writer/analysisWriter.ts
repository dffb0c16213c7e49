import { progressEntry, summarizeProgressEntries, type AnalysisDoc, type ProgressDoc, type ProgressEntry } from '@m2m/analysis-core';
import { deviceForm, progressWrite, sameContent, storedAnalysisBody, type StoredDoc } from './documentForms.js';
import { PROGRESS_ID, type ProgressDbCache, type ProgressSnapshot } from './progressDbCache.js';
import { bulkWrite, type BulkResult } from './storeDocuments.js';
import { type StoreClient } from '@m2m/couch';

/** What the batch wants for one analysis document: this content, or gone (its session was deleted). */
export interface AnalysisIntent {
  /** `analysis:<sessionId>` */
  id: string;
  analysis: AnalysisDoc | null;
}

export type AnalysisWriteResult = 'written' | 'unchanged' | 'deleted' | 'absent' | 'refused';

export interface AnalysisWriteOutcome {
  id: string;
  result: AnalysisWriteResult;
  /** For `refused`: the store's per-document error. */
  error?: string;
}

/** Conflicts re-read and re-decided this many times in one call before the batch fails (and is retried whole). */
const MAX_CONFLICT_ROUNDS = 5;

export class ConflictStormError extends Error {
  constructor(ids: string[]) {
    super(`analysis writes kept conflicting (${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ', …' : ''})`);
    this.name = 'ConflictStormError';
  }
}

/** What a batch wrote: each analysis's outcome, and the user's progress as recomputed. */
export interface BatchWrite {
  outcomes: AnalysisWriteOutcome[];
  progress: { result: 'written' | 'unchanged'; progress: ProgressDoc };
}

/**
 * A batch's analyses and the user's progress recomputed with them, in one
 * `_bulk_docs`: a device's live pull then wakes once per batch, not once for
 * the analyses and again for the progress.
 *
 * The analyses get as few new revisions as possible: one whose stored
 * content is equal is not written (devices would download it again); a
 * deletion writes a tombstone carrying the full previous body (RxDB's pull
 * needs it); one the store refuses for another reason than a conflict
 * (validation, size) is reported as `refused` and left out of the progress.
 * What is stored is read from `cache` (the database's feed, plus this
 * worker's own writes); the progress is computed from it with this round's
 * writes in place and carries the cached progress revision. A conflict on
 * any row (another writer, `reanalyse`) sends the batch to another round on
 * a fresh read, in which the progress is computed again, so no result is
 * lost and the last progress written holds every analysis stored before it.
 * Deletions and results found unchanged are decided on a fresh read (no
 * write would check them).
 */
export async function writeBatch(store: StoreClient, progressDb: string, intents: AnalysisIntent[], cache: ProgressDbCache): Promise<BatchWrite> {
  const outcomes = new Map<string, AnalysisWriteOutcome>();
  let open = intents;
  let progressWritten = false;
  const done = (progress: ProgressDoc): BatchWrite => ({
    outcomes: intents.map((i) => outcomes.get(i.id) ?? { id: i.id, result: 'unchanged' }),
    progress: { result: progressWritten ? 'written' : 'unchanged', progress },
  });
  for (let round = 0; ; round++) {
    if (round >= MAX_CONFLICT_ROUNDS) throw new ConflictStormError(open.length > 0 ? open.map((i) => i.id) : [PROGRESS_ID]);
    // The cache holds this worker's own writes, and a write decided on it is checked by the store (another
    // writer's makes it conflict). Deletions, and decisions not to write, nothing would check: those are
    // made on a fresh read of the feed.
    const fresh = round > 0 || open.some((i) => i.analysis === null);
    const snapshot = await cache.snapshot(store, progressDb, { refresh: fresh });
    const writes: StoredDoc[] = [];
    const byWrite: AnalysisIntent[] = [];
    const decideAgain: AnalysisIntent[] = [];
    for (const intent of open) {
      const decision = decide(intent, snapshot.analyses.get(intent.id));
      if (decision.write) {
        writes.push(decision.write);
        byWrite.push(intent);
      } else if (!fresh) {
        decideAgain.push(intent);
      } else {
        outcomes.set(intent.id, { id: intent.id, result: decision.result });
      }
    }
    // Nothing to write but decisions made on the cache: make them again on a fresh read.
    if (!fresh && writes.length === 0) {
      open = decideAgain;
      continue;
    }
    const computed = summarizeProgressEntries(entriesWith(snapshot.entries, writes).values());
    const progressDoc = progressWrite(snapshot.progress, computed);
    if (writes.length === 0 && !progressDoc) return done(computed); // a fresh round: every decision stands, the progress is current
    const docs = progressDoc ? [...writes, progressDoc] : writes;
    const results = await bulkWrite(store, progressDb, docs);
    const conflicted: AnalysisIntent[] = [];
    const stored: StoredDoc[] = [];
    let refused = false;
    results.forEach((result, i) => {
      const intent = byWrite[i];
      const doc = writes[i];
      if (!intent || !doc) return;
      if ('ok' in result && result.ok) {
        outcomes.set(intent.id, { id: intent.id, result: intent.analysis ? 'written' : 'deleted' });
        stored.push({ ...doc, _rev: result.rev });
      } else if ('error' in result && result.error === 'conflict') {
        conflicted.push(intent);
      } else {
        outcomes.set(intent.id, { id: intent.id, result: 'refused', error: rowError(result) });
        refused = true;
      }
    });
    let progressSettled = fresh;
    const progressRow = progressDoc ? results[writes.length] : undefined;
    if (progressDoc && progressRow && 'ok' in progressRow && progressRow.ok) {
      stored.push({ ...progressDoc, _rev: progressRow.rev });
      progressWritten = true;
      progressSettled = true;
    } else if (progressDoc) {
      progressSettled = false;
    }
    cache.recordWrites(progressDb, stored);
    if (progressDoc && !progressSettled && !(progressRow && 'error' in progressRow && progressRow.error === 'conflict')) {
      throw new Error(`the store refused the progress document: ${progressRow ? rowError(progressRow) : 'no answer'}`);
    }
    open = [...conflicted, ...decideAgain];
    // A progress written beside an analysis that conflicted or was refused counted it: the next round recomputes it.
    if (refused || conflicted.length > 0) progressSettled = false;
    if (open.length === 0 && progressSettled) return done(computed);
  }
}

function rowError(result: BulkResult): string {
  return 'error' in result ? `${result.error}${result.reason ? `: ${result.reason}` : ''}` : 'no answer';
}

/** The cached progress entries with this round's analysis writes in place. */
function entriesWith(entries: ProgressSnapshot['entries'], writes: StoredDoc[]): Map<string, ProgressEntry | undefined> {
  const out = new Map(entries);
  for (const doc of writes) {
    if (doc['_deleted'] === true) out.delete(doc._id);
    else out.set(doc._id, progressEntry(deviceForm(doc)));
  }
  return out;
}

function decide(intent: AnalysisIntent, stored: StoredDoc | undefined): { write?: StoredDoc; result: AnalysisWriteResult } {
  if (intent.analysis === null) {
    if (!stored) return { result: 'absent' };
    return { write: { ...stored, _deleted: true }, result: 'deleted' };
  }
  const body = storedAnalysisBody(intent.analysis);
  if (stored && sameContent(stored, body)) return { result: 'unchanged' };
  // A writer that read the session earlier (reanalyse beside the worker) never replaces the analysis of a newer revision.
  if (stored && revGeneration(stored['sessionRev']) > revGeneration(intent.analysis.sessionRev)) return { result: 'unchanged' };
  // Over a tombstone (or nothing) CouchDB accepts a new document without a revision.
  return { write: stored?._rev ? { ...body, _rev: stored._rev } : body, result: 'written' };
}

/** The generation of a CouchDB revision (`3-abc` → 3); 0 when there is none. */
function revGeneration(rev: unknown): number {
  const generation = typeof rev === 'string' ? Number.parseInt(rev, 10) : NaN;
  return Number.isFinite(generation) ? generation : 0;
}
