import type { Response } from 'express';
import { HttpError } from '../http/errors.js';

/**
 * Longpolls a user may hold open at once. A device holds two (sessions and
 * progress); this leaves room for several devices and a reconnect overlap,
 * and keeps one token from pinning thousands of sockets and store feeds.
 */
export const MAX_OPEN_FEEDS_PER_USER = 10;

/** Counts each user's open longpolls; a slot is freed when the response closes. */
export class FeedQuota {
  private readonly open = new Map<string, number>();

  constructor(private readonly limit = MAX_OPEN_FEEDS_PER_USER) {}

  /** Takes a slot for `userId` until `res` closes, or throws 429. */
  take(userId: string, res: Response): void {
    const count = this.open.get(userId) ?? 0;
    if (count >= this.limit) {
      throw new HttpError('too_many_feeds', `at most ${this.limit} open _changes feeds per user`, { headers: { 'Retry-After': '5' } });
    }
    this.open.set(userId, count + 1);
    res.once('close', () => {
      const left = (this.open.get(userId) ?? 1) - 1;
      if (left <= 0) this.open.delete(userId);
      else this.open.set(userId, left);
    });
  }
}
