import type { CheckpointStore } from '../feed/checkpointStore.js';
import { readChanges, type Change } from '../feed/changesReader.js';
import { isStoreStatus } from '../store/storeErrors.js';
import { isMissingDatabase, readDocument } from '../writer/storeDocuments.js';
import { MAX_SESSION_ID_LENGTH, processSessionChanges, type BatchDeps, type BatchResult, type SessionChange } from './sessionBatch.js';

export interface DrainDeps extends BatchDeps {
  checkpoints: CheckpointStore;
  batchSize: number;
  /** False once the worker is stopping: the batch in hand finishes, no new one starts. */
  shouldContinue(): boolean;
  onBatch?(db: string, result: BatchResult & { skipped: number; changes: number }): void;
}

export type DrainResult = 'caught-up' | 'stopped' | 'gone';

/**
 * Processes one sessions database from its checkpoint until it is caught up:
 * read a batch of changes with their documents, process it, and only then
 * save the batch's last sequence as the checkpoint. A crash anywhere repeats
 * at most the batch in hand, whose writes are idempotent.
 */
export async function drainDatabase(deps: DrainDeps, db: string, userId: string): Promise<DrainResult> {
  let since = deps.checkpoints.get(db);
  let restartedFromZero = false;
  for (;;) {
    if (!deps.shouldContinue()) return 'stopped';
    let batch;
    try {
      batch = await readChanges(deps.store, db, since, { limit: deps.batchSize, includeDocs: true });
    } catch (err) {
      if (isMissingDatabase(err)) {
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
    const { changes, skipped } = await sessionChanges(deps, db, batch.results);
    if (skipped > 0) deps.logger.warn({ db, skipped }, 'skipped documents whose id cannot name an analysis');
    if (changes.length > 0) {
      const result = await processSessionChanges(deps, userId, changes, readAt);
      if (result.userGone) {
        await deps.checkpoints.forget(db);
        deps.metrics.setBacklog(db, 0);
        return 'gone';
      }
      deps.onBatch?.(db, { ...result, skipped, changes: batch.results.length });
    } else {
      deps.onBatch?.(db, { ...emptyBatch(), skipped, changes: batch.results.length });
    }
    if (batch.results.length > 0) {
      await deps.checkpoints.save(db, batch.lastSeq);
      deps.metrics.batches.inc();
    }
    deps.metrics.setBacklog(db, batch.results.length < deps.batchSize ? 0 : (batch.pending ?? 0));
    since = batch.lastSeq;
    if (batch.results.length < deps.batchSize) return 'caught-up';
  }
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
