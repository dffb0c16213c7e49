import type { Component } from '@m2m/service-kit';
import type { Logger } from '../logging.js';
import { StoreError, backoffDelay, describeError, isAborted, isStoreStatus, sleep, unlessAborted, type Seq, type StoreClient } from '@m2m/couch';

export interface ActivityHintFeedOptions {
  store: StoreClient;
  logger: Logger;
  /** The activity database (systemDatabases(prefix).activity). */
  db: string;
  /** Wait of one long poll. */
  feedTimeoutMs: number;
  /** A user started syncing (the document id; the caller checks it). */
  onHint(userId: string): void;
}

/** Hints named per long-poll answer; more simply answer again at once. */
const HINTS_PER_POLL = 500;

type PollAnswer = { results?: Array<{ id?: unknown }>; last_seq?: Seq };

/**
 * Follows the activity database's `_changes` from now: one long poll that
 * names each user whose device has just started syncing (the gateway writes
 * the hints). A hint is only an acceleration, so the feed starts from "now",
 * a failed read is retried with backoff, and a store without the database
 * (an older gateway) is asked again now and then.
 */
export class ActivityHintFeed implements Component {
  readonly name = 'activity hints';
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly options: ActivityHintFeedOptions) {}

  async start(): Promise<void> {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.controller.abort(new StoreError({ kind: 'aborted', target: `GET /${this.options.db}/_changes` }));
    await this.running;
  }

  private async loop(): Promise<void> {
    const { store, db, feedTimeoutMs, logger } = this.options;
    const signal = this.controller.signal;
    let since: Seq | 'now' = 'now';
    let failures = 0;
    while (!signal.aborted) {
      try {
        const poll: Promise<PollAnswer> = store.request<PollAnswer>({
          db,
          path: '_changes',
          qs: { feed: 'longpoll', since: String(since), timeout: feedTimeoutMs, limit: HINTS_PER_POLL, style: 'main_only' },
          timeoutMs: feedTimeoutMs + store.timeoutMs,
          signal,
        });
        const answer = await unlessAborted(poll, signal, `GET /${db}/_changes`);
        if (signal.aborted) return;
        failures = 0;
        if (answer.last_seq !== undefined) since = answer.last_seq;
        for (const row of answer.results ?? []) if (typeof row.id === 'string') this.options.onHint(row.id);
      } catch (err) {
        if (signal.aborted || isAborted(err)) return;
        failures += 1;
        if (failures === 1 || failures % 20 === 0) {
          const missing = isStoreStatus(err, 404);
          logger.debug({ db, err: describeError(err) }, missing ? 'no activity database yet' : 'reading activity hints failed; retrying');
        }
        await sleep(backoffDelay(failures), signal).catch(() => undefined);
      }
    }
  }
}
