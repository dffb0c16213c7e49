import { BehaviorSubject, type Observable } from 'rxjs';
import type { RxDatabase } from 'rxdb';
import type { Mismatch } from '../types.js';

const DOC_ID = 'analysis-mismatches';
/** The newest ones are kept: a device that disagrees with the server does so for every session. */
const MAX_KEPT = 100;

/** Sessions whose server analysis differed from the device's at the same analysis version. */
export class MismatchLog {
  private readonly subject: BehaviorSubject<Mismatch[]>;

  private constructor(
    private readonly db: RxDatabase,
    items: Mismatch[],
  ) {
    this.subject = new BehaviorSubject(items);
  }

  static async open(db: RxDatabase): Promise<MismatchLog> {
    const doc = await db.getLocal<{ items: Mismatch[] }>(DOC_ID);
    return new MismatchLog(db, (doc?.toJSON().data as { items: Mismatch[] } | undefined)?.items ?? []);
  }

  get items$(): Observable<Mismatch[]> {
    return this.subject.asObservable();
  }

  async record(mismatch: Mismatch): Promise<void> {
    const items = [...this.subject.value.filter((m) => m.sessionId !== mismatch.sessionId), mismatch].slice(-MAX_KEPT);
    this.subject.next(items);
    await this.db.upsertLocal(DOC_ID, { items });
  }
}
