import { reportDeletedLikeCouchDB } from './couchErrorReasons.js';
import { cacheSecurityObject } from './securityObjectCache.js';

/**
 * Bounded set of open PouchDB instances (each LevelDB database holds several
 * file handles; DESIGN: 200 open databases held 834).
 *
 * Every user of a database pins it by name for the length of its use (a
 * request, a feed); only unpinned databases are closed, least recently used
 * first, and room is made before a new one is opened, so the number of open
 * instances (counting ones still closing) stays within the bound unless every
 * open database is in use at once.
 *
 * A database a live feed (longpoll, continuous) was reading stays in use for
 * `liveLingerMs` after the feed ends: a longpoll client asks again at once,
 * and closing the database in that gap would reopen it on every poll. So the
 * pool never churns while the live feeds outnumber the bound; it grows past
 * the bound instead, as it does when every database is pinned.
 *
 * The pool also serves as express-pouchdb's instance cache (its
 * `PouchDB.__dbCacheMap`, used through get/set/delete), so the databases it
 * opens for its own routes are bounded too.
 */
export type PouchDatabase = PouchDB.Database;

export interface PoolStats {
  open: number;
  maxOpenSeen: number;
  pinned: number;
  /** Released by a live feed within the linger time: still counted as in use. */
  lingering: number;
  /** Instances opened since the pool started (a reopen counts again). */
  opens: number;
}

export interface PinOptions {
  /** The pin is a live feed's: the database stays in use for a while after it ends. */
  live?: boolean;
}

export interface PoolOptions {
  liveLingerMs?: number;
  now?: () => number;
}

/** Longer than a longpoll client's turn-around (read the answer, process it, ask again). */
export const DEFAULT_LIVE_LINGER_MS = 10_000;

export class DatabasePool {
  /** Open instances; Map order is the recency order (oldest first). */
  private readonly open = new Map<string, PouchDatabase>();
  private readonly closing = new Map<string, Promise<void>>();
  private readonly pins = new Map<string, number>();
  /** Names pinned for which an instance is about to be opened. */
  private readonly reserved = new Set<string>();
  /** Databases a live feed released, and until when they count as in use. */
  private readonly lingerUntil = new Map<string, number>();
  private readonly liveLingerMs: number;
  private readonly now: () => number;
  private maxOpenSeen = 0;
  private opens = 0;

  constructor(
    private readonly openDatabase: (name: string) => PouchDatabase,
    readonly maxOpen: number,
    private readonly onCloseError: (name: string, err: unknown) => void,
    options: PoolOptions = {},
  ) {
    if (!Number.isInteger(maxOpen) || maxOpen < 1) {
      throw new Error(`maxOpenDatabases must be a positive integer, got ${maxOpen}`);
    }
    this.liveLingerMs = options.liveLingerMs ?? DEFAULT_LIVE_LINGER_MS;
    this.now = options.now ?? Date.now;
  }

  // --- express-pouchdb's cache protocol -------------------------------------

  get(name: string): PouchDatabase | undefined {
    const db = this.open.get(name);
    if (db) this.touch(name, db);
    return db;
  }

  set(name: string, db: PouchDatabase): this {
    // Concurrent requests and feeds share one instance; each adds a listener while it runs.
    (db as unknown as NodeJS.EventEmitter).setMaxListeners(0);
    reportDeletedLikeCouchDB(db);
    cacheSecurityObject(db);
    this.reserved.delete(name);
    if (!this.open.has(name)) this.opens += 1;
    this.open.set(name, db);
    this.noteCount();
    return this;
  }

  delete(name: string): boolean {
    return this.open.delete(name);
  }

  // --- pinning ---------------------------------------------------------------

  /**
   * Keeps `name` from being closed until the returned release function is
   * called, and makes room for it if it is not open yet.
   */
  async pin(name: string, options: PinOptions = {}): Promise<() => void> {
    this.pins.set(name, (this.pins.get(name) ?? 0) + 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      if (options.live) this.lingerUntil.set(name, this.now() + this.liveLingerMs);
      this.unpin(name);
    };
    try {
      await this.closing.get(name); // never reopen a database while its files are being closed
      if (!this.open.has(name) && !this.reserved.has(name)) {
        this.reserved.add(name);
        await this.makeRoom();
      }
    } catch (err) {
      release();
      throw err;
    }
    return release;
  }

  /** Pins `name` and hands out its (possibly newly opened) instance. */
  async acquire(name: string, options: PinOptions = {}): Promise<{ db: PouchDatabase; release: () => void }> {
    const release = await this.pin(name, options);
    let db = this.get(name);
    if (!db) {
      db = this.openDatabase(name);
      this.set(name, db);
    }
    return { db, release };
  }

  /**
   * Takes `name` out of the pool for destruction: the caller gets an instance
   * (the open one, or a new one) that the pool no longer tracks.
   */
  async detachForDestroy(name: string): Promise<PouchDatabase> {
    await this.closing.get(name);
    const db = this.open.get(name) ?? this.openDatabase(name);
    this.open.delete(name);
    this.reserved.delete(name);
    this.lingerUntil.delete(name);
    return db;
  }

  stats(): PoolStats {
    return {
      open: this.open.size + this.closing.size,
      maxOpenSeen: this.maxOpenSeen,
      pinned: this.pins.size,
      lingering: [...this.lingerUntil.values()].filter((until) => until > this.now()).length,
      opens: this.opens,
    };
  }

  async closeAll(): Promise<void> {
    const names = [...this.open.keys()];
    for (const name of names) this.startClose(name);
    await Promise.all([...this.closing.values()]);
  }

  // --- internals -------------------------------------------------------------

  private unpin(name: string): void {
    const count = (this.pins.get(name) ?? 1) - 1;
    if (count > 0) {
      this.pins.set(name, count);
      return;
    }
    this.pins.delete(name);
    this.reserved.delete(name);
    // A database may have been opened past the bound while everything was busy.
    if (this.open.size > this.maxOpen) void this.makeRoom();
  }

  private touch(name: string, db: PouchDatabase): void {
    this.open.delete(name);
    this.open.set(name, db);
  }

  /** Pinned, or released by a live feed less than the linger time ago. */
  private inUse(name: string, now: number): boolean {
    if (this.pins.has(name)) return true;
    const until = this.lingerUntil.get(name);
    if (until === undefined) return false;
    if (until > now) return true;
    this.lingerUntil.delete(name);
    return false;
  }

  private async makeRoom(): Promise<void> {
    let excess = this.open.size + this.reserved.size - this.maxOpen;
    const now = this.now();
    for (const name of this.open.keys()) {
      if (excess <= 0) break;
      if (this.inUse(name, now)) continue;
      this.startClose(name);
      excess -= 1;
    }
    // Wait for every close under way, so the handles are really given back.
    await Promise.all([...this.closing.values()]);
  }

  private startClose(name: string): void {
    const db = this.open.get(name);
    if (!db) return;
    this.open.delete(name);
    this.lingerUntil.delete(name);
    const done = db
      .close()
      .catch((err: unknown) => this.onCloseError(name, err))
      .finally(() => {
        this.closing.delete(name);
      });
    this.closing.set(name, done);
    this.noteCount();
  }

  private noteCount(): void {
    this.maxOpenSeen = Math.max(this.maxOpenSeen, this.open.size + this.closing.size);
  }
}
