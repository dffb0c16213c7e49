import type { AnalysisDoc, ProgressDoc, Session } from '@m2m/analysis-core';
import { combineLatest, map, type Observable, type Subscription } from 'rxjs';
import type { RxDocument } from 'rxdb';
import type { AnalysisRunner } from './analysis/analysisApi.js';
import type { TokenKeeper } from './auth/tokenKeeper.js';
import { openUserDatabase, type UserDatabase } from './database/openDatabases.js';
import { buildRecordedSession } from './recording/buildRecordedSession.js';
import { DeviceResults } from './results/deviceResults.js';
import { MismatchLog } from './results/mismatchLog.js';
import { ConflictKeeper } from './sync/conflictKeeper.js';
import { NewSessions } from './sync/newSessions.js';
import { replicationFetch, type ReplicationObserver } from './sync/replicationFetch.js';
import { startReplications, type Replications } from './sync/replications.js';
import type { SyncStatusTracker } from './sync/syncStatusTracker.js';
import { UploadLedger } from './sync/uploadLedger.js';
import type { Mismatch, RecordInput, SessionConflict, SessionEntry, Sourced } from './types.js';
import { followersOf } from './care/patientLinks.js';
import type { CareLink } from './care/careTypes.js';

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

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Replication of both databases with the fetches that serve it; stopped as one. */
interface SyncRun {
  replications: Replications;
  stopFetches(): void;
}

/** Everything that exists while a user is signed in: their database, replication and results. */
export class SignedIn {
  private run: SyncRun | null = null;
  /** syncNow and stop run one at a time: two overlapping restarts would leave a replication behind. */
  private syncQueue: Promise<unknown> = Promise.resolve();
  private readonly subscriptions: Subscription[] = [];
  /** Sessions recorded since sign-in that the server has not answered for: their push skips the conflict check (NewSessions). */
  private readonly newSessions = new NewSessions();
  private closed = false;

  private constructor(
    private readonly options: SignedInOptions,
    private readonly userDb: UserDatabase,
    private readonly ledger: UploadLedger,
    private readonly mismatches: MismatchLog,
    private readonly results: DeviceResults,
    private readonly conflicts: ConflictKeeper,
  ) {}

  static async open(options: SignedInOptions): Promise<SignedIn> {
    const { userId } = options.keeper.current;
    const { status } = options;
    const conflicts = new ConflictKeeper();
    const userDb = await openUserDatabase(options.name, userId, options.storage, conflicts.handler);
    try {
      const ledger = await UploadLedger.open(userDb.db, (err) => status.problem({ kind: 'gateway', message: `saving the upload ledger failed: ${message(err)}` }));
      const mismatches = await MismatchLog.open(userDb.db);
      const results = new DeviceResults({
        db: userDb.db,
        sessions: userDb.sessions,
        results: userDb.results,
        runner: options.runner,
        mismatches,
        // The server will never analyse a session it refused: it must not hold progress on the device's summary.
        isRefused: (id) => ledger.rejectionOf(id) !== undefined,
        refusals$: ledger.changed$,
        onError: (err) => status.problem({ kind: 'gateway', message: `on-device analysis failed: ${message(err)}` }),
      });
      const signedIn = new SignedIn(options, userDb, ledger, mismatches, results, conflicts);
      await conflicts.attach(userDb.db, (sessionId) => {
        void results.drop(sessionId);
        status.problem({ kind: 'conflict', sessionId, message: `session ${sessionId} was changed elsewhere; the server's version was kept and this device's is set aside` });
      });
      await results.start();
      ledger.retainOnly(new Set((await userDb.sessions.find().exec()).map((d) => d.primary)));
      signedIn.watchSessions();
      signedIn.subscriptions.push(
        // A refused refresh needs a new login: retrying every few seconds would only collect 401s.
        options.keeper.ended.subscribe((reason) => {
          if (reason !== null) void signedIn.queueSync(() => signedIn.stopSync());
        }),
      );
      signedIn.startSync();
      return signedIn;
    } catch (err) {
      await userDb.db.close();
      throw err;
    }
  }

