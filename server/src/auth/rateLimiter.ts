import type { Clock } from './clock.js';

export type RateDecision = { allowed: true } | { allowed: false; retryAfterS: number };

interface Window {
  startedAt: number;
  count: number;
}

/**
 * Fixed-window attempt counter per key, in memory. At most `maxKeys` windows
 * are kept; expired ones are dropped as new ones start, and when full the
 * oldest go (which forgets their counts: bounded memory comes first).
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxKeys: number;

  constructor(
    private readonly limit: number,
    windowS: number,
    private readonly clock: Clock,
    maxKeys = 10_000,
  ) {
    this.windowMs = windowS * 1000;
    this.maxKeys = maxKeys;
  }

  /** Counts one attempt for `key` and says whether it may go ahead. */
  hit(key: string): RateDecision {
    const now = this.clock();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.windowMs) {
      this.windows.delete(key);
      this.makeRoom(now);
      window = { startedAt: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= this.limit) return { allowed: true };
    return { allowed: false, retryAfterS: Math.max(1, Math.ceil((window.startedAt + this.windowMs - now) / 1000)) };
  }

  get size(): number {
    return this.windows.size;
  }

  private makeRoom(now: number): void {
    // Windows are inserted when they start, so the Map (insertion order) runs oldest first:
    // expired ones sit at the front, and when full the oldest live ones go next.
    for (const [key, window] of this.windows) {
      const expired = now - window.startedAt >= this.windowMs;
      if (!expired && this.windows.size < this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}
