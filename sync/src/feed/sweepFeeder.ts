export interface SweepFeederOptions {
  /** Hands a database to the worker's queue. */
  enqueue(db: string): void;
  /** Databases waiting in the queue (live news, when not ours). */
  waiting(): number;
  /** Most sweep databases in the queue's hands at once; live news keeps the rest. */
  maxInFlight: number;
  /** How often to look again for room while a sweep runs. */
  tickMs?: number;
}

export interface SweepPace {
  /** Databases handed over per second at most; undefined: as fast as the queue takes them. */
  perSecond?: number | undefined;
}

/**
 * Feeds a sweep's databases to the queue a few at a time, so that live news
 * always goes first: a sweep database is handed over only while nothing else
 * waits in the queue, and at most `maxInFlight` of them are being processed.
 * A paced sweep (the periodic safety net) also keeps to a rate, so its cost
 * on the store per hour is known whatever the number of users.
 */
export class SweepFeeder {
  private pending: string[] = [];
  private next = 0;
  private readonly inFlight = new Set<string>();
  private perSecond: number | undefined;
  private lastHandOver = 0;
  private timer: NodeJS.Timeout | undefined;
  private finishedWaiters: Array<() => void> = [];
  private stopped = false;
  /** Databases handed over since this feeder was made (tests and logs). */
  handedOver = 0;

  constructor(private readonly options: SweepFeederOptions) {}

  get active(): boolean {
    return this.next < this.pending.length || this.inFlight.size > 0;
  }

  /** Databases of the current sweep not yet handed over. */
  get remaining(): number {
    return this.pending.length - this.next;
  }

  /** Starts a sweep over `names` (a sweep already running is merged into it); resolves when every one is processed. */
  sweep(names: readonly string[], pace: SweepPace = {}): Promise<void> {
    if (this.stopped) return Promise.resolve();
    // Whether an unpaced sweep still has names to hand over, read before this one's names join it (one with only
    // databases in flight is over as far as pacing goes).
    const unpacedLeft = this.perSecond === undefined && this.next < this.pending.length;
    const rest = this.pending.slice(this.next);
    const known = new Set(rest);
    this.pending = [...rest, ...names.filter((n) => !known.has(n))];
    this.next = 0;
    // An unpaced request (start-up, feed trouble) speeds up a paced sweep in progress; a paced one does not slow an unpaced one.
    this.perSecond = pace.perSecond === undefined || unpacedLeft ? undefined : pace.perSecond;
    const done = new Promise<void>((resolve) => this.finishedWaiters.push(resolve));
    this.pump();
    return done;
  }

  /** A database's run ended (any database: the queue may have room now). */
  finished(db: string): void {
    this.inFlight.delete(db);
    this.pump();
  }

  /** The database is gone: it will not run. */
  forget(db: string): void {
    this.inFlight.delete(db);
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    this.pending = [];
    this.next = 0;
    this.inFlight.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.settle();
  }

  /** Hands over what the rules allow now, and looks again later while work is left. */
  pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const gap = this.perSecond === undefined ? 0 : 1000 / this.perSecond;
    let lookAgainMs = this.options.tickMs ?? 100;
    while (this.next < this.pending.length && this.inFlight.size < this.options.maxInFlight && this.options.waiting() === 0) {
      const now = Date.now();
      if (gap > 0 && now - this.lastHandOver < gap) {
        // The next one is due when the gap has passed, not at the next tick: the pace is kept, not halved.
        lookAgainMs = gap - (now - this.lastHandOver);
        break;
      }
      const db = this.pending[this.next++] as string;
      this.lastHandOver = now;
      this.inFlight.add(db);
      this.handedOver += 1;
      this.options.enqueue(db);
    }
    if (this.next >= this.pending.length) {
      this.pending = [];
      this.next = 0;
    }
    if (this.active) {
      this.timer = setTimeout(() => this.pump(), lookAgainMs);
      this.timer.unref();
    } else {
      this.settle();
    }
  }

  private settle(): void {
    if (this.active) return;
    const waiters = this.finishedWaiters;
    this.finishedWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
