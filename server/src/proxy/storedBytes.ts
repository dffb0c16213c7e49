import { type StreamingClient } from '@m2m/couch';

/** How long a database's size read from the store is trusted before it is read again. */
export const STORED_BYTES_TTL_MS = 30_000;

interface Reading {
  bytes: number;
  readAt: number;
}

/**
 * A database's stored bytes, as the store reports them in its database
 * info (`sizes.active` and `sizes.external`, CouchDB 3; the larger counts),
 * read at most once per TTL per database and raised by what the gateway
 * itself wrote since, so a burst of writes is counted before the store's
 * next answer. A store that reports no sizes counts as empty.
 *
 * An older reading still answers at once while a fresh one is read behind
 * it: the quota's bound is the same (the reading plus what this gateway
 * wrote, other gateways' writes counted at the next reading), and no write
 * waits for the store's database info on its way. Only a database never read
 * waits; the sync proxy reads it ahead (`prefetch`) as soon as the user's
 * device opens its sessions feed, before the first session comes.
 */
export class StoredBytes {
  private readonly readings = new Map<string, Reading>();
  private readonly pending = new Map<string, Promise<number>>();
  /** Bytes written while a reading was under way: the store's answer may predate them, so they count on top. */
  private readonly addedWhileReading = new Map<string, number>();

  constructor(
    private readonly client: StreamingClient,
    private readonly silenceMs: number,
    private readonly ttlMs = STORED_BYTES_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Bytes stored in `database` (its name in the store). */
  async of(database: string): Promise<number> {
    const reading = this.readings.get(database);
    if (reading && this.now() - reading.readAt < this.ttlMs) return reading.bytes;
    const read = this.readOnce(database);
    if (!reading) return read;
    // A failed refresh leaves the older reading; the next call tries again.
    read.catch(() => undefined);
    return reading.bytes;
  }

  /** Reads `database`'s size now unless a reading is at hand or under way. */
  prefetch(database: string): void {
    if (this.readings.has(database) || this.pending.has(database)) return;
    this.readOnce(database).catch(() => undefined);
  }

  private readOnce(database: string): Promise<number> {
    let read = this.pending.get(database);
    if (!read) {
      this.addedWhileReading.set(database, 0);
      read = this.read(database).finally(() => {
        this.pending.delete(database);
        this.addedWhileReading.delete(database);
      });
      this.pending.set(database, read);
    }
    return read;
  }

  /** Counts `bytes` the gateway just wrote into `database`. */
  add(database: string, bytes: number): void {
    const reading = this.readings.get(database);
    if (reading) reading.bytes += bytes;
    const during = this.addedWhileReading.get(database);
    if (during !== undefined) this.addedWhileReading.set(database, during + bytes);
  }

  private async read(database: string): Promise<number> {
    const answer = await this.client.json({ method: 'GET', path: `/${encodeURIComponent(database)}`, silenceMs: this.silenceMs, idempotent: true });
    const sizes = (answer.body as { sizes?: { active?: unknown; external?: unknown } } | undefined)?.sizes;
    const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
    const bytes = (answer.status < 300 ? Math.max(count(sizes?.active), count(sizes?.external)) : 0) + (this.addedWhileReading.get(database) ?? 0);
    // Forget the oldest reading first: the map keeps insertion order.
    this.readings.delete(database);
    this.readings.set(database, { bytes, readAt: this.now() });
    if (this.readings.size > 100_000) this.readings.delete(this.readings.keys().next().value as string);
    return bytes;
  }
}
