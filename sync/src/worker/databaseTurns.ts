import { parseUserDatabase, userDatabases } from '@m2m/analysis-core';
import type { WorkerConfig } from '../config.js';
import type { CheckpointStore } from '../feed/checkpointStore.js';
import { DatabaseQueue } from '../feed/databaseQueue.js';
import type { Logger } from '../logging.js';
import type { AnalysisPool } from '../pool/analysisPool.js';
import { ProgressDbCache, type ProgressSnapshot } from '../writer/progressDbCache.js';
import { runDatabaseTurn, type TurnResult } from './databaseDrain.js';
import type { Component } from '@m2m/service-kit';
import { mapBounded } from './mapBounded.js';
import { listOwnedSessionsDatabases } from './ownedDatabases.js';
import { TurnSizes } from './turnSizes.js';
import type { WorkerTally } from './workerTally.js';
import { describeError, isAborted, readChanges, type StoreClient } from '@m2m/couch';

export interface DatabaseTurnsOptions {
  config: Pick<WorkerConfig, 'dbPrefix' | 'shard' | 'batchSize' | 'analysisBudget' | 'concurrency'>;
  store: StoreClient;
  /** The analysis pool (read at each turn: it starts before the turns do). */
  pool(): AnalysisPool;
  checkpoints: CheckpointStore;
  tally: WorkerTally;
  logger: Logger;
  /** Aborted when the whole worker begins to stop: the turns in hand end after their batch. */
  stopping: AbortSignal;
  /** On stop, how long the batches in hand may take before their store calls are cancelled. */
  stopGraceMs: number;
  /** A batch had changes: the database is in use. */
  onNews(db: string): void;
  /** A batch's analyses and progress of a user are written (the care upkeep marks the copies due and returns at once); awaited before the batch's checkpoint. */
  onUserWritten?(userId: string, snapshot: () => Promise<ProgressSnapshot>): Promise<void>;
  /** A database's turn ended, whatever its outcome. */
  onTurnEnd(db: string): void;
  /** The worker cannot go on (analysis threads cannot start). */
  onFatal(err: Error): void;
}

/**
 * The sessions databases' turns: a DatabaseQueue that gives each database
 * one turn (a batch cut to the analysis budget) at a time, round-robin. `stop`
 * takes no more work and waits for the batches in hand (writes and
 * checkpoint); past the grace their store calls are cancelled.
 */
export class DatabaseTurns implements Component {
  readonly name = 'database turns';
  /** Sessions databases given a turn since start. */
  readonly touched = new Set<string>();
  private readonly queue: DatabaseQueue;
  private readonly turnSizes: TurnSizes;
  private readonly progressCache = new ProgressDbCache();
  private stopped = false;

  constructor(private readonly options: DatabaseTurnsOptions) {
    const { config, tally, logger } = options;
    this.turnSizes = new TurnSizes(config.batchSize);
    this.queue = new DatabaseQueue({
      concurrency: config.concurrency,
      isStopping: () => this.isStopping(),
      run: (db) => this.turn(db).finally(() => options.onTurnEnd(db)),
      onFailure: (db, err, attempt, delayMs) => {
        const broken = options.pool().broken;
        if (broken) {
          options.onFatal(broken);
          return;
        }
        tally.retried('batch', describeError(err), db);
        logger.error({ db, err: describeError(err), attempt, retryInMs: delayMs }, 'processing a sessions database failed; it will be retried');
      },
    });
    tally.metrics.queuedDatabases = () => {
      const q = this.queue.stats();
      return q.waiting + q.running + q.retrying;
    };
  }

