import { userDatabases, type AnalysisDoc } from '@m2m/analysis-core';
import type { Logger } from '../logging.js';
import type { WorkerMetrics } from '../ops/workerMetrics.js';
import type { AnalysisPool } from '../pool/analysisPool.js';
import { writeBatch, type AnalysisIntent, type AnalysisWriteOutcome } from '../writer/analysisWriter.js';
import { repairProgressDatabase } from '../writer/progressDatabase.js';
import type { ProgressDbCache, ProgressSnapshot } from '../writer/progressDbCache.js';
import { isMissingDatabase, type StoreClient } from '@m2m/couch';

/** A session as the feed delivered it: its current document, or null when it was deleted. */
export interface SessionChange {
  id: string;
  doc: Record<string, unknown> | null;
}

export interface BatchDeps {
  store: StoreClient;
  pool: AnalysisPool;
  prefix: string;
  metrics: WorkerMetrics;
  logger: Logger;
  /** What each progress database holds, kept current from its changes feed. */
  progressCache: ProgressDbCache;
  /** Called once a batch's analyses and progress are written (the care copies are marked due; they are written apart); a failure fails the batch. */
  afterWrite?(userId: string, snapshot: () => Promise<ProgressSnapshot>): Promise<void>;
}

export interface BatchResult {
  analysed: number;
  invalid: number;
  written: number;
  unchanged: number;
  deleted: number;
  refused: number;
  progress: 'written' | 'unchanged';
  /** The user's databases are gone (account deleted): nothing was written. */
  userGone: boolean;
}

/** Session ids longer than this cannot name an analysis (analysisSchema: sessionId ≤ 200). */
export const MAX_SESSION_ID_LENGTH = 200;

/**
 * One batch of a user's session changes: analyse the present ones in the
 * pool, bring their analysis documents up to date (deleted sessions lose
 * theirs), then recompute the user's progress from all of their analyses.
 * Every write is idempotent, so running a batch again changes nothing.
 * `readAt` (ms) is when the changes were read, for the processing-lag metric.
 */
export async function processSessionChanges(deps: BatchDeps, userId: string, changes: SessionChange[], readAt: number): Promise<BatchResult> {
  const { metrics } = deps;
  const progressDb = userDatabases(deps.prefix, userId).progress;

  const analysed = await Promise.all(
    changes.map(async (change): Promise<{ change: SessionChange; analysis: AnalysisDoc | null }> => {
      if (!change.doc) return { change, analysis: null };
      // The pool serves users fairly by cost: this user's other sessions do not go ahead of another user's.
      const { analysis, durationMs } = await deps.pool.analyze(change.doc, { tenant: userId });
      if (durationMs > 0) metrics.analysisDuration.observe(durationMs / 1000);
      return { change, analysis };
    }),
  );
  const intents: AnalysisIntent[] = analysed.map(({ change, analysis }) => ({ id: analysis?.id ?? `analysis:${change.id}`, analysis }));

  // The analyses and the progress in one write: the device's live pull wakes once for the batch.
  const written = await withProgressDatabase(deps, userId, () => writeBatch(deps.store, progressDb, intents, deps.progressCache));
  if (written === 'user-gone') {
    deps.progressCache.forget(progressDb);
    return { ...emptyResult(), userGone: true };
  }
  const { outcomes, progress } = written;

  // Also when nothing changed: a batch repeated after a crash may find its writes made and their copies not.
  // The copies are made from a fresh read (the batch's own writes decided on the cache may not have seen
  // another writer's); only a patient with a care team asks for it.
  if (deps.afterWrite) await deps.afterWrite(userId, () => deps.progressCache.snapshot(deps.store, progressDb));

  const writtenAt = Date.now();
  const result = emptyResult();
  result.progress = progress.result;
  (progress.result === 'written' ? metrics.written : metrics.unchanged).inc({ doc: 'progress' });
  analysed.forEach(({ analysis }, i) => {
    const outcome = outcomes[i] as AnalysisWriteOutcome;
    count(result, outcome, deps);
    if (!analysis) return;
    result.analysed += 1;
    metrics.processed.inc({ status: analysis.status });
    if (analysis.status === 'invalid') {
      result.invalid += 1;
      metrics.invalid.inc();
    }
    metrics.processingLag.observe(Math.max(0, writtenAt - readAt) / 1000);
    const endedAt = analysis.session ? Date.parse(analysis.session.startedAt) + analysis.session.durationMs : NaN;
    if (Number.isFinite(endedAt) && writtenAt >= endedAt) metrics.sessionLag.observe((writtenAt - endedAt) / 1000);
  });
  return result;
}

function count(result: BatchResult, outcome: AnalysisWriteOutcome, deps: BatchDeps): void {
  switch (outcome.result) {
    case 'written':
      result.written += 1;
      deps.metrics.written.inc({ doc: 'analysis' });
      break;
    case 'unchanged':
      result.unchanged += 1;
      deps.metrics.unchanged.inc({ doc: 'analysis' });
      break;
    case 'deleted':
      result.deleted += 1;
      deps.metrics.deleted.inc();
      break;
    case 'refused':
      result.refused += 1;
      deps.metrics.refused.inc();
      deps.logger.error({ doc: outcome.id, reason: outcome.error }, 'the store refused an analysis document; it is not retried');
      break;
    case 'absent':
      break;
  }
}

/** Runs a progress-database operation; a missing database is repaired once (or the user is gone). */
async function withProgressDatabase<T>(deps: BatchDeps, userId: string, operation: () => Promise<T>): Promise<T | 'user-gone'> {
  try {
    return await operation();
  } catch (err) {
    if (!isMissingDatabase(err)) throw err;
    const repaired = await repairProgressDatabase(deps.store, deps.prefix, userId);
    if (repaired === 'user-gone') return 'user-gone';
    deps.logger.warn({ userId }, 'created the missing progress database of a user');
    // What the cache held is of the database that is gone.
    deps.progressCache.forget(userDatabases(deps.prefix, userId).progress);
    return operation();
  }
}

function emptyResult(): BatchResult {
  return { analysed: 0, invalid: 0, written: 0, unchanged: 0, deleted: 0, refused: 0, progress: 'unchanged', userGone: false };
}
