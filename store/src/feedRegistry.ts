import { ChangeNotifier } from './changeNotifier.js';

/**
 * Bookkeeping for open feeds: every PouchDB changes listener and timer a feed
 * starts is counted here and released exactly once, when the feed ends or its
 * client goes away. The counts are exposed so tests can prove nothing leaks,
 * and `abortAll` lets the store end every feed when it shuts down.
 */
export interface FeedStats {
  feeds: number;
  /** Change subscriptions held by feeds. */
  listeners: number;
  timers: number;
  /** Live PouchDB changes listeners (one per database with waiting feeds). */
  liveListeners: number;
}

interface Cancellable {
  cancel(): void;
}

export class FeedRegistry {
  private readonly feeds = new Set<FeedResources>();
  readonly notifier = new ChangeNotifier();
  listeners = 0;
  timers = 0;

  open(onAbort: () => void): FeedResources {
    const feed = new FeedResources(this, onAbort);
    this.feeds.add(feed);
    return feed;
  }

  forget(feed: FeedResources): void {
    this.feeds.delete(feed);
  }

  stats(): FeedStats {
    return {
      feeds: this.feeds.size,
      listeners: this.listeners,
      timers: this.timers,
      liveListeners: this.notifier.liveListeners,
    };
  }

  abortAll(): void {
    for (const feed of [...this.feeds]) feed.abort();
  }
}

export class FeedResources {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly listeners = new Set<Cancellable>();
  private disposed = false;
  private finish: (() => void) | undefined;

  constructor(
    private readonly registry: FeedRegistry,
    private readonly onAbort: () => void,
  ) {}

  get isDisposed(): boolean {
    return this.disposed;
  }

  every(ms: number, fn: () => void): void {
    if (this.disposed) return;
    this.timers.add(setInterval(fn, ms));
    this.registry.timers += 1;
  }

  after(ms: number, fn: () => void): void {
    if (this.disposed) return;
    this.timers.add(setTimeout(fn, ms));
    this.registry.timers += 1;
  }

  listen<T extends Cancellable>(listener: T): T {
    if (this.disposed) {
      listener.cancel();
      return listener;
    }
    this.listeners.add(listener);
    this.registry.listeners += 1;
    return listener;
  }

  /** Releases everything; safe to call more than once. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const timer of this.timers) clearTimeout(timer); // clears intervals too
    this.registry.timers -= this.timers.size;
    this.timers.clear();
    for (const listener of this.listeners) listener.cancel();
    this.registry.listeners -= this.listeners.size;
    this.listeners.clear();
    this.registry.forget(this);
  }

  /** How the feed ends with an answer of its own (a longpoll's results and last_seq, a continuous feed's last_seq line). */
  finishWith(finish: () => void): void {
    this.finish = finish;
  }

  /**
   * Ends the feed from outside (store shutdown). It is answered as at its
   * timeout, as CouchDB does, so a client reads a complete answer with the
   * position to resume from rather than a cut-off body.
   */
  abort(): void {
    if (this.disposed) return;
    this.finish?.();
    this.dispose();
    this.onAbort();
  }
}
