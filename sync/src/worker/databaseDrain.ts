import type { CheckpointStore } from '../feed/checkpointStore.js';
import { estimateSessionCost } from '../pool/sessionCost.js';
import { readDocument } from '../writer/storeDocuments.js';
import type { TurnSizes } from './turnSizes.js';
import { MAX_SESSION_ID_LENGTH, processSessionChanges, type BatchDeps, type BatchResult, type SessionChange } from './sessionBatch.js';
import { type Change, isMissingDatabase, isStoreStatus, readChanges, type Seq } from '@m2m/couch';

export interface DrainDeps extends BatchDeps {
  checkpoints: CheckpointStore;
  batchSize: number;
  /**
   * Estimated analysis cost (estimateSessionCost) one turn takes on: a batch
   * of heavy sessions is cut short so the turn ends soon. At least one change
   * is always taken; a session over `maxSessionCost` is not analysed and costs 1.
   */
  turnCost: number;
  maxSessionCost: number | undefined;
  /** Changes each database's turn reads (fewer after a turn cut short); kept across turns. */
  turnSizes: TurnSizes;
  /** False once the worker is stopping: the batch in hand finishes, no new one starts. */
  shouldContinue(): boolean;
  onBatch?(db: string, result: BatchResult & { skipped: number; changes: number }): void;
}

/** 'more': the database has changes after this turn's batch. */
export type TurnResult = 'more' | 'caught-up' | 'stopped' | 'gone';

/**
 * One turn of a sessions database: read a batch of changes after its
 * checkpoint with their documents, keep the first ones up to the turn's cost,
 * process them, and only then save the last kept sequence as the checkpoint.
 * A crash anywhere repeats at most the batch in hand, whose writes are
 * idempotent. The caller gives the database its next turn after the others'
 * (DatabaseQueue), so one user's backlog cannot hold up another's session.
 */
export async function runDatabaseTurn(deps: DrainDeps, db: string, userId: string): Promise<TurnResult> {
  let since = deps.checkpoints.get(db);
  let restartedFromZero = false;
  const limit = deps.turnSizes.next(db);
  for (;;) {
    if (!deps.shouldContinue()) return 'stopped';
    let batch;
    try {
      batch = await readChanges(deps.store, db, since, { limit, includeDocs: true });
    } catch (err) {
      if (isMissingDatabase(err)) {
        deps.turnSizes.forget(db);
        await deps.checkpoints.forget(db);
        deps.metrics.setBacklog(db, 0);
        return 'gone';
      }
      if (isStoreStatus(err, 400) && since !== undefined && !restartedFromZero) {
        // The store does not know our checkpoint (restored or replaced): start over; every write is idempotent.
        deps.logger.warn({ db, since }, 'the store refused the checkpoint; reading this database from the start');
        since = undefined;
        restartedFromZero = true;
        continue;
      }
      throw err;
    }
    const readAt = Date.now();
    const taken = withinTurnCost(batch.results, deps);
    const cutShort = taken.length < batch.results.length;
    // A cut falls only after a change that carries its sequence (withinTurnCost).
    const lastSeq = cutShort ? ((taken[taken.length - 1] as Change).seq as Seq) : batch.lastSeq;
    const { changes, skipped } = await sessionChanges(deps, db, taken);
    if (skipped > 0) deps.logger.warn({ db, skipped }, 'skipped documents whose id cannot name an analysis');
    if (changes.length > 0) {
      const result = await processSessionChanges(deps, userId, changes, readAt);
      if (result.userGone) {
        deps.turnSizes.forget(db);
        await deps.checkpoints.forget(db);
        deps.metrics.setBacklog(db, 0);
        return 'gone';
      }
      deps.onBatch?.(db, { ...result, skipped, changes: taken.length });
    } else {
      deps.onBatch?.(db, { ...emptyBatch(), skipped, changes: taken.length });
    }
    if (taken.length > 0) {
      // Saved in the background with other databases' positions: the next turn starts from it at once.
      deps.checkpoints.advance(db, lastSeq);
      deps.metrics.batches.inc();
    }
    deps.turnSizes.record(db, limit, batch.results.length, taken.length);
    const more = cutShort || batch.results.length >= limit;
    deps.metrics.setBacklog(db, more ? (batch.pending ?? 0) + (batch.results.length - taken.length) : 0);
    return more ? 'more' : 'caught-up';
  }
}

/**
 * The first changes of a batch whose analysis fits the turn's cost (at least
 * one). The cut falls only after a change that carries its sequence, since
 * that becomes the checkpoint: CouchDB leaves `seq` null on rows between
 * every `seq_interval`-th, and the turn then runs on to the next that has one.
 */
export function withinTurnCost(results: Change[], deps: Pick<DrainDeps, 'turnCost' | 'maxSessionCost'>): Change[] {
  let total = 0;
  for (let i = 0; i < results.length; i++) {
    const change = results[i] as Change;
    const cost = change.deleted === true || !change.doc ? 1 : estimateSessionCost(change.doc);
    total += deps.maxSessionCost !== undefined && cost > deps.maxSessionCost ? 1 : cost;
    const previousSeq = results[i - 1]?.seq;
    if (total > deps.turnCost && i > 0 && previousSeq !== null && previousSeq !== undefined) return results.slice(0, i);
  }
  return results;
}

/**
 * The batch's changes as sessions to analyse or delete: design documents are
 * not sessions; ids too long to name an analysis are skipped (and counted);
 * every other document gets an analysis, an `invalid` one when it is not a
 * valid session. A document appearing twice counts once, as its last change.
 */
async function sessionChanges(deps: DrainDeps, db: string, results: Change[]): Promise<{ changes: SessionChange[]; skipped: number }> {
  const byId = new Map<string, SessionChange>();
  let skipped = 0;
  for (const change of results) {
    if (change.id.startsWith('_design/')) continue;
    if (change.id.length > MAX_SESSION_ID_LENGTH) {
      skipped += 1;
      continue;
    }
    byId.delete(change.id);
    const deleted = change.deleted === true || change.doc?.['_deleted'] === true;
    // Without include_docs support the document is fetched alone (never seen on either store).
    const doc = deleted ? null : (change.doc ?? (await readDocument(deps.store, db, change.id)) ?? null);
    byId.set(change.id, { id: change.id, doc });
  }
  return { changes: [...byId.values()], skipped };
}

function emptyBatch(): BatchResult {
  return { analysed: 0, invalid: 0, written: 0, unchanged: 0, deleted: 0, refused: 0, progress: 'unchanged', userGone: false };
}