  /** Keeps the pending count, and drops a deleted session from the ledger. */
  private watchSessions(): void {
    const { sessions } = this.userDb;
    this.subscriptions.push(
      combineLatest([sessions.find().$, this.ledger.changed$]).subscribe(([docs]) => {
        this.options.status.pending(docs.filter((d) => !this.ledger.isUploaded(d.primary) && this.ledger.rejectionOf(d.primary) === undefined).length);
      }),
      sessions.remove$.subscribe((event) => this.ledger.forget([event.documentId])),
    );
  }

  private observer(): ReplicationObserver {
    const { status } = this.options;
    return {
      reached: () => status.reached(),
      synced: () => status.synced(),
      failed: (err) => status.failed(err),
      uploaded: (rows) => this.ledger.markUploaded(rows.map((r) => r.id)),
      rejected: (id, reason) => {
        this.ledger.markRejected(id, reason);
        status.problem({ kind: 'rejected', sessionId: id, message: `the server refused session ${id}: ${reason}` });
      },
    };
  }

  private startSync(): void {
    if (this.closed || this.options.keeper.ended.value !== null) return;
    const fetches = { sessions: replicationFetch(this.options.fetch, this.options.keeper, this.observer(), this.newSessions), progress: replicationFetch(this.options.fetch, this.options.keeper, this.observer()) };
    const replications = startReplications({
      serverUrl: this.options.serverUrl,
      userId: this.options.keeper.current.userId,
      sessions: this.userDb.sessions,
      results: this.userDb.results,
      fetchFor: (database) => fetches[database].fetch,
      retryTimeMs: this.options.retryTimeMs,
      isRefused: (id) => this.ledger.rejectionOf(id) !== undefined,
      pulledSessions: (ids) => this.ledger.markUploaded(ids),
    });
    this.run = {
      replications,
      stopFetches: () => {
        fetches.sessions.stop();
        fetches.progress.stop();
      },
    };
  }

  private async stopSync(): Promise<void> {
    const run = this.run;
    this.run = null;
    if (!run) return;
    // The fetches first: a cancelled replication leaves its live longpoll waiting for the server.
    run.stopFetches();
    await run.replications.cancel();
  }

  private queueSync<T>(work: () => Promise<T>): Promise<T> {
    const next = this.syncQueue.then(work);
    this.syncQueue = next.catch(() => undefined);
    return next;
  }

  async recordSession(input: RecordInput): Promise<Session> {
    const session = buildRecordedSession(input);
    this.newSessions.add(session.id);
    try {
      await this.userDb.sessions.insert(session);
    } catch (err) {
      this.newSessions.forget([session.id]);
      throw err;
    }
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

  /** Who follows this patient, from the worker's mirror of the links in the progress database: works offline. */
  links$(): Observable<CareLink[]> {
    return this.userDb.results.find({ selector: { type: 'link' } }).$.pipe(map((docs: RxDocument[]) => followersOf(docs.map((d) => d.toJSON()), this.options.keeper.current)));
  }

  conflicts$(): Observable<SessionConflict[]> {
    return this.conflicts.conflicts$;
  }

  /** Restarts replication now (from its checkpoints) and waits for one full round or its first error. */
  async syncNow(): Promise<void> {
    let run = await this.queueSync(async () => {
      await this.stopSync();
      this.startSync();
      return this.run;
    });
    // A later syncNow may replace this run: its round is the one to wait for.
    while (run) {
      try {
        await run.replications.awaitInSync();
        return;
      } catch (err) {
        // A restart under way settles first; then the run it started, if any, is the one to wait for.
        await this.syncQueue;
        if (this.run === run || this.run === null) throw err;
        run = this.run;
      }
    }
  }

  /** Stops everything and closes the user's database; `remove` also deletes it from the device. */
  async close({ remove = false } = {}): Promise<void> {
    this.closed = true;
    for (const s of this.subscriptions) s.unsubscribe();
    await this.queueSync(() => this.stopSync());
    await this.results.stop();
    await this.ledger.flush();
    if (remove) await this.userDb.db.remove();
    else await this.userDb.db.close();
  }
}
