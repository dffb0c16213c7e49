import { parseUserDatabase, userDatabases } from '@m2m/analysis-core';
import type { WorkerConfig } from '../config.js';
import { CheckpointStore, type Seq } from '../feed/checkpointStore.js';
import { readChanges } from '../feed/changesReader.js';
import { DatabaseQueue } from '../feed/databaseQueue.js';
import { ActiveDatabaseFeeds } from '../feed/activeDatabaseFeeds.js';
import { DbUpdatesFollower } from '../feed/dbUpdatesFollower.js';
import { SweepFeeder } from '../feed/sweepFeeder.js';
import { silentLogger, type Logger } from '../logging.js';
import { startMetricsServer, type MetricsServer } from '@m2m/service-kit';
import { WorkerMetrics } from '../ops/workerMetrics.js';
import { AnalysisPool, type AnalysisPoolOptions } from '../pool/analysisPool.js';
import { ProgressDbCache } from '../writer/progressDbCache.js';
import { ownsDatabase, shardLabel } from '../shard.js';
import { withRetry } from '../store/backoff.js';
import { checkAdminAccess, ensureDatabase, listUserDatabases, StoreAccessError, workerDatabase } from '../store/databases.js';
import { StoreClient } from '../store/storeClient.js';
import { describeError, isAborted, isTransient } from '../store/storeErrors.js';
import { mapBounded } from './mapBounded.js';
import { runDatabaseTurn, type TurnResult } from './databaseDrain.js';
import { TurnSizes } from './turnSizes.js';
import { WorkerStatusRecorder, type LastError } from './workerStatusRecorder.js';

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
  /** Analysis pool settings beyond the configured size (tests). */
  pool?: Pick<AnalysisPoolOptions, 'threadUrl' | 'jobTimeoutMs' | 'resourceLimits'>;
}

export interface WorkerStats {
  shard: string;
  /** Sessions analysed (ok and invalid). */
  processed: number;
  invalid: number;
  /** Analyses removed because their session was deleted. */
  deleted: number;
  /** Analysis documents written (new revisions). */
  written: number;
  /** Analyses whose stored content was already equal (no write). */
  unchanged: number;
  refused: number;
  progressWritten: number;
  /** Documents skipped (ids too long to name an analysis). */
  skipped: number;
  batches: number;
  /** Store calls and failed batches retried. */
  retried: number;
  threadFailures: number;
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
  /** Resolves once every owned sessions database is processed up to its current end. */
  idle(): Promise<void>;
  /** Resolves once the worker is caught up (see WorkerStats.caughtUp). */
  caughtUp(): Promise<void>;
  stats(): WorkerStats;
  metrics: WorkerMetrics;
  /** Base URL of the metrics server, when WORKER_METRICS_PORT is set. */
  metricsUrl: string | undefined;
}

/** The `_db_updates` position is saved per shard, beside the databases' checkpoints. */
const dbUpdatesKey = (config: WorkerConfig): string => `_db_updates:${config.shard.index}-${config.shard.count}`;

const DB_UPDATES_SAVE_DELAY_MS = 2_000;

/**
 * Starts the changes-feed worker: checks the store and its credentials,
 * follows `_db_updates`, sweeps every sessions database this shard owns once,
 * and processes them (see DESIGN.md, "Sync worker"). Rejects when the store
 * refuses the credentials or stays unreachable for `startupTimeoutMs`.
 */
