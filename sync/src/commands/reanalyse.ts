import { ANALYSIS_VERSION, isUserId, parseUserDatabase, userDatabases } from '@m2m/analysis-core';
import type { WorkerConfig } from '../config.js';
import { silentLogger, type Logger } from '../logging.js';
import { WorkerMetrics } from '../ops/workerMetrics.js';
import { AnalysisPool } from '../pool/analysisPool.js';
import { shardLabel } from '../shard.js';
import { listUserDatabases } from '../store/databases.js';
import { readDocument, readDocuments, readIds, readRange } from '../writer/storeDocuments.js';
import { ProgressDbCache } from '../writer/progressDbCache.js';
import { ANALYSIS_ID_PREFIX, PROGRESS_ID, updateProgress } from '../writer/progressWriter.js';
import { mapBounded } from '../worker/mapBounded.js';
import { MAX_SESSION_ID_LENGTH, processSessionChanges, type SessionChange } from '../worker/sessionBatch.js';
import { checkStoreNow, isMissingDatabase, StoreClient } from '@m2m/couch';

export interface ReanalyseOptions {
  /** Only these users. */
  userIds?: string[];
  /** Every user (required when no userIds are given, so a bare command does nothing by accident). */
  all?: boolean;
  /** Every session, not only those analysed by another version. */
  force?: boolean;
  logger?: Logger;
  /** Aborting finishes the batch in hand and returns what was done (run again to continue). */
  signal?: AbortSignal;
  onProgress?(progress: ReanalyseProgress): void;
}

export interface ReanalyseProgress {
  phase: 'scan' | 'analyse';
  usersDone: number;
  usersTotal: number;
  sessionsDone: number;
  sessionsTotal: number;
}

export interface ReanalyseReport {
  analysisVersion: string;
  users: number;
  /** Sessions selected for analysis. */
  sessions: number;
  /** Sessions analysed (fewer than `sessions` when interrupted). */
  analysed: number;
  /** Analyses written because their content changed. */
  updated: number;
  unchanged: number;
  /** Analyses removed because their session no longer exists. */
  removed: number;
  progressUpdated: number;
  interrupted: boolean;
}

interface UserPlan {
  userId: string;
  sessionIds: string[];
  progressOutdated: boolean;
}

/**
 * Brings stored results up to the current ANALYSIS_VERSION: every analysis
 * stamped with another version (or, with `force`, every session) is analysed
 * again and written when its content changed; each user's progress is then
 * recomputed. Safe to interrupt and run again: what is done is not redone
 * (without `force`), and every write is idempotent. Runs beside a worker
 * without harm (conflicts are re-read and re-decided).
 */
export async function reanalyse(config: WorkerConfig, options: ReanalyseOptions): Promise<ReanalyseReport> {
  const logger = options.logger ?? silentLogger;
  if (!options.all && (!options.userIds || options.userIds.length === 0)) throw new Error('reanalyse: name users (--user ID) or pass --all');
  for (const id of options.userIds ?? []) if (!isUserId(id)) throw new Error(`reanalyse: "${id}" is not a user id`);

  const store = new StoreClient(config.couchdbUrl, { timeoutMs: config.storeTimeoutMs });
  const report: ReanalyseReport = { analysisVersion: ANALYSIS_VERSION, users: 0, sessions: 0, analysed: 0, updated: 0, unchanged: 0, removed: 0, progressUpdated: 0, interrupted: false };
  let pool: AnalysisPool | undefined;
  try {
    await checkStoreNow(store);
    const userIds = options.all
      ? (await listUserDatabases(store, config.dbPrefix, 'sessions')).flatMap((name) => parseUserDatabase(config.dbPrefix, name)?.userId ?? [])
      : [...new Set(options.userIds)];

    const progress: ReanalyseProgress = { phase: 'scan', usersDone: 0, usersTotal: userIds.length, sessionsDone: 0, sessionsTotal: 0 };
    const plans = await mapBounded(userIds, config.concurrency, async (userId) => {
      const plan = await planUser(store, config.dbPrefix, userId, options.force === true);
      progress.usersDone += 1;
      progress.sessionsTotal += plan.sessionIds.length;
      options.onProgress?.({ ...progress });
      return plan;
    });
    const work = plans.filter((p) => p.sessionIds.length > 0 || p.progressOutdated);
    report.users = work.length;
    report.sessions = progress.sessionsTotal;
    Object.assign(progress, { phase: 'analyse', usersDone: 0, usersTotal: work.length, sessionsDone: 0 });
    options.onProgress?.({ ...progress });

    // The worker's budget too: a session over it gets the same `invalid` analysis from both.
    pool = new AnalysisPool({ size: config.poolSize, maxSessionCost: config.analysisBudget });
    const progressCache = new ProgressDbCache();
    const deps = { store, pool, prefix: config.dbPrefix, metrics: new WorkerMetrics({ shard: shardLabel(config.shard) }), logger, progressCache };
    await mapBounded(work, config.concurrency, async (plan) => {
      const names = userDatabases(config.dbPrefix, plan.userId);
      let progressWritten = false;
      for (let i = 0; i < plan.sessionIds.length; i += config.batchSize) {
        if (options.signal?.aborted) {
          report.interrupted = true;
          return;
        }
        const ids = plan.sessionIds.slice(i, i + config.batchSize);
        const current = await readDocuments(store, names.sessions, ids);
        const changes: SessionChange[] = ids.map((id) => ({ id, doc: current.get(id)?.doc ?? null }));
        const result = await processSessionChanges(deps, plan.userId, changes, Date.now());
        report.analysed += result.analysed;
        report.updated += result.written;
        report.unchanged += result.unchanged;
        report.removed += result.deleted;
        if (result.progress === 'written') progressWritten = true;
        progress.sessionsDone += ids.length;
        options.onProgress?.({ ...progress });
      }
      if (plan.sessionIds.length === 0 && (await updateProgress(store, names.progress, progressCache)).result === 'written') progressWritten = true;
      if (progressWritten) report.progressUpdated += 1;
      progressCache.forget(names.progress); // each user is visited once
      progress.usersDone += 1;
      options.onProgress?.({ ...progress });
    });
    if (options.signal?.aborted) report.interrupted = true;
    return report;
  } finally {
    store.close();
    await pool?.close();
  }
}

/** What one user needs: the sessions to analyse again, and whether the progress document is outdated. */
async function planUser(store: StoreClient, prefix: string, userId: string, force: boolean): Promise<UserPlan> {
  const names = userDatabases(prefix, userId);
  let analyses: Array<Record<string, unknown>> = [];
  let progressDoc: Record<string, unknown> | undefined;
  try {
    analyses = await readRange(store, names.progress, ANALYSIS_ID_PREFIX);
    progressDoc = await readDocument(store, names.progress, PROGRESS_ID);
  } catch (err) {
    if (!isMissingDatabase(err)) throw err;
  }
  const selected = new Set<string>();
  for (const a of analyses) {
    if (typeof a['sessionId'] === 'string' && (force || a['analysisVersion'] !== ANALYSIS_VERSION)) selected.add(a['sessionId']);
  }
  if (force) {
    try {
      for (const id of await readIds(store, names.sessions)) if (id.length <= MAX_SESSION_ID_LENGTH) selected.add(id);
    } catch (err) {
      if (!isMissingDatabase(err)) throw err;
    }
  }
  return {
    userId,
    sessionIds: [...selected].sort(),
    // A user with analyses but no progress document gets one; one with neither is left alone.
    progressOutdated: progressDoc ? force || progressDoc['analysisVersion'] !== ANALYSIS_VERSION : analyses.length > 0,
  };
}
