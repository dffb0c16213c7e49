import { backoffDelay, type BackoffPolicy } from '@m2m/couch';

/** A failed database is tried again after this backoff (per database, reset by a success). */
const FAILURE_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 60_000 };

export interface DatabaseQueueOptions {
  concurrency: number;
  /**
   * Gives one database one turn (a batch); resolving to 'more' means it has
   * more to do and goes to the back of the queue for its next turn.
   */
  run(db: string): Promise<unknown>;
  /** A run failed; it is retried after `delayMs`. */
  onFailure?(db: string, err: unknown, attempt: number, delayMs: number): void;
  /** Whether an error means "stopping", not a failure worth retrying. */
  isStopping(): boolean;
}

/**
 * The databases waiting for the worker, served round-robin: each run is one
 * turn, and a database with more to do queues again behind the others, so a
 * long backlog takes turns with a new session instead of holding a slot until
 * it is drained. Each database is processed by at most one run at a time (so
 * its changes stay in order), at most `concurrency` runs at once. A database
 * notified while it runs is run again afterwards; one whose run fails is
 * retried after a backoff, without holding up the others.
 */
export class DatabaseQueue {
  private readonly waiting = new Set<string>();
  private readonly running = new Map<string, { again: boolean; done: Promise<void> }>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private idleWaiters: Array<() => void> = [];
  private accepting = true;

  constructor(private readonly options: DatabaseQueueOptions) {}

  enqueue(db: string): void {
    if (!this.accepting) return;
    const run = this.running.get(db);
    if (run) run.again = true;
    else if (!this.retryTimers.has(db)) this.waiting.add(db);
    this.pump();
  }

  /** The database is gone: drop it from the queue (a run in progress finds out by itself). */
  forget(db: string): void {
    this.waiting.delete(db);
    const timer = this.retryTimers.get(db);
    if (timer) clearTimeout(timer);
    this.retryTimers.delete(db);
    this.failures.delete(db);
    this.settle();
  }

  isIdle(): boolean {
    return this.waiting.size === 0 && this.running.size === 0 && this.retryTimers.size === 0;
  }

  /** Resolves the next time nothing waits, runs or is due for a retry. */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): { waiting: number; running: number; retrying: number } {
    return { waiting: this.waiting.size, running: this.running.size, retrying: this.retryTimers.size };
  }

  /** Takes no more work and waits for the runs in progress (each finishes its batch in hand). */
  async stop(): Promise<void> {
    this.accepting = false;
    this.waiting.clear();
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    await Promise.all([...this.running.values()].map((r) => r.done));
    this.settle();
  }

  private pump(): void {
    while (this.accepting && this.running.size < this.options.concurrency) {
      const next = this.waiting.values().next();
      if (next.done) break;
      this.waiting.delete(next.value);
      this.start(next.value);
    }
    this.settle();
  }

  private start(db: string): void {
    const entry = { again: false, done: Promise.resolve() };
    this.running.set(db, entry);
    entry.done = this.options.run(db).then(
      (outcome) => {
        this.failures.delete(db);
        this.running.delete(db);
        if ((entry.again || outcome === 'more') && this.accepting) this.waiting.add(db);
        this.pump();
      },
      (err: unknown) => {
        this.running.delete(db);
        if (!this.accepting || this.options.isStopping()) {
          this.settle();
          return;
        }
        const attempt = (this.failures.get(db) ?? 0) + 1;
        this.failures.set(db, attempt);
        const delayMs = backoffDelay(attempt - 1, FAILURE_BACKOFF);
        this.options.onFailure?.(db, err, attempt, delayMs);
        this.retryTimers.set(
          db,
          setTimeout(() => {
            this.retryTimers.delete(db);
            this.waiting.add(db);
            this.pump();
          }, delayMs),
        );
        this.pump();
      },
    );
  }

  private settle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
