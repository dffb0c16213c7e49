import { BehaviorSubject, type Observable } from 'rxjs';
import { defaultConflictHandler, type RxConflictHandler, type RxDatabase } from 'rxdb';
import type { SessionConflict } from '../types.js';

const DOC_ID = 'session-conflicts';
/** The newest ones are kept; each holds a whole session. */
const MAX_KEPT = 20;

/**
 * The sessions collection's conflict rule: the version the server holds wins
 * (the first to reach it; it is what other devices and the analysis see), and
 * this device's losing version is kept in a local document and reported,
 * never dropped silently. Sessions are append-only in practice, so this
 * happens only when a session with the same id reached the server from
 * elsewhere first.
 */
export class ConflictKeeper {
  private db: RxDatabase | null = null;
  private onConflict: (sessionId: string) => void = () => undefined;
  private readonly subject = new BehaviorSubject<SessionConflict[]>([]);

  readonly handler: RxConflictHandler<unknown> = {
    isEqual: (a, b, context) => defaultConflictHandler.isEqual(a, b, context),
    resolve: async (input) => {
      const local = stripMeta(input.newDocumentState);
      const kept = stripMeta(input.realMasterState);
      // RxDB also asks when a push reached the server but its answer was lost: the same content is no conflict.
      if (defaultConflictHandler.isEqual(local as never, kept as never, 'm2m-resolve')) return input.realMasterState;
      const sessionId = String(local['id']);
      const conflict: SessionConflict = { sessionId, kept, setAside: local, at: new Date().toISOString() };
      const items = [...this.subject.value.filter((c) => c.sessionId !== sessionId), conflict].slice(-MAX_KEPT);
      this.subject.next(items);
      await this.db?.upsertLocal(DOC_ID, { items });
      this.onConflict(sessionId);
      return input.realMasterState;
    },
  };

  async attach(db: RxDatabase, onConflict: (sessionId: string) => void): Promise<void> {
    this.db = db;
    this.onConflict = onConflict;
    const doc = await db.getLocal<{ items: SessionConflict[] }>(DOC_ID);
    this.subject.next((doc?.toJSON().data as { items: SessionConflict[] } | undefined)?.items ?? []);
  }

  get conflicts$(): Observable<SessionConflict[]> {
    return this.subject.asObservable();
  }
}

/** The document's content: RxDB's and CouchDB's `_` fields dropped, `_deleted` kept when set. */
function stripMeta(doc: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (!key.startsWith('_') || (key === '_deleted' && value === true)) out[key] = value;
  }
  return out;
}