export async function startWorker(config: WorkerConfig, options: WorkerOptions = {}): Promise<RunningWorker> {
  const logger = options.logger ?? silentLogger;
  const shard = shardLabel(config.shard);
  const metrics = new WorkerMetrics({ shard });
  const counters = { processed: 0, invalid: 0, deleted: 0, written: 0, unchanged: 0, refused: 0, progressWritten: 0, skipped: 0, batches: 0, retried: 0, threadFailures: 0 };
  const touched = new Set<string>();
  let stopping = false;

  const workerDb = workerDatabase(config.dbPrefix);
  // The last-error recorder exists once the worker database is ready; the store client and the pool report to it from then on.
  let recorder: WorkerStatusRecorder | undefined = undefined;
  const store = new StoreClient(config.couchdbUrl, {
    timeoutMs: config.storeTimeoutMs,
    onRetry: (err, attempt, delayMs) => {
      counters.retried += 1;
      metrics.retried.inc({ reason: 'store' });
      recorder?.recordError(err.message);
      logger.warn({ err: err.message, attempt, retryInMs: delayMs }, 'store call failed; retrying');
    },
    // Base URLs only: the credentials never reach a log line.
    onEndpointChange: (url, up) => (up ? logger.info({ store: url }, 'store URL answers again') : logger.warn({ store: url }, 'store URL not answering: using the others')),
  });
  const pool = new AnalysisPool({
    size: config.poolSize,
    maxSessionCost: config.analysisBudget,
    ...options.pool,
    onThreadFailure: (failure) => {
      counters.threadFailures += 1;
      metrics.threadFailures.inc({ reason: failure.reason });
      recorder?.recordError(`analysis thread ${failure.reason}: ${failure.message}`);
      logger.error(failure, 'an analysis thread failed and was replaced');
    },
  });

  const checkpoints = new CheckpointStore(store, workerDb);
  const progressCache = new ProgressDbCache();
  // Readiness: caught up once, and the _db_updates feed answering now.
  const readiness = { caughtUp: false, feedFailing: false };
  let readinessDetail = (): Record<string, unknown> => ({});
  let metricsServer: MetricsServer | undefined;
  try {
    await connect(store, options.startupTimeoutMs ?? 60_000);
    await ensureDatabase(store, workerDb);
    await checkpoints.loadAll();
    if (config.metricsPort !== undefined) {
      metricsServer = await startMetricsServer(metrics.registry, config.metricsPort, config.metricsHost, () => ({
        ready: readiness.caughtUp && !readiness.feedFailing,
        caughtUp: readiness.caughtUp,
        feed: readiness.feedFailing ? 'failing' : 'ok',
        ...readinessDetail(),
      }));
    }
  } catch (err) {
    store.close();
    await pool.close();
    await metricsServer?.close();
    throw err;
  }
  const status = new WorkerStatusRecorder(store, workerDb, config.shard);
  recorder = status;
  void status.flush();

  const owns = (dbName: string): boolean => parseUserDatabase(config.dbPrefix, dbName)?.kind === 'sessions' && ownsDatabase(config.shard, dbName);

  const fatal = (err: Error): void => {
    logger.error({ err: err.message }, 'the sync worker cannot go on');
    options.onFatal?.(err);
  };

  const turnSizes = new TurnSizes(config.batchSize);
  const liveFeeds = new ActiveDatabaseFeeds({
    store,
    logger,
    capacity: config.liveFeeds,
    idleMs: config.liveFeedIdleMs,
    feedTimeoutMs: options.liveFeedTimeoutMs ?? 60_000,
    onChange: (db) => queue.enqueue(db),
  });

  // Sweep work yields to live news: handed over only while nothing else waits, leaving one run for the news.
  const sweeps = new SweepFeeder({
    enqueue: (db) => queue.enqueue(db),
    waiting: () => queue.stats().waiting,
    maxInFlight: Math.max(1, config.concurrency - 1),
  });
  const sweepReasons: string[] = [];

  const queue = new DatabaseQueue({
    concurrency: config.concurrency,
    isStopping: () => stopping,
    run: (db) => processDatabase(db).finally(() => sweeps.finished(db)),
    onFailure: (db, err, attempt, delayMs) => {
      if (pool.broken) {
        fatal(pool.broken);
        return;
      }
      counters.retried += 1;
      metrics.retried.inc({ reason: 'batch' });
      status.recordError(describeError(err), db);
      logger.error({ db, err: describeError(err), attempt, retryInMs: delayMs }, 'processing a sessions database failed; it will be retried');
    },
  });

  /** One turn of a database (a batch cut to the analysis budget); 'more' queues it again behind the others. */
  async function processDatabase(db: string): Promise<TurnResult | undefined> {
    const parsed = parseUserDatabase(config.dbPrefix, db);
    if (!parsed) return undefined;
    touched.add(db);
    return runDatabaseTurn(
      {
        store,
        pool,
        prefix: config.dbPrefix,
        metrics,
        logger,
        progressCache,
        checkpoints,
        batchSize: config.batchSize,
        turnCost: config.analysisBudget,
        maxSessionCost: config.analysisBudget,
        turnSizes,
        shouldContinue: () => !stopping,
        onBatch: (batchDb, result) => {
          counters.processed += result.analysed;
          counters.invalid += result.invalid;
          counters.deleted += result.deleted;
          counters.written += result.written;
          counters.unchanged += result.unchanged;
          counters.refused += result.refused;
          counters.skipped += result.skipped;
          counters.batches += 1;
          if (result.progress === 'written') counters.progressWritten += 1;
          // A database with news is in use: follow its own feed for the next session.
          if (result.changes > 0) liveFeeds.follow(batchDb);
          if (result.refused > 0) status.recordError(`the store refused ${result.refused} analysis document(s)`, batchDb);
          logger.debug({ db: batchDb, ...result }, 'batch processed');
        },
      },
      db,
      parsed.userId,
    );
  }

  metrics.queuedDatabases = () => {
    const q = queue.stats();
    return q.waiting + q.running + q.retrying;
  };

  // Sweeps visit every owned sessions database: at a first start, after feed trouble (at full speed, after
  // live news), and as a paced safety net (WORKER_SWEEP_RATE databases per second, then a pause).
  let sweeping: Promise<void> | undefined;
  const sweep = (reason: string, paced = false): Promise<void> => {
    if (stopping) return Promise.resolve();
    sweepReasons.push(reason);
    const run = (async () => {
      try {
        const names = (await listUserDatabases(store, config.dbPrefix, 'sessions')).filter(owns);
        logger.info({ reason, databases: names.length, perSecond: paced ? config.sweepRate : undefined }, 'sweeping sessions databases');
        await sweeps.sweep(names, { perSecond: paced ? config.sweepRate : undefined });
      } catch (err) {
        if (!isAborted(err)) {
          status.recordError(`sweep failed: ${describeError(err)}`);
          logger.error({ err: describeError(err) }, 'sweeping the sessions databases failed');
        }
      }
    })();
    const all: Promise<void> = Promise.all([sweeping, run]).then(() => {
      if (sweeping === all) sweeping = undefined;
    });
    sweeping = all;
    return all;
  };

  // The _db_updates position is saved only at a moment when every database it announced is processed.
  let position: Seq | undefined;
  let savedPosition = checkpoints.get(dbUpdatesKey(config));
  let saveTimer: NodeJS.Timeout | undefined;
  let savingPosition = false;
  const schedulePositionSave = (): void => {
    if (saveTimer || savingPosition || stopping) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      savingPosition = true;
      void (async () => {
        try {
          await queue.whenIdle();
          // Only when every announced database is processed and no sweep is half done.
          if (stopping || !queue.isIdle() || sweeping || sweeps.active) return;
          const seq = position;
          if (seq === undefined || seq === savedPosition) return;
          await checkpoints.save(dbUpdatesKey(config), seq);
          savedPosition = seq;
        } catch (err) {
          if (!isAborted(err)) logger.warn({ err: describeError(err) }, 'saving the _db_updates position failed');
        } finally {
          savingPosition = false;
          if (position !== savedPosition) schedulePositionSave();
        }
      })();
    }, DB_UPDATES_SAVE_DELAY_MS);
    saveTimer.unref();
  };

  const follower = new DbUpdatesFollower({
    store,
    logger,
    ...(options.feedTimeoutMs === undefined ? {} : { feedTimeoutMs: options.feedTimeoutMs }),
    onEvent: (name, type) => {
      if (!owns(name)) return;
      if (type === 'deleted') {
        queue.forget(name);
        turnSizes.forget(name);
        liveFeeds.drop(name);
        sweeps.forget(name);
        const parsed = parseUserDatabase(config.dbPrefix, name);
        if (parsed) progressCache.forget(userDatabases(config.dbPrefix, parsed.userId).progress);
        metrics.setBacklog(name, 0);
        checkpoints.forget(name).catch((err: unknown) => {
          if (!isAborted(err)) logger.warn({ db: name, err: describeError(err) }, 'dropping the checkpoint of a deleted database failed');
        });
      } else {
        queue.enqueue(name);
        liveFeeds.follow(name);
      }
    },
    onPosition: (seq) => {
      position = seq;
      readiness.feedFailing = false;
      schedulePositionSave();
    },
    onResync: (reason) => void sweep(reason),
    onCaughtUp: () => {
      feedCaughtUp = true;
      checkCaughtUp();
    },
    onRetry: (err) => {
      readiness.feedFailing = true;
      counters.retried += 1;
      metrics.retried.inc({ reason: 'feed' });
      status.recordError(`following _db_updates: ${describeError(err)}`);
    },
  });

  // Caught up: the feed's first answer is handed over, a start-up sweep is done, and nothing announced then still waits.
  let feedCaughtUp = false;
  let caughtUpTimer: NodeJS.Timeout | undefined;
  const caughtUpWaiters: Array<() => void> = [];
  const checkCaughtUp = (): void => {
    clearTimeout(caughtUpTimer);
    if (readiness.caughtUp || stopping || !feedCaughtUp) return;
    if (!startupSweepDone || queue.stats().waiting > 0) {
      caughtUpTimer = setTimeout(checkCaughtUp, 100);
      caughtUpTimer.unref();
      return;
    }
    readiness.caughtUp = true;
    logger.info({ shard }, 'sync worker caught up');
    for (const resolve of caughtUpWaiters.splice(0)) resolve();
  };
  readinessDetail = () => ({ sweepRemaining: sweeps.remaining, queued: queue.stats(), liveFeeds: liveFeeds.size });

  // A restart resumes from the saved _db_updates position; only a first start (or a lost position) sweeps everything.
  let startupSweepDone = savedPosition !== undefined;
  follower.start(savedPosition ?? 'now');
  if (savedPosition === undefined) {
    void sweep('start-up').then(() => {
      startupSweepDone = true;
    });
  }
  const sweepIntervalMs = options.sweepIntervalMs ?? 10 * 60_000;
  let sweepTimer: NodeJS.Timeout | undefined;
  const schedulePeriodicSweep = (): void => {
    if (sweepIntervalMs <= 0 || stopping) return;
    sweepTimer = setTimeout(() => {
      void sweep('periodic', true).then(schedulePeriodicSweep);
    }, sweepIntervalMs);
    sweepTimer.unref();
  };
  schedulePeriodicSweep();
  logger.info(
    { shard, store: store.url, poolSize: config.poolSize, concurrency: config.concurrency, batchSize: config.batchSize, metrics: metricsServer?.url },
    'sync worker started',
  );

  /** Owned databases with changes after their checkpoint. */
  const databasesBehind = async (): Promise<string[]> => {
    const names = (await listUserDatabases(store, config.dbPrefix, 'sessions')).filter(owns);
    const behind = await mapBounded(names, 8, async (name) => {
      try {
        const page = await readChanges(store, name, checkpoints.get(name), { limit: 1, includeDocs: false });
        return page.results.length > 0;
      } catch {
        return false; // deleted meanwhile
      }
    });
    return names.filter((_, i) => behind[i]);
  };

  let stopped: Promise<void> | undefined;
  return {
    metrics,
    metricsUrl: metricsServer?.url,
    stats: () => ({
      shard,
      ...counters,
      databases: [...touched].sort(),
      backlog: metrics.backlog(),
      lastError: status.lastError,
      liveFeeds: liveFeeds.size,
      sweepVisits: sweeps.handedOver,
      sweeps: [...sweepReasons],
      caughtUp: readiness.caughtUp,
    }),
    caughtUp() {
      if (readiness.caughtUp) return Promise.resolve();
      return new Promise<void>((resolve) => caughtUpWaiters.push(resolve));
    },
    async idle() {
      await sweeping;
      for (;;) {
        await queue.whenIdle();
        if (stopping) return;
        const behind = await databasesBehind();
        if (behind.length === 0 && queue.isIdle()) return;
        for (const name of behind) queue.enqueue(name);
      }
    },
    stop() {
      stopped ??= (async () => {
        stopping = true;
        clearTimeout(sweepTimer);
        clearTimeout(saveTimer);
        clearTimeout(caughtUpTimer);
        sweeps.stop();
        await follower.stop();
        await liveFeeds.stop();
        // The batches in hand finish (writes and checkpoint); past the grace their store calls are cancelled.
        const grace = setTimeout(() => store.close(), options.stopGraceMs ?? 10_000);
        await queue.stop();
        clearTimeout(grace);
        await status.flush({ stopped: true });
        store.close();
        await sweeping;
        await pool.close();
        await metricsServer?.close();
        logger.info({ shard, ...counters }, 'sync worker stopped');
      })();
      return stopped;
    },
  };
}

/** Waits for the store (retrying while it is unreachable) and checks that the credentials are an admin's. */
async function connect(store: StoreClient, timeoutMs: number): Promise<void> {
  const deadline = AbortSignal.timeout(timeoutMs);
  let lastError: unknown;
  try {
    await withRetry(() => checkAdminAccess(store), {
      signal: AbortSignal.any([deadline, store.closed]),
      shouldRetry: (err) => {
        lastError = err;
        return isTransient(err);
      },
    });
  } catch (err) {
    if (deadline.aborted) {
      throw new StoreAccessError(
        `The store at ${store.url} did not answer within ${timeoutMs} ms (${describeError(lastError)}). Is it running, and is COUCHDB_URL right?`,
        { cause: lastError },
      );
    }
    if (err instanceof StoreAccessError) throw err;
    throw new StoreAccessError(`The store at ${store.url} failed a test request: ${describeError(err)}`, { cause: err });
  }
}
