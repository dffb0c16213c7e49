import type { WorkerConfig } from '../config.js';
import { SweepFeeder } from '../feed/sweepFeeder.js';
import type { Logger } from '../logging.js';
import type { Component } from '@m2m/service-kit';
import { listOwnedSessionsDatabases } from './ownedDatabases.js';
import { StoreError, describeError, isAborted, type StoreClient } from '@m2m/couch';

export interface SessionSweepsOptions {
  config: Pick<WorkerConfig, 'dbPrefix' | 'shard' | 'sweepRate' | 'concurrency'>;
  store: StoreClient;
  logger: Logger;
  /** Aborted when the whole worker begins to stop: no new sweep starts. */
  stopping: AbortSignal;
  /** Pause between two paced safety-net sweeps (0: none). */
  intervalMs: number;
  /** Whether start sweeps everything (a first start, or the `_db_updates` position is lost); read at start. */
  sweepAtStart(): boolean;
  /** Hands a database to the turns. */
  enqueue(db: string): void;
  /** Databases waiting for a turn. */
  waiting(): number;
  recordError(message: string): void;
}

/**
 * Sweeps visit every owned sessions database: at a first start, after feed
 * trouble (at full speed, after live news), and as a paced safety net
 * (WORKER_SWEEP_RATE databases per second, then a pause of `intervalMs`).
 * Sweep work yields to live news (SweepFeeder).
 */
export class SessionSweeps implements Component {
  readonly name = 'sweeps';
  /** Sweeps started since start, by reason. */
  readonly reasons: string[] = [];
  private readonly feeder: SweepFeeder;
  private readonly listing = new AbortController();
  private sweeping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private startupDone = false;
  private stopped = false;

  constructor(private readonly options: SessionSweepsOptions) {
    this.feeder = new SweepFeeder({
      enqueue: options.enqueue,
      waiting: options.waiting,
      // Leaves one run for the news.
      maxInFlight: Math.max(1, options.config.concurrency - 1),
    });
  }

  /** The start-up sweep is done, or none was needed. */
  get startupSweepDone(): boolean {
    return this.startupDone;
  }

  /** A sweep is listing or handing over databases, or some are still being processed. */
  get busy(): boolean {
    return this.sweeping !== undefined || this.feeder.active;
  }

  get handedOver(): number {
    return this.feeder.handedOver;
  }

  get remaining(): number {
    return this.feeder.remaining;
  }

  async start(): Promise<void> {
    if (this.options.sweepAtStart()) {
      void this.sweep('start-up').then(() => {
        this.startupDone = true;
      });
    } else {
      this.startupDone = true;
    }
    this.schedulePeriodic();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.feeder.stop();
    this.listing.abort(new StoreError({ kind: 'aborted', target: 'GET /_all_dbs' }));
    await this.sweeping;
  }

  /** A database's turn ended (the queue may have room now). */
  finished(db: string): void {
    this.feeder.finished(db);
  }

  forget(db: string): void {
    this.feeder.forget(db);
  }

  /** Resolves when no sweep is listing or handing over databases. */
  async settled(): Promise<void> {
    await this.sweeping;
  }

  /** Sweeps every owned sessions database (merged with a sweep in progress); resolves when each is processed. */
  sweep(reason: string, paced = false): Promise<void> {
    if (this.stopped || this.options.stopping.aborted) return Promise.resolve();
    const { config, store, logger } = this.options;
    this.reasons.push(reason);
    const perSecond = paced ? config.sweepRate : undefined;
    const run = (async () => {
      try {
        const names = await listOwnedSessionsDatabases(store, config, this.listing.signal);
        logger.info({ reason, databases: names.length, perSecond }, 'sweeping sessions databases');
        await this.feeder.sweep(names, { perSecond });
      } catch (err) {
        if (!isAborted(err)) {
          this.options.recordError(`sweep failed: ${describeError(err)}`);
          logger.error({ err: describeError(err) }, 'sweeping the sessions databases failed');
        }
      }
    })();
    const all: Promise<void> = Promise.all([this.sweeping, run]).then(() => {
      if (this.sweeping === all) this.sweeping = undefined;
    });
    this.sweeping = all;
    return all;
  }

  private schedulePeriodic(): void {
    if (this.options.intervalMs <= 0 || this.stopped || this.options.stopping.aborted) return;
    this.timer = setTimeout(() => {
      void this.sweep('periodic', true).then(() => this.schedulePeriodic());
    }, this.options.intervalMs);
    this.timer.unref();
  }
}
