import type { Clock } from './clock.js';

/**
 * Remembers for a few seconds that an account exists, so that each
 * authenticated request does not cost a store read. Deletion in this process
 * forgets at once; another gateway process notices within `ttlMs`.
 */
export class AccountExistenceCache {
  private readonly confirmedAt = new Map<string, number>();

  constructor(
    private readonly lookup: (userId: string) => Promise<boolean>,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 10_000,
  ) {}

  async exists(userId: string): Promise<boolean> {
    const now = this.clock();
    const at = this.confirmedAt.get(userId);
    if (at !== undefined && now - at < this.ttlMs) return true;
    this.confirmedAt.delete(userId);
    const exists = await this.lookup(userId);
    if (exists) {
      // Oldest first in insertion order: drop from the front when full.
      for (const key of this.confirmedAt.keys()) {
        if (this.confirmedAt.size < this.maxEntries) break;
        this.confirmedAt.delete(key);
      }
      this.confirmedAt.set(userId, now);
    }
    return exists;
  }

  forget(userId: string): void {
    this.confirmedAt.delete(userId);
  }
}