  /** Loads every checkpoint (turns resume from them); feeds and sweeps then hand databases over with `enqueue`. */
  async start(): Promise<void> {
    await this.options.checkpoints.loadAll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const grace = setTimeout(() => this.options.store.close(), this.options.stopGraceMs);
    try {
      await this.queue.stop();
      // The turns' positions are saved in the background: save what is left before the store is released.
      await this.options.checkpoints.flush().catch((err: unknown) => {
        this.options.logger.warn({ err: describeError(err), unsaved: this.options.checkpoints.unsavedCount }, 'saving the last checkpoints failed; those batches run again at the next start');
      });
    } finally {
      clearTimeout(grace);
      this.options.checkpoints.close();
    }
  }

  /** While stopping: the turns it still waits for. */
  pending(): string | undefined {
    const { running } = this.queue.stats();
    return running > 0 ? `${running} database turn(s) finishing their batch` : undefined;
  }

  enqueue(db: string): void {
    this.queue.enqueue(db);
  }

  /** The database was deleted: drop it and everything kept about it. */
  forget(db: string): void {
    const { config, checkpoints, logger, tally } = this.options;
    this.queue.forget(db);
    this.turnSizes.forget(db);
    const parsed = parseUserDatabase(config.dbPrefix, db);
    if (parsed) this.progressCache.forget(userDatabases(config.dbPrefix, parsed.userId).progress);
    tally.metrics.setBacklog(db, 0);
    checkpoints.forget(db).catch((err: unknown) => {
      if (!isAborted(err)) logger.warn({ db, err: describeError(err) }, 'dropping the checkpoint of a deleted database failed');
    });
  }

  stats(): { waiting: number; running: number; retrying: number } {
    return this.queue.stats();
  }

  isIdle(): boolean {
    return this.queue.isIdle();
  }

  whenIdle(): Promise<void> {
    return this.queue.whenIdle();
  }

  /** Resolves once every owned sessions database is processed up to its current end (or the worker stops). */
  async untilCurrent(): Promise<void> {
    for (;;) {
      await this.queue.whenIdle();
      if (this.isStopping()) return;
      const behind = await this.databasesBehind();
      if (behind.length === 0 && this.queue.isIdle()) return;
      for (const name of behind) this.queue.enqueue(name);
    }
  }

  private isStopping(): boolean {
    return this.stopped || this.options.stopping.aborted;
  }

  /** One turn of a database; 'more' queues it again behind the others. */
  private async turn(db: string): Promise<TurnResult | undefined> {
    const { config, store, checkpoints, tally, logger } = this.options;
    const parsed = parseUserDatabase(config.dbPrefix, db);
    if (!parsed) return undefined;
    this.touched.add(db);
    const deps = {
      store,
      pool: this.options.pool(),
      prefix: config.dbPrefix,
      metrics: tally.metrics,
      logger,
      progressCache: this.progressCache,
      ...(this.options.onUserWritten ? { afterWrite: this.options.onUserWritten } : {}),
      checkpoints,
      batchSize: config.batchSize,
      turnCost: config.analysisBudget,
      maxSessionCost: config.analysisBudget,
      turnSizes: this.turnSizes,
      shouldContinue: () => !this.isStopping(),
      onBatch: (batchDb: string, result: Parameters<WorkerTally['batch']>[1] & { changes: number }) => {
        tally.batch(batchDb, result);
        // A database with news is in use: follow its own feed for the next session.
        if (result.changes > 0) this.options.onNews(batchDb);
        logger.debug({ db: batchDb, ...result }, 'batch processed');
      },
    };
    return runDatabaseTurn(deps, db, parsed.userId);
  }

  /** Owned databases with changes after their checkpoint. */
  private async databasesBehind(): Promise<string[]> {
    const { store, config, checkpoints } = this.options;
    const names = await listOwnedSessionsDatabases(store, config);
    const behind = await mapBounded(names, 8, async (name) => {
      try {
        const page = await readChanges(store, name, checkpoints.get(name), { limit: 1, includeDocs: false });
        return page.results.length > 0;
      } catch {
        return false; // deleted meanwhile
      }
    });
    return names.filter((_, i) => behind[i]);
  }
}
