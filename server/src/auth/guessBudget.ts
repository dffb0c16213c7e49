import type { Clock } from './clock.js';
import type { RateDecision } from './rateLimiter.js';

/**
 * Password guesses per key over a sliding window: at most `limit` in any
 * `windowMs`, never twice that across a fixed window's edge. A guess is taken
 * before the password is checked (so concurrent guesses cannot overshoot) and
 * given back when the password was right, so only failures count.
 * At most `maxKeys` keys are kept; the least recently started go first.
 */
export class GuessBudget {
  private readonly taken = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string): RateDecision {
    const now = this.clock();
    const times = (this.taken.get(key) ?? []).filter((at) => now - at < this.windowMs);
    if (times.length >= this.limit) {
      this.taken.set(key, times);
      const oldest = times[0] ?? now;
      return { allowed: false, retryAfterS: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
    }
    times.push(now);
    this.taken.delete(key);
    this.makeRoom();
    this.taken.set(key, times);
    return { allowed: true };
  }

  /** Gives back the newest guess of `key` (the password was right). */
  giveBack(key: string): void {
    const times = this.taken.get(key);
    times?.pop();
    if (times?.length === 0) this.taken.delete(key);
  }

  get size(): number {
    return this.taken.size;
  }

  private makeRoom(): void {
    for (const key of this.taken.keys()) {
      if (this.taken.size < this.maxKeys) break;
      this.taken.delete(key);
    }
  }
}
