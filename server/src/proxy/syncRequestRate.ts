import { performance } from 'node:perf_hooks';
import { HttpError } from '../http/errors.js';

interface Bucket {
  tokens: number;
  at: number;
}

/** Users tracked at once; a full bucket carries no information, so those go first when the map is full. */
const MAX_TRACKED_USERS = 100_000;

/**
 * `/sync` requests per user per second, as a token bucket: `burst` requests
 * at once, refilled at `perSecond`. Over it, a 429 with `Retry-After` (whole
 * seconds until a token is back), which RxDB and PouchDB wait out and retry.
 */
export class SyncRequestRate {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one request from `userId`'s bucket, or throws 429 naming the quota. */
  take(userId: string): void {
    const now = this.now();
    const bucket = this.buckets.get(userId) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(userId, bucket);
      const waitS = Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
      throw new HttpError(
        'sync_rate_exceeded',
        `over the quota of ${this.perSecond} /sync requests per second (bursts of ${this.burst}) per user; retry after ${waitS} s`,
        { headers: { 'Retry-After': String(waitS) } },
      );
    }
    bucket.tokens -= 1;
    this.buckets.delete(userId); // re-inserted last: the map stays in order of last use
    this.buckets.set(userId, bucket);
    if (this.buckets.size > MAX_TRACKED_USERS) this.forgetOldest();
  }

  private forgetOldest(): void {
    for (const userId of this.buckets.keys()) {
      this.buckets.delete(userId);
      if (this.buckets.size <= MAX_TRACKED_USERS) return;
    }
  }
}
