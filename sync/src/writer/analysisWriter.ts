import type { AnalysisDoc } from '@m2m/analysis-core';
import { sameContent, storedAnalysisBody, type StoredDoc } from './documentForms.js';
import type { ProgressDbCache } from './progressDbCache.js';
import { bulkWrite } from './storeDocuments.js';
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

/**
 * Brings the analysis documents of a progress database to the intents, with
 * as few new revisions as possible: an analysis whose stored content is equal
 * is not written (devices would download it again); a deletion writes a
 * tombstone carrying the full previous body (RxDB's pull needs it); a
 * conflict is answered by reading the current revision and deciding again,
 * so no result is lost. A document the store refuses for another reason
 * (validation, size) is reported as `refused`: retrying would not change the
 * answer. What is stored is read from `cache` (the database's feed, plus
 * this worker's own writes), read again for deletions, conflicts and
 * decisions not to write.
 */
export async function writeAnalyses(store: StoreClient, progressDb: string, intents: AnalysisIntent[], cache: ProgressDbCache): Promise<AnalysisWriteOutcome[]> {
  const outcomes = new Map<string, AnalysisWriteOutcome>();
  let open = intents;
  for (let round = 0; open.length > 0; round++) {
    if (round >= MAX_CONFLICT_ROUNDS) throw new ConflictStormError(open.map((i) => i.id));
    // The cache holds this worker's own writes, and a write decided on it is checked by the store (another
    // writer's makes it conflict). Deletions, and decisions not to write, nothing would check: those are
    // made on a fresh read of the feed.
    const fresh = round > 0 || open.some((i) => i.analysis === null);
    const { analyses } = await cache.snapshot(store, progressDb, { refresh: fresh });
    const writes: StoredDoc[] = [];
    const byWrite: AnalysisIntent[] = [];
    const decideAgain: AnalysisIntent[] = [];
    for (const intent of open) {
      const decision = decide(intent, analyses.get(intent.id));
      if (decision.write) {
        writes.push(decision.write);
        byWrite.push(intent);
      } else if (!fresh) {
        decideAgain.push(intent);
      } else {
        outcomes.set(intent.id, { id: intent.id, result: decision.result });
      }
    }
    if (writes.length === 0 && decideAgain.length === 0) break;
    const results = writes.length > 0 ? await bulkWrite(store, progressDb, writes) : [];
    const conflicted: AnalysisIntent[] = [];
    const stored: StoredDoc[] = [];
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
        const error = 'error' in result ? `${result.error}${result.reason ? `: ${result.reason}` : ''}` : 'no answer';
        outcomes.set(intent.id, { id: intent.id, result: 'refused', error });
      }
    });
    cache.recordWrites(progressDb, stored);
    open = [...conflicted, ...decideAgain];
  }
  return intents.map((i) => outcomes.get(i.id) ?? { id: i.id, result: 'unchanged' });
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
