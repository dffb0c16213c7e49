import type { AnalysisDoc, ProgressDoc, Session } from '@m2m/analysis-core';
import { combineLatest, map, type Observable, type Subscription } from 'rxjs';
import type { RxDocument } from 'rxdb';
import type { AnalysisRunner } from './analysis/analysisApi.js';
import type { TokenKeeper } from './auth/tokenKeeper.js';
import { openUserDatabase, type UserDatabase } from './database/openDatabases.js';
import { buildRecordedSession } from './recording/buildRecordedSession.js';
import { DeviceResults } from './results/deviceResults.js';
import { MismatchLog } from './results/mismatchLog.js';
import { replicationFetch } from './sync/replicationFetch.js';
import { startReplications, type Replications } from './sync/replications.js';
import type { SyncStatusTracker } from './sync/syncStatusTracker.js';
import { UploadLedger } from './sync/uploadLedger.js';
import type { Mismatch, RecordInput, SessionConflict, SessionEntry, Sourced } from './types.js';
import { ConflictKeeper } from './sync/conflictKeeper.js';

export interface SignedInOptions {
  name: string;
  serverUrl: string;
  storage: UserDatabase['db']['storage'];
  fetch: typeof fetch;
  retryTimeMs: number;
  keeper: TokenKeeper;
  runner: AnalysisRunner;
  status: SyncStatusTracker;
}

/** Everything that exists while a user is signed in: their database, replication and results. */
export class SignedIn {
  private replications: Replications | null = null;
  private fetcher: ReturnType<typeof replicationFetch>;
  private readonly subscriptions: Subscription[] = [];

  private constructor(
    private readonly options: SignedInOptions,
    private readonly userDb: UserDatabase,
    private readonly ledger: UploadLedger,
    private readonly mismatches: MismatchLog,
    private readonly results: DeviceResults,
    private readonly conflicts: ConflictKeeper,
  ) {
    const { status } = options;
    this.fetcher = replicationFetch(options.fetch, options.keeper, {
      reached: () => status.reached(),
      synced: () => status.synced(),
      failed: (err) => status.failed(err),
      uploaded: (ids) => void ledger.markUploaded(ids),
      rejected: (id, reason) => {
        void ledger.markRejected(id, reason);
        status.problem({ kind: 'rejected', sessionId: id, message: `the server refused session ${id}: ${reason}` });
      },
    });
  }

  static async open(options: SignedInOptions): Promise<SignedIn> {
    const { userId } = options.keeper.current;
    const conflicts = new ConflictKeeper();
    const userDb = await openUserDatabase(options.name, userId, options.storage, conflicts.handler);
    try {
      const ledger = await UploadLedger.open(userDb.db);
      const mismatches = await MismatchLog.open(userDb.db);
      const results = new DeviceResults(userDb.db, userDb.sessions, userDb.results, options.runner, mismatches, (err) =>
        options.status.problem({ kind: 'gateway', message: `on-device analysis failed: ${err instanceof Error ? err.message : String(err)}` }),
      );
      const signedIn = new SignedIn(options, userDb, ledger, mismatches, results, conflicts);
      await conflicts.attach(userDb.db, (sessionId) => {
        void results.drop(sessionId);
        options.status.problem({ kind: 'conflict', sessionId, message: `session ${sessionId} was changed on another device; that version was kept and this device's is saved aside` });
      });
      await results.start();
      signedIn.watchPending();
      signedIn.startSync();
      return signedIn;
    } catch (err) {
      await userDb.db.close();
      throw err;
    }
  }

  private watchPending(): void {
    const { sessions } = this.userDb;
    this.subscriptions.push(
      combineLatest([sessions.find().$, this.ledger.changed$]).subscribe(([docs]) => {
        this.options.status.pending(docs.filter((d) => !this.ledger.isUploaded(d.primary) && this.ledger.rejectionOf(d.primary) === undefined).length);
      }),
    );
  }

  private startSync(): void {
    this.replications = startReplications({
      serverUrl: this.options.serverUrl,
      userId: this.options.keeper.current.userId,
      sessions: this.userDb.sessions,
      results: this.userDb.results,
      fetch: this.fetcher.fetch,
      retryTimeMs: this.options.retryTimeMs,
      isRefused: (id) => this.ledger.rejectionOf(id) !== undefined,
      pulledSessions: (ids) => void this.ledger.markUploaded(ids),
    });
  }

  private async stopSync(): Promise<void> {
    const replications = this.replications;
    this.replications = null;
    if (!replications) return;
    const cancelled = replications.cancel();
    // A cancelled replication leaves its live longpoll waiting for the server: end it.
    this.fetcher.abortAll();
    await cancelled;
  }

  async recordSession(input: RecordInput): Promise<Session> {
    const session = buildRecordedSession(input);
    await this.userDb.sessions.insert(session);
    this.results.analyseInBackground(session);
    return session;
  }

  sessions$(): Observable<SessionEntry[]> {
    return combineLatest([this.userDb.sessions.find({ sort: [{ id: 'desc' }] }).$, this.ledger.changed$]).pipe(
      map(([docs]) => docs.map((doc: RxDocument) => this.entry(doc))),
    );
  }

  private entry(doc: RxDocument): SessionEntry {
    const session = doc.toJSON() as unknown as Session;
    const reason = this.ledger.rejectionOf(doc.primary);
    if (reason !== undefined) return { session, upload: 'rejected', rejectedReason: reason };
    return { session, upload: this.ledger.isUploaded(doc.primary) ? 'uploaded' : 'pending' };
  }

  analysis$(sessionId: string): Observable<Sourced<AnalysisDoc> | null> {
    return this.results.analysis$(sessionId);
  }

  progress$(): Observable<Sourced<ProgressDoc> | null> {
    return this.results.progress$();
  }

  mismatches$(): Observable<Mismatch[]> {
    return this.mismatches.items$;
  }

  conflicts$(): Observable<SessionConflict[]> {
    return this.conflicts.conflicts$;
  }

  /** Restarts replication now (from its checkpoints) and waits for one full round or its first error. */
  async syncNow(): Promise<void> {
    await this.stopSync();
    this.startSync();
    await this.replications?.awaitInSync();
  }

  /** Stops everything and closes the user's database; `remove` also deletes it from the device. */
  async close({ remove = false } = {}): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    await this.stopSync();
    await this.results.stop();
    await this.ledger.flush();
    if (remove) await this.userDb.db.remove();
    else await this.userDb.db.close();
  }
}
