import type { Logger } from 'pino';
import { isStoreStatus, type StoreClient } from '@m2m/couch';

/**
 * At most one hint per user per this long from one gateway. Below the
 * worker's WORKER_LIVE_FEED_IDLE_MS (5 minutes by default), so a user who
 * keeps syncing stays followed.
 */
export const ACTIVITY_HINT_INTERVAL_MS = 60_000;

/** Users remembered (the least recently hinted forgotten first): bounds the memory, not the correctness. */
const MAX_REMEMBERED = 100_000;

interface Hinted {
  at: number;
  rev: string | undefined;
}

/**
 * Tells the sync worker that a user is syncing now, before their next
 * session is written: one document per user (id = user id) in the activity
 * database, whose `_changes` the worker follows with one long poll. CouchDB
 * announces a new session only through `_db_updates`, in batches (500 ms by
 * default), so without the hint the first session after a sign-in or an idle
 * spell waits for that batch; with it the worker is already following the
 * user's sessions database when the session arrives. Only a hint: a failed
 * write is logged and forgotten (`_db_updates` stays the safety net), and it
 * never delays the user's request.
 */
export class ActivityHints {
  private readonly hinted = new Map<string, Hinted>();

  constructor(
    private readonly store: Pick<StoreClient, 'request'>,
    private readonly db: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly intervalMs = ACTIVITY_HINT_INTERVAL_MS,
  ) {}

  /** The user is syncing their sessions: hint the worker unless this gateway did within the interval. */
  seen(userId: string): void {
    const now = this.now();
    const last = this.hinted.get(userId);
    if (last && now - last.at < this.intervalMs) return;
    const entry: Hinted = { at: now, rev: last?.rev };
    // Map order is recency order: the oldest entry goes first.
    this.hinted.delete(userId);
    this.hinted.set(userId, entry);
    if (this.hinted.size > MAX_REMEMBERED) this.hinted.delete(this.hinted.keys().next().value as string);
    void this.write(userId, entry).catch((err: unknown) => this.logger.debug({ err: String(err) }, 'writing an activity hint failed'));
  }

  private async write(userId: string, entry: Hinted): Promise<void> {
    const body = { at: new Date(entry.at).toISOString() };
    for (let attempt = 0; ; attempt++) {
      try {
        const saved = await this.store.request<{ rev: string }>({
          db: this.db,
          path: encodeURIComponent(userId),
          method: 'PUT',
          body: entry.rev ? { ...body, _rev: entry.rev } : body,
        });
        entry.rev = saved.rev;
        return;
      } catch (err) {
        // Another gateway (or a restart) wrote it since: take its revision once and write again.
        if (!isStoreStatus(err, 409) || attempt > 0) throw err;
        const current = await this.store.request<{ _rev: string }>({ db: this.db, path: encodeURIComponent(userId), method: 'GET' });
        entry.rev = current._rev;
      }
    }
  }
}
