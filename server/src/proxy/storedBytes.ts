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
 * itself wrote since (and while the reading was under way), so a burst of
 * writes is counted before the store's next answer. A store that reports no
 * sizes counts as empty.
 */
export class StoredBytes {
  private readonly readings = new Map<string, Reading>();
  private readonly pending = new Map<string, Promise<number>>();
  /** Bytes written while a reading was under way: the store's answer may predate them. */
  private readonly addedDuringRead = new Map<string, number>();

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
    let read = this.pending.get(database);
    if (!read) {
      read = this.read(database).finally(() => this.pending.delete(database));
      this.pending.set(database, read);
    }
    return read;
  }

  /** Counts `bytes` the gateway just wrote into `database`. */
  add(database: string, bytes: number): void {
    const reading = this.readings.get(database);
    if (reading) reading.bytes += bytes;
    const during = this.addedDuringRead.get(database);
    if (during !== undefined) this.addedDuringRead.set(database, during + bytes);
  }

  private async read(database: string): Promise<number> {
    this.addedDuringRead.set(database, 0);
    let answer: Awaited<ReturnType<StreamingClient['json']>>;
    let during: number;
    try {
      answer = await this.client.json({ method: 'GET', path: `/${encodeURIComponent(database)}`, silenceMs: this.silenceMs, idempotent: true });
    } finally {
      during = this.addedDuringRead.get(database) ?? 0;
      this.addedDuringRead.delete(database);
    }
    const sizes = (answer.body as { sizes?: { active?: unknown; external?: unknown } } | undefined)?.sizes;
    const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
    // Counted twice when the store's answer already had them: an overestimate until the next reading.
    const bytes = (answer.status < 300 ? Math.max(count(sizes?.active), count(sizes?.external)) : 0) + during;
    // Forget the oldest reading first: the map keeps insertion order.
    this.readings.delete(database);
    this.readings.set(database, { bytes, readAt: this.now() });
    if (this.readings.size > 100_000) this.readings.delete(this.readings.keys().next().value as string);
    return bytes;
  }
}
