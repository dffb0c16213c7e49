import type { Logger } from '../logging.js';
import { changes, describeError, isAborted, StoreError, unlessAborted, type Seq, type StoreClient } from '@m2m/couch';

export interface ActiveDatabaseFeedsOptions {
  store: StoreClient;
  logger: Logger;
  /** Most databases followed at once; past it, the least recently active one is dropped. */
  capacity: number;
  /** A followed database with no change for this long is dropped (it is idle again). */
  idleMs: number;
  /** Wait of one long poll. */
  feedTimeoutMs: number;
  /** The database has changed (a hint: the caller reads it from its own checkpoint). */
  onChange(db: string): void;
}

/** Changes named per long-poll answer; more simply answer again at once. */
const CHANGES_PER_POLL = 100;

type PollAnswer = { results?: unknown[]; last_seq?: Seq };

interface Follow {
  controller: AbortController;
  lastActive: number;
  done: Promise<void>;
}

/**
 * The fast path to new sessions: a `_changes` long poll on each recently
 * active sessions database. CouchDB publishes `_db_updates` in batches
 * (`[global_changes] max_write_delay`, 500 ms by default) while a database's
 * own long poll answers within milliseconds of a write, so following the
 * databases in use brings their news at once. The set is bounded (capacity,
 * least recently active dropped first) and forgets idle databases; an answer
 * is only a hint to process the database from its checkpoint, so delivery and
 * checkpoints stay with the drain, and `_db_updates` stays the discovery path
 * and the safety net (a feed that fails is simply dropped).
 */
export class ActiveDatabaseFeeds {
  private readonly follows = new Map<string, Follow>();
  private stopped = false;

  constructor(private readonly options: ActiveDatabaseFeedsOptions) {}

  get size(): number {
    return this.follows.size;
  }

  has(db: string): boolean {
    return this.follows.has(db);
  }

  /**
   * The database was just active: follow it, or keep following it longer. A
   * new follow starts from `since` when given (the database's checkpoint: a
   * change written just before the first poll still answers it), else from now.
   */
  follow(db: string, since?: Seq): void {
    if (this.stopped || this.options.capacity <= 0) return;
    const current = this.follows.get(db);
    if (current) {
      current.lastActive = Date.now();
      // Map order is recency order: the oldest follow is dropped first.
      this.follows.delete(db);
      this.follows.set(db, current);
      return;
    }
    while (this.follows.size >= this.options.capacity) {
      const oldest = this.follows.keys().next();
      if (oldest.done) break;
      this.drop(oldest.value);
    }
    const follow: Follow = { controller: new AbortController(), lastActive: Date.now(), done: Promise.resolve() };
    this.follows.set(db, follow);
    follow.done = this.run(db, follow, since ?? 'now');
  }

  /** Stops following the database (deleted, or pushed out). */
  drop(db: string): void {
    const follow = this.follows.get(db);
    if (!follow) return;
    this.follows.delete(db);
    follow.controller.abort(new StoreError({ kind: 'aborted', target: `GET /${db}/_changes` }));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const all = [...this.follows.values()];
    for (const db of [...this.follows.keys()]) this.drop(db);
    await Promise.all(all.map((f) => f.done));
  }

  private async run(db: string, follow: Follow, from: Seq | 'now'): Promise<void> {
    const { store, feedTimeoutMs, idleMs } = this.options;
    const signal = follow.controller.signal;
    let since: Seq | 'now' = from;
    try {
      while (!signal.aborted) {
        const poll: Promise<PollAnswer> = changes<PollAnswer>(
          store,
          db,
          { feed: 'longpoll', since: String(since), timeout: feedTimeoutMs, limit: CHANGES_PER_POLL, style: 'main_only' },
          { timeoutMs: feedTimeoutMs + store.timeoutMs, signal },
        );
        const answer: PollAnswer = await unlessAborted(poll, signal, `GET /${db}/_changes`);
        if (signal.aborted) return;
        if (answer.last_seq !== undefined) since = answer.last_seq;
        if ((answer.results ?? []).length > 0) {
          follow.lastActive = Date.now();
          this.options.onChange(db);
        } else if (Date.now() - follow.lastActive >= idleMs) {
          return;
        }
      }
    } catch (err) {
      // _db_updates still announces this database; the fast path just ends here.
      if (!signal.aborted && !isAborted(err)) this.options.logger.debug({ db, err: describeError(err) }, 'following a sessions database ended');
    } finally {
      if (this.follows.get(db) === follow) this.follows.delete(db);
    }
  }
}
