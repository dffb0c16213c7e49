import { isUserId, userDatabases } from '@m2m/analysis-core';
import { systemDatabases } from '@m2m/couch';
import { Lifecycle } from '@m2m/service-kit';
import type { WorkerConfig } from '../config.js';
import { CareUpkeep, type CareUpkeepOptions } from '../care/careUpkeep.js';
import { attentionThresholdsOf } from '../care/attentionSettings.js';
import { ActivityHintFeed } from '../feed/activityHintFeed.js';
import { CheckpointStore } from '../feed/checkpointStore.js';
import { silentLogger, type Logger } from '../logging.js';
import { WorkerMetrics } from '../ops/workerMetrics.js';
import type { AnalysisPoolOptions } from '../pool/analysisPool.js';
import { shardLabel } from '../shard.js';
import { AnalysisThreads } from './analysisThreads.js';
import { DatabaseTurns } from './databaseTurns.js';
import { DbUpdatesFeed } from './dbUpdatesFeed.js';
import { LiveFeeds } from './liveFeeds.js';
import { MetricsEndpoint } from './metricsEndpoint.js';
import { ownsSessionsDatabase } from './ownedDatabases.js';
import { Readiness } from './readiness.js';
import { SessionSweeps } from './sessionSweeps.js';
import { StoreConnection } from './storeConnection.js';
import { WorkerStatusRecorder, type LastError } from './workerStatusRecorder.js';
import { WorkerTally, type WorkerCounters } from './workerTally.js';

export interface WorkerOptions {
  logger?: Logger;
  /** Pause between two paced safety-net sweeps of every owned sessions database (default 10 minutes; 0: none). */
  sweepIntervalMs?: number;
  /** On stop, how long the batches in hand may take before their store calls are cancelled (default 10 s). */
  stopGraceMs?: number;
  /** How long start-up waits for an unreachable store before failing (default 60 s). */
  startupTimeoutMs?: number;
  /** Wait of one `_db_updates` long poll (default 30 s). */
  feedTimeoutMs?: number;
  /** Wait of one long poll on a followed sessions database (default 60 s). */
  liveFeedTimeoutMs?: number;
  /** The worker cannot go on (analysis threads cannot start). Default: log it. */
  onFatal?(err: Error): void;
  /** The care upkeep's clock and flag thresholds (tests). */
  care?: Pick<CareUpkeepOptions, 'now' | 'thresholds'>;
  /** Analysis pool settings beyond the configured size (tests). */
  pool?: Pick<AnalysisPoolOptions, 'threadUrl' | 'jobTimeoutMs' | 'resourceLimits'>;
}

export interface WorkerStats extends WorkerCounters {
  shard: string;
  /** Sessions databases this worker has processed, sorted. */
  databases: string[];
  /** Changes waiting in owned databases, as last reported by the store. */
  backlog: number;
  /** Sessions databases whose `_changes` are followed now (the fast path). */
  liveFeeds: number;
  /** Databases handed to the queue by sweeps since start. */
  sweepVisits: number;
  /** Sweeps started since start, by reason. */
  sweeps: string[];
  /** Caught up: every database announced when the feed was first read (and any start-up sweep) is processed. */
  caughtUp: boolean;
  lastError: LastError | null;
}

export interface RunningWorker {
  /** Finishes the batches in hand, saves their checkpoints, releases everything. */
  stop(): Promise<void>;
  /** Resolves once every owned sessions database is processed up to its current end, and its position saved. */
  idle(): Promise<void>;
  /** Resolves once the worker is caught up (see WorkerStats.caughtUp). */
  caughtUp(): Promise<void>;
  stats(): WorkerStats;
  metrics: WorkerMetrics;
  /** Base URL of the metrics server, when WORKER_METRICS_PORT is set. */
  metricsUrl: string | undefined;
  /** The clinicians' care databases' upkeep (counters, a re-evaluation on demand). */
  care: Pick<CareUpkeep, 'counters' | 'activeLinks' | 'refreshAll'>;
}

/**
 * Starts the changes-feed worker: checks the store and its credentials,
 * follows `_db_updates`, sweeps every sessions database this shard owns once,
 * and processes them (see docs/ARCHITECTURE.md). Rejects when the store
 * refuses the credentials or stays unreachable for `startupTimeoutMs`.
 *
 * The worker is a set of components started in the order below and stopped
 * in reverse: the feeds and sweeps stop handing over work first, the turns in
 * hand finish, then the status is written and the store and threads released.
 */
