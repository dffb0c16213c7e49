import { BehaviorSubject, type Observable } from 'rxjs';
import type { RxDatabase } from 'rxdb';

interface LedgerDoc {
  uploaded: string[];
  rejected: Record<string, string>;
}

const DOC_ID = 'upload-ledger';

/**
 * Which sessions the server has (it stored them, or they came from it) and
 * which it refused, with its reason. Kept in a local document, never
 * replicated, so the pending count survives a restart. Changes made while a
 * write is under way go out together in the next one.
 */
export class UploadLedger {
  private readonly uploaded: Set<string>;
  private readonly rejected: Map<string, string>;
  private readonly changes = new BehaviorSubject<number>(0);
  private writing: Promise<void> | null = null;
  private dirty = false;

  private constructor(
    private readonly db: RxDatabase,
    doc: LedgerDoc,
    private readonly onError: (err: unknown) => void,
  ) {
    this.uploaded = new Set(doc.uploaded);
    this.rejected = new Map(Object.entries(doc.rejected));
  }

  static async open(db: RxDatabase, onError: (err: unknown) => void): Promise<UploadLedger> {
    const doc = await db.getLocal<LedgerDoc>(DOC_ID);
    return new UploadLedger(db, (doc?.toJSON().data as LedgerDoc | undefined) ?? { uploaded: [], rejected: {} }, onError);
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

  markUploaded(ids: readonly string[]): void {
    const fresh = ids.filter((id) => !this.uploaded.has(id) || this.rejected.has(id));
    if (fresh.length === 0) return;
    for (const id of fresh) {
      this.uploaded.add(id);
      this.rejected.delete(id);
    }
    this.changed();
  }

  markRejected(id: string, reason: string): void {
    if (this.uploaded.has(id) || this.rejected.get(id) === reason) return;
    this.rejected.set(id, reason);
    this.changed();
  }

  /** Sessions deleted on the device: their entries go, so the ledger does not grow for ever. */
  forget(ids: readonly string[]): void {
    let removed = false;
    for (const id of ids) removed = this.uploaded.delete(id) || this.rejected.delete(id) || removed;
    if (removed) this.changed();
  }

  /**
   * Drops sessions no longer on the device. Only before replication starts: a
   * pulled session is marked before RxDB writes it, so a later pass could drop
   * its mark and show it pending for ever.
   */
  retainOnly(existing: ReadonlySet<string>): void {
    let removed = false;
    for (const id of this.uploaded) if (!existing.has(id)) removed = this.uploaded.delete(id) || removed;
    for (const id of this.rejected.keys()) if (!existing.has(id)) removed = this.rejected.delete(id) || removed;
    if (removed) this.changed();
  }

  private changed(): void {
    this.changes.next(this.changes.value + 1);
    this.dirty = true;
    this.writing ??= this.writeWhileDirty();
  }

  private async writeWhileDirty(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        await this.db.upsertLocal<LedgerDoc>(DOC_ID, { uploaded: [...this.uploaded], rejected: Object.fromEntries(this.rejected) });
      }
    } catch (err) {
      this.onError(err);
    } finally {
      this.writing = null;
    }
  }

  /** Waits until what is known is written. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }
}
