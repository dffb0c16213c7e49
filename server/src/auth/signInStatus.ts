import type { Clock } from './clock.js';

/** How long a sign-in seen live is trusted without asking the store again. */
export const SIGN_IN_CHECK_TTL_MS = 5_000;

/**
 * Whether a sign-in (refresh token family) still holds, for every request
 * with an access token. A live answer is kept `ttlMs`, so the hot path costs
 * one store read per sign-in per `ttlMs`; an ended one is kept for good (a
 * sign-in never comes back). Logout and reuse detection in this process mark
 * the sign-in ended at once; another gateway process learns it from the
 * store within `ttlMs`.
 */
export class SignInStatus {
  private readonly seen = new Map<string, { live: boolean; at: number }>();

  constructor(
    private readonly lookup: (userId: string, signInId: string) => Promise<boolean>,
    private readonly clock: Clock,
    private readonly ttlMs = SIGN_IN_CHECK_TTL_MS,
    private readonly maxEntries = 10_000,
  ) {}

  async isLive(userId: string, signInId: string): Promise<boolean> {
    const key = `${userId}:${signInId}`;
    const now = this.clock();
    const known = this.seen.get(key);
    if (known && (!known.live || now - known.at < this.ttlMs)) return known.live;
    const live = await this.lookup(userId, signInId);
    // An end marked while the store was read stays ended.
    if (this.seen.get(key)?.live !== false) this.remember(key, live, now);
    return live;
  }

  markEnded(userId: string, signInId: string): void {
    this.remember(`${userId}:${signInId}`, false, this.clock());
  }

  private remember(key: string, live: boolean, at: number): void {
    this.seen.delete(key);
    // Oldest first in insertion order: drop from the front when full.
    for (const old of this.seen.keys()) {
      if (this.seen.size < this.maxEntries) break;
      this.seen.delete(old);
    }
    this.seen.set(key, { live, at });
  }
}
