import { CouchError } from './couchError.js';

export interface LocalDocsQuota {
  docs: number;
  bytes: number;
}

/** A user's `_local` documents as last read from the store: bytes by id. */
export type LocalDocsReader = (userId: string, atMost: number) => Promise<Map<string, number>>;

/** How long a user's `_local` documents read from the store are trusted before they are read again. */
export const LOCAL_DOCS_TTL_MS = 60_000;
/** Users whose reading is kept; the oldest is forgotten first (and read again when next needed). */
const MAX_USERS_KEPT = 10_000;

interface Reading {
  docs: Map<string, number>;
  readAt: number;
}

/**
 * Each user's `_local` documents (replication checkpoints), their number and
 * total bytes, against the quota. Counted from the store (CouchDB's
 * `_local_docs`), so a restart or another gateway process does not reset
 * them: read when a user first writes one, again once the reading is older
 * than the TTL, and kept up to date with this process's own writes in
 * between. A reading lists at most one document over the quota, so its cost
 * is bounded by the quota. A checkpoint is rewritten in place, so only a new
 * id adds to the count.
 */
export class LocalDocsTally {
  private readonly readings = new Map<string, Reading>();
  private readonly pending = new Map<string, Promise<Reading>>();

  constructor(
    private readonly quota: LocalDocsQuota,
    private readonly read: LocalDocsReader,
    private readonly ttlMs = LOCAL_DOCS_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a write of `bytes` to `_local/<id>` (id: database and document), or throws 403 naming the quota it would exceed. */
  async write(userId: string, id: string, bytes: number): Promise<void> {
    const { docs } = await this.readingOf(userId);
    const count = docs.size + (docs.has(id) ? 0 : 1);
    if (count > this.quota.docs) {
      throw new CouchError('quota_local_docs', `over the quota of ${this.quota.docs} _local documents per user; delete old checkpoints first`);
    }
    let total = bytes - (docs.get(id) ?? 0);
    for (const size of docs.values()) total += size;
    if (total > this.quota.bytes) {
      throw new CouchError('quota_local_bytes', `over the quota of ${this.quota.bytes} bytes of _local documents per user (this write would make ${total})`);
    }
    docs.set(id, bytes);
  }

  /** Forgets `_local/<id>` after its deletion. */
  remove(userId: string, id: string): void {
    this.readings.get(userId)?.docs.delete(id);
  }

  private async readingOf(userId: string): Promise<Reading> {
    const reading = this.readings.get(userId);
    if (reading && this.now() - reading.readAt < this.ttlMs) return reading;
    let pending = this.pending.get(userId);
    if (!pending) {
      pending = this.load(userId).finally(() => this.pending.delete(userId));
      this.pending.set(userId, pending);
    }
    return pending;
  }

  private async load(userId: string): Promise<Reading> {
    const reading = { docs: await this.read(userId, this.quota.docs + 1), readAt: this.now() };
    // The map keeps insertion order: re-inserting makes this user the newest.
    this.readings.delete(userId);
    this.readings.set(userId, reading);
    if (this.readings.size > MAX_USERS_KEPT) this.readings.delete(this.readings.keys().next().value as string);
    return reading;
  }
}
