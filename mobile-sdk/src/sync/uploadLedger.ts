import { BehaviorSubject, type Observable } from 'rxjs';
import type { RxDatabase } from 'rxdb';

interface LedgerDoc {
  uploaded: string[];
  rejected: Record<string, string>;
}

const DOC_ID = 'upload-ledger';

/**
 * Which sessions the server has (it accepted them, or they came from it) and
 * which it refused, with its reason. Kept in a local document, never
 * replicated, so the pending count survives a restart.
 */
export class UploadLedger {
  private readonly uploaded: Set<string>;
  private readonly rejected: Map<string, string>;
  private readonly changes = new BehaviorSubject<number>(0);
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: RxDatabase,
    doc: LedgerDoc,
  ) {
    this.uploaded = new Set(doc.uploaded);
    this.rejected = new Map(Object.entries(doc.rejected));
  }

  static async open(db: RxDatabase): Promise<UploadLedger> {
    const doc = await db.getLocal<LedgerDoc>(DOC_ID);
    return new UploadLedger(db, (doc?.toJSON().data as LedgerDoc | undefined) ?? { uploaded: [], rejected: {} });
  }

  /** Emits after every change. */
  get changed$(): Observable<number> {
    return this.changes.asObservable();
  }

  isUploaded(id: string): boolean {
    return this.uploaded.has(id);
  }

  rejectionOf(id: string): string | undefined {
    return this.rejected.get(id);
  }

  markUploaded(ids: readonly string[]): Promise<void> {
    const fresh = ids.filter((id) => !this.uploaded.has(id) || this.rejected.has(id));
    if (fresh.length === 0) return Promise.resolve();
    for (const id of fresh) {
      this.uploaded.add(id);
      this.rejected.delete(id);
    }
    return this.persist();
  }

  markRejected(id: string, reason: string): Promise<void> {
    if (this.uploaded.has(id) || this.rejected.get(id) === reason) return Promise.resolve();
    this.rejected.set(id, reason);
    return this.persist();
  }

  /** Writes one after another, each with the state at its turn. */
  private persist(): Promise<void> {
    this.changes.next(this.changes.value + 1);
    const write = this.writes.then(() =>
      this.db.upsertLocal<LedgerDoc>(DOC_ID, { uploaded: [...this.uploaded], rejected: Object.fromEntries(this.rejected) }),
    );
    this.writes = write.catch(() => undefined);
    return write.then(() => undefined);
  }

  /** Waits for the writes under way. */
  async flush(): Promise<void> {
    await this.writes;
  }
}
