import { backoffDelay, sleep } from '../backoff.js';
import { dbUpdates } from '../endpoints.js';
import type { StoreClient } from '../storeClient.js';
import { describeError, isAborted, isTransient, StoreError } from '../storeErrors.js';
import type { FeedLogger } from './feedLogger.js';
import type { Seq } from './seq.js';
import { unlessAborted } from './unlessAborted.js';

/** Wait of the first read (CouchDB answers a long poll with changes at once, else at the timeout). */
const FIRST_READ_WAIT_MS = 10;

export type DbUpdateType = 'created' | 'updated' | 'deleted' | string;

export interface DbUpdatesFollowerOptions {
  store: StoreClient;
  logger: FeedLogger;
  /** Longest wait of one long-poll request. */
  feedTimeoutMs?: number;
  /** How often to sweep instead when the store has no `_db_updates`. */
  fallbackSweepMs?: number;
  onEvent(dbName: string, type: DbUpdateType): void;
  /** The feed moved on: every event up to `seq` has been handed to onEvent. */
  onPosition(seq: Seq): void;
  /** Events may have been missed (the feed restarted from "now", or it is unavailable): sweep every database. */
  onResync(reason: string): void;
  onRetry?(err: unknown): void;
  /** The first answer is in: every event up to now has been handed to onEvent (called once). */
  onCaughtUp?(): void;
}

/**
 * Follows the store's `_db_updates` feed, from a saved position or from
 * "now": first a read that answers at once (everything since the position,
 * and a position to go on from), then long polls. Store errors are retried with backoff; after an
 * outage, or if the store refuses the position, or has no such feed, it asks
 * for a sweep so nothing is missed.
 */
export class DbUpdatesFollower {
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly options: DbUpdatesFollowerOptions) {}

  start(since: Seq | 'now'): void {
    this.running ??= this.loop(since);
  }

  async stop(): Promise<void> {
    this.controller.abort(new StoreError({ kind: 'aborted', target: 'GET /_db_updates' }));
    await this.running;
  }

  private async loop(initial: Seq | 'now'): Promise<void> {
    const { store, logger } = this.options;
    const feedTimeoutMs = this.options.feedTimeoutMs ?? 30_000;
    const signal = this.controller.signal;
    let since: Seq | 'now' = initial;
    let failures = 0;
    let warnedUnsupported = false;
    let caughtUp = false;
    const caughtUpNow = (): void => {
      if (caughtUp) return;
      caughtUp = true;
      this.options.onCaughtUp?.();
    };
    while (!signal.aborted) {
      try {
        const poll = dbUpdates<{ results?: Array<{ db_name?: unknown; type?: unknown }>; last_seq?: Seq }>(
          store,
          // The first read waits only a moment: it hands over what is there and pins down a position.
          { feed: 'longpoll', since: String(since), timeout: caughtUp ? feedTimeoutMs : FIRST_READ_WAIT_MS },
          { timeoutMs: feedTimeoutMs + store.timeoutMs, signal },
        );
        const answer = await unlessAborted(poll, signal, 'GET /_db_updates');
        for (const row of answer.results ?? []) {
          if (typeof row.db_name === 'string' && typeof row.type === 'string') this.options.onEvent(row.db_name, row.type);
        }
        if (answer.last_seq !== undefined) {
          since = answer.last_seq;
          this.options.onPosition(since);
        }
        if (failures > 0) this.options.onResync('the _db_updates feed is back after errors');
        failures = 0;
        caughtUpNow();
      } catch (err) {
        if (signal.aborted || isAborted(err)) return;
        if (err instanceof StoreError && err.status === 400 && since !== 'now') {
          logger.warn({ since }, 'the store refused the _db_updates position; following from now and sweeping');
          since = 'now';
          caughtUpNow();
          this.options.onResync('the _db_updates position was refused');
          continue;
        }
        if (err instanceof StoreError && (err.status === 404 || err.status === 405 || err.status === 400 || err.status === 501)) {
          // No _db_updates on this store (CouchDB without _global_changes?): sweeps keep the worker correct, only slower.
          if (!warnedUnsupported) logger.error({ err: describeError(err) }, 'the store has no usable _db_updates feed; sweeping periodically instead');
          warnedUnsupported = true;
          caughtUpNow(); // sweeps stand in for the feed
          await this.pause(this.options.fallbackSweepMs ?? 10_000);
          this.options.onResync('_db_updates is unavailable');
          continue;
        }
        failures += 1;
        this.options.onRetry?.(err);
        const delay = backoffDelay(failures - 1);
        const level = isTransient(err) ? 'warn' : 'error';
        logger[level]({ err: describeError(err), retryInMs: delay }, 'following _db_updates failed; retrying');
        await this.pause(delay);
      }
    }
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, this.controller.signal).catch(() => undefined);
  }
}
