import type { StorageLeft } from './bulkDocs.js';
import type { StoredBytes } from './storedBytes.js';

/** Bytes a write took from a user's quota, held until the store has answered it. */
export interface StorageReservation<T> {
  /** What the planning step returned. */
  value: T;
  /** The store answered (or the request ended): the bytes move from "in flight" to the stored count. */
  settle(): void;
}

/**
 * The stored-bytes quota of each user database, checked and taken in one
 * step: the writes of one database are planned one after another, each
 * seeing what is stored plus what earlier writes still have in flight, so
 * concurrent batches of one user cannot together pass a quota that each
 * passes alone. The bytes stay reserved until the store answered, and only
 * then count as stored, so a reading of the store's size taken meanwhile
 * does not lose them. Within one gateway process only: processes do not
 * share reservations.
 */
export class StorageReservations {
  private readonly inFlight = new Map<string, number>();
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly stored: StoredBytes,
    private readonly quotaBytes: number,
  ) {}

  /**
   * Runs `plan` with what `database` may still take, alone among this
   * database's writes; what `plan` takes from `bytesLeft` is reserved until
   * `settle`. A `plan` that throws reserves nothing.
   */
  reserve<T>(database: string, plan: (left: StorageLeft) => T | Promise<T>): Promise<StorageReservation<T>> {
    const run = async (): Promise<StorageReservation<T>> => {
      const used = (await this.stored.of(database)) + (this.inFlight.get(database) ?? 0);
      const left: StorageLeft = { bytesLeft: Math.max(0, this.quotaBytes - used), refusal: this.refusal(used) };
      const before = left.bytesLeft;
      const value = await plan(left);
      const taken = Math.max(0, before - left.bytesLeft);
      this.shift(database, taken);
      let settled = false;
      return {
        value,
        settle: () => {
          if (settled) return;
          settled = true;
          this.shift(database, -taken);
          this.stored.add(database, taken);
        },
      };
    };
    const result = (this.tails.get(database) ?? Promise.resolve()).then(run);
    const tail = result.catch(() => undefined);
    this.tails.set(database, tail);
    void tail.then(() => {
      if (this.tails.get(database) === tail) this.tails.delete(database);
    });
    return result;
  }

  /** Reads `database`'s stored size ahead, so that its first write need not wait for it. */
  prefetch(database: string): void {
    this.stored.prefetch(database);
  }

  /** The quota's refusal, naming it and what is stored (in flight included). */
  refusal(used: number): string {
    return `over the quota of ${this.quotaBytes} stored bytes per user (${used} stored); delete sessions to make room`;
  }

  private shift(database: string, bytes: number): void {
    const now = (this.inFlight.get(database) ?? 0) + bytes;
    if (now > 0) this.inFlight.set(database, now);
    else this.inFlight.delete(database);
  }
}
