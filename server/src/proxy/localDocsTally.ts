import { forbidden } from './couchError.js';

export interface LocalDocsQuota {
  docs: number;
  bytes: number;
}

/**
 * Each user's `_local` documents (replication checkpoints) written through
 * this gateway process: their number and total bytes, against the quota.
 * A checkpoint is rewritten in place, so only a new id adds to the count.
 */
export class LocalDocsTally {
  private readonly users = new Map<string, Map<string, number>>();

  constructor(private readonly quota: LocalDocsQuota) {}

  /** Records a write of `bytes` to `_local/<id>`, or throws 403 naming the quota it would exceed. */
  write(userId: string, id: string, bytes: number): void {
    const docs = this.users.get(userId) ?? new Map<string, number>();
    const count = docs.size + (docs.has(id) ? 0 : 1);
    if (count > this.quota.docs) {
      throw forbidden(`over the quota of ${this.quota.docs} _local documents per user; delete old checkpoints first`);
    }
    let total = bytes - (docs.get(id) ?? 0);
    for (const size of docs.values()) total += size;
    if (total > this.quota.bytes) {
      throw forbidden(`over the quota of ${this.quota.bytes} bytes of _local documents per user (this write would make ${total})`);
    }
    docs.set(id, bytes);
    this.users.set(userId, docs);
  }

  /** Forgets `_local/<id>` after its deletion. */
  remove(userId: string, id: string): void {
    const docs = this.users.get(userId);
    docs?.delete(id);
    if (docs?.size === 0) this.users.delete(userId);
  }
}