export async function startWorker(config: WorkerConfig, options: WorkerOptions = {}): Promise<RunningWorker> {
  const logger = options.logger ?? silentLogger;
  const shard = shardLabel(config.shard);
  const metrics = new WorkerMetrics({ shard });
  // Aborted as stop begins: turns in flight end after their batch while the feeds are still being stopped.
  const stopping = new AbortController();
  const fatal = (err: Error): void => {
    logger.error({ err: err.message }, 'the sync worker cannot go on');
    options.onFatal?.(err);
  };

  // Components in start order; the callbacks between them run only once they are started.
  const lifecycle = new Lifecycle({ logger });
  const threads = lifecycle.add(
    new AnalysisThreads({
      size: config.poolSize,
      maxSessionCost: config.analysisBudget,
      ...options.pool,
      onThreadFailure: (failure) => {
        tally.threadFailed(failure);
        logger.error(failure, 'an analysis thread failed and was replaced');
      },
    }),
  );
  const connection = lifecycle.add(new StoreConnection(config, { logger, startupTimeoutMs: options.startupTimeoutMs ?? 60_000, onRetry: (err) => tally.retried('store', err.message) }));
  const store = connection.client;
  const checkpoints = new CheckpointStore(store, connection.workerDb);
  const metricsEndpoint = lifecycle.add(new MetricsEndpoint(metrics.registry, config.metricsPort, config.metricsHost, () => readiness.report()));
  const status = lifecycle.add(new WorkerStatusRecorder(store, connection.workerDb, config.shard));
  const tally = new WorkerTally(metrics, status);
  // Before the turns: the pipeline knows who follows each patient from its first batch.
  const care = lifecycle.add(
    new CareUpkeep({ thresholds: attentionThresholdsOf(config), ...options.care, config, store, checkpoints, logger, registry: metrics.registry, feedTimeoutMs: options.liveFeedTimeoutMs ?? 60_000, recordError: (message) => status.recordError(message) }),
  );
  const turns: DatabaseTurns = lifecycle.add(
    new DatabaseTurns({
      config,
      store,
      pool: () => threads.pool,
      checkpoints,
      tally,
      logger,
      stopping: stopping.signal,
      stopGraceMs: options.stopGraceMs ?? 10_000,
      onNews: (db) => liveFeeds.follow(db),
      onUserWritten: (userId, snapshot) => care.patientWritten(userId, snapshot),
      onTurnEnd: (db) => sweeps.finished(db),
      onFatal: fatal,
    }),
  );
  const liveFeeds = lifecycle.add(
    new LiveFeeds({
      store,
      logger,
      capacity: config.liveFeeds,
      idleMs: config.liveFeedIdleMs,
      feedTimeoutMs: options.liveFeedTimeoutMs ?? 60_000,
      onChange: (db) => turns.enqueue(db),
    }),
  );
  const readiness: Readiness = lifecycle.add(
    new Readiness({
      shard,
      logger,
      stopping: stopping.signal,
      startupSweepDone: () => sweeps.startupSweepDone,
      waiting: () => turns.stats().waiting,
      detail: () => ({ sweepRemaining: sweeps.remaining, queued: turns.stats(), liveFeeds: liveFeeds.size }),
    }),
  );
  const dbUpdates: DbUpdatesFeed = lifecycle.add(
    new DbUpdatesFeed({
      config,
      store,
      checkpoints,
      logger,
      tally,
      readiness,
      stopping: stopping.signal,
      feedTimeoutMs: options.feedTimeoutMs,
      onNews: (db) => {
        turns.enqueue(db);
        liveFeeds.follow(db);
      },
      onDeleted: (db) => {
        turns.forget(db);
        liveFeeds.drop(db);
        sweeps.forget(db);
      },
      onResync: (reason) => void sweeps.sweep(reason),
      whenQuiet: async () => {
        await turns.whenIdle();
        return turns.isIdle() && !sweeps.busy;
      },
    }),
  );
  // A user who starts syncing is followed before their next session arrives, from the database's checkpoint.
  lifecycle.add(
    new ActivityHintFeed({
      store,
      logger,
      db: systemDatabases(config.dbPrefix).activity,
      feedTimeoutMs: options.liveFeedTimeoutMs ?? 60_000,
      onHint: (userId) => {
        if (!isUserId(userId)) return;
        const db = userDatabases(config.dbPrefix, userId).sessions;
        if (ownsSessionsDatabase(config, db)) liveFeeds.follow(db, checkpoints.get(db) ?? 0);
      },
    }),
  );
  const sweeps: SessionSweeps = lifecycle.add(
    new SessionSweeps({
      config,
      store,
      logger,
      stopping: stopping.signal,
      intervalMs: options.sweepIntervalMs ?? 10 * 60_000,
      // A restart resumes from the saved _db_updates position; only a first start (or a lost position) sweeps everything.
      sweepAtStart: () => !dbUpdates.resumed,
      enqueue: (db) => turns.enqueue(db),
      waiting: () => turns.stats().waiting,
      recordError: (message) => status.recordError(message),
    }),
  );

  await lifecycle.start();
  logger.info(
    { shard, store: store.url, poolSize: config.poolSize, concurrency: config.concurrency, batchSize: config.batchSize, metrics: metricsEndpoint.url },
    'sync worker started',
  );

  let stopped: Promise<void> | undefined;
  return {
    metrics,
    metricsUrl: metricsEndpoint.url,
    care,
    stats: () => ({
      shard,
      ...tally.counters,
      databases: [...turns.touched].sort(),
      backlog: metrics.backlog(),
      lastError: status.lastError,
      liveFeeds: liveFeeds.size,
      sweepVisits: sweeps.handedOver,
      sweeps: [...sweeps.reasons],
      caughtUp: readiness.caughtUp,
    }),
    caughtUp: () => readiness.whenCaughtUp(),
    async idle() {
      await sweeps.settled();
      await turns.untilCurrent();
      await checkpoints.flush();
      await care.settled();
    },
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        await lifecycle.stop();
        logger.info({ shard, ...tally.counters }, 'sync worker stopped');
      })();
      return stopped;
    },
  };
}
