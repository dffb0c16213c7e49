import type { WorkerConfig } from '../config.js';
import type { CheckpointStore } from '../feed/checkpointStore.js';
import type { Logger } from '../logging.js';
import { DbUpdatesPosition } from './dbUpdatesPosition.js';
import type { Component } from '@m2m/service-kit';
import { ownsSessionsDatabase } from './ownedDatabases.js';
import type { Readiness } from './readiness.js';
import type { WorkerTally } from './workerTally.js';
import { DbUpdatesFollower, describeError, type Seq, type StoreClient } from '@m2m/couch';

export interface DbUpdatesFeedOptions {
  config: Pick<WorkerConfig, 'dbPrefix' | 'shard'>;
  store: StoreClient;
  checkpoints: CheckpointStore;
  logger: Logger;
  tally: WorkerTally;
  readiness: Pick<Readiness, 'feedAnswered' | 'feedWorks'>;
  /** Aborted when the whole worker begins to stop. */
  stopping: AbortSignal;
  /** Wait of one `_db_updates` long poll (default: the follower's). */
  feedTimeoutMs?: number | undefined;
  /** An owned sessions database was created or changed. */
  onNews(db: string): void;
  /** An owned sessions database was deleted. */
  onDeleted(db: string): void;
  /** Events may have been missed: sweep every database. */
  onResync(reason: string): void;
  /** See DbUpdatesPositionOptions.whenQuiet. */
  whenQuiet(): Promise<boolean>;
}

/** The `_db_updates` position is saved per shard, beside the databases' checkpoints. */
export const dbUpdatesKey = (shard: WorkerConfig['shard']): string => `_db_updates:${shard.index}-${shard.count}`;

/**
 * Follows `_db_updates` for the databases this shard owns, from the saved
 * position (a restart) or from now (a first start), and saves the position as
 * the announced databases are processed.
 */
export class DbUpdatesFeed implements Component {
  readonly name = '_db_updates feed';
  private readonly follower: DbUpdatesFollower;
  private readonly position: DbUpdatesPosition;
  private from: Seq | undefined;
  private stopped = false;

  constructor(private readonly options: DbUpdatesFeedOptions) {
    const { config, store, logger, tally, readiness } = options;
    this.position = new DbUpdatesPosition({
      checkpoints: options.checkpoints,
      key: dbUpdatesKey(config.shard),
      logger,
      whenQuiet: options.whenQuiet,
      isStopping: () => this.stopped || options.stopping.aborted,
    });
    this.follower = new DbUpdatesFollower({
      store,
      logger,
      ...(options.feedTimeoutMs === undefined ? {} : { feedTimeoutMs: options.feedTimeoutMs }),
      onEvent: (name, type) => {
        if (!ownsSessionsDatabase(config, name)) return;
        if (type === 'deleted') options.onDeleted(name);
        else options.onNews(name);
      },
      onPosition: (seq) => {
        readiness.feedWorks(true);
        this.position.moved(seq);
      },
      onResync: (reason) => options.onResync(reason),
      onCaughtUp: () => readiness.feedAnswered(),
      onRetry: (err) => {
        readiness.feedWorks(false);
        tally.retried('feed', `following _db_updates: ${describeError(err)}`);
      },
    });
  }

  /** Started from a saved position: a restart, which needs no start-up sweep. */
  get resumed(): boolean {
    return this.from !== undefined;
  }

  async start(): Promise<void> {
    this.from = this.position.load();
    this.follower.start(this.from ?? 'now');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.position.stop();
    await this.follower.stop();
  }
}
