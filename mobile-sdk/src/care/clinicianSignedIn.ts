import { analysesCsv, type AnalysisDoc, type ProgressDoc } from '@m2m/analysis-core';
import { map, type Observable, type Subscription } from 'rxjs';
import type { RxCollection, RxDatabase, RxDocument } from 'rxdb';
import type { TokenKeeper } from '../auth/tokenKeeper.js';
import { openCareDatabase } from '../database/openDatabases.js';
import { M2MError } from '../errors.js';
import { replicationFetch } from '../sync/replicationFetch.js';
import type { Replications } from '../sync/replications.js';
import type { SyncStatusTracker } from '../sync/syncStatusTracker.js';
import { startCareReplication } from './careReplication.js';
import type { CarePatient } from './careTypes.js';

export interface ClinicianOptions {
  name: string;
  serverUrl: string;
  storage: RxDatabase['storage'];
  fetch: typeof fetch;
  retryTimeMs: number;
  keeper: TokenKeeper;
  status: SyncStatusTracker;
}

interface CarePatientDoc extends CarePatient {
  type: 'care-patient';
}
interface CareProgressDoc {
  type: 'care-progress';
  patientId: string;
  progress: ProgressDoc;
}
interface CareAnalysisDoc {
  type: 'care-analysis';
  patientId: string;
  analysis: AnalysisDoc;
}

/** The care database's document ids (CARE design: ids carry the patient's user id). */
export const carePatientId = (patientId: string): string => `patient:${patientId}`;
export const careProgressId = (patientId: string): string => `progress:${patientId}`;

/** The clinician's list order: most attention first, then by username. */
export function byAttention(a: CarePatient, b: CarePatient): number {
  return b.attention - a.attention || a.username.localeCompare(b.username);
}

/** Newest session first. */
const byStartedAtDesc = (a: AnalysisDoc, b: AnalysisDoc): number =>
  (b.session?.startedAt ?? '').localeCompare(a.session?.startedAt ?? '') || b.sessionId.localeCompare(a.sessionId);

/**
 * Everything that exists while a clinician is signed in: their database on
 * the device (one `care` collection) and its pull from `/sync/care/`, with
 * the same status, token refresh and retry as a patient's replication.
 * Every view reads the local copy, so the dashboard works offline.
 */
export class ClinicianSignedIn {
  private run: { replications: Replications; stopFetch(): void } | null = null;
  private syncQueue: Promise<unknown> = Promise.resolve();
  private readonly subscriptions: Subscription[] = [];
  private closed = false;

  private constructor(
    private readonly options: ClinicianOptions,
    private readonly db: RxDatabase,
    private readonly care: RxCollection,
  ) {}

  static async open(options: ClinicianOptions): Promise<ClinicianSignedIn> {
    const { db, care } = await openCareDatabase(options.name, options.keeper.current.userId, options.storage);
    const signedIn = new ClinicianSignedIn(options, db, care);
    signedIn.subscriptions.push(
      // A refused refresh needs a new login: retrying every few seconds would only collect 401s.
      options.keeper.ended.subscribe((reason) => {
        if (reason !== null) void signedIn.queueSync(() => signedIn.stopSync());
      }),
    );
    signedIn.startSync();
    return signedIn;
  }

  private startSync(): void {
    if (this.closed || this.options.keeper.ended.value !== null) return;
    const { status } = this.options;
    const fetcher = replicationFetch(this.options.fetch, this.options.keeper, {
      reached: () => status.reached(),
      synced: () => status.synced(),
      failed: (err) => status.failed(err),
      // Pull only: nothing is ever uploaded or refused.
      uploaded: () => undefined,
      rejected: () => undefined,
    });
    const replications = startCareReplication({
      serverUrl: this.options.serverUrl,
      userId: this.options.keeper.current.userId,
      care: this.care,
      fetch: fetcher.fetch,
      retryTimeMs: this.options.retryTimeMs,
    });
    this.run = { replications, stopFetch: () => fetcher.stop() };
  }

  private async stopSync(): Promise<void> {
    const run = this.run;
    this.run = null;
    if (!run) return;
    // The fetch first: a cancelled replication leaves its live longpoll waiting for the server.
    run.stopFetch();
    await run.replications.cancel();
  }

  private queueSync<T>(work: () => Promise<T>): Promise<T> {
    const next = this.syncQueue.then(work);
    this.syncQueue = next.catch(() => undefined);
    return next;
  }

  /** The followed patients, most attention first. */
  patients$(): Observable<CarePatient[]> {
    return this.care.find({ selector: { type: 'care-patient' } }).$.pipe(
      map((docs: RxDocument[]) => docs.map((d) => patientOf(plain<CarePatientDoc>(d))).sort(byAttention)),
    );
  }

  patientProgress$(patientId: string): Observable<ProgressDoc | null> {
    return this.care.findOne(careProgressId(patientId)).$.pipe(map((doc: RxDocument | null) => (doc ? plain<CareProgressDoc>(doc).progress : null)));
  }

  /** The patient's analyses, newest session first. */
  patientAnalyses$(patientId: string): Observable<AnalysisDoc[]> {
    return this.care.find({ selector: { type: 'care-analysis', patientId } }).$.pipe(
      map((docs: RxDocument[]) => docs.map((d) => plain<CareAnalysisDoc>(d).analysis).sort(byStartedAtDesc)),
    );
  }

  /** The patient's analyses as CSV (analysis-core's columns, as the gateway's export), oldest session first, from the device's copy: works offline. */
  async exportPatientCsv(patientId: string): Promise<string> {
    if (!(await this.care.findOne(carePatientId(patientId)).exec())) throw new M2MError('not_found', `no followed patient ${patientId} on this device`);
    const analyses = await this.care.find({ selector: { type: 'care-analysis', patientId } }).exec();
    return analysesCsv(analyses.map((d: RxDocument) => plain<CareAnalysisDoc>(d).analysis).sort(byStartedAtDesc).reverse());
  }

  /** Restarts the pull now (from its checkpoint) and waits for one full round or its first error. */
  async syncNow(): Promise<void> {
    const run = await this.queueSync(async () => {
      await this.stopSync();
      this.startSync();
      return this.run;
    });
    await run?.replications.awaitInSync();
  }

  /** Stops the pull and closes the database; `remove` also deletes it from the device. */
  async close({ remove = false } = {}): Promise<void> {
    this.closed = true;
    for (const s of this.subscriptions) s.unsubscribe();
    await this.queueSync(() => this.stopSync());
    if (remove) await this.db.remove();
    else await this.db.close();
  }
}

function plain<T>(doc: RxDocument): T {
  return doc.toJSON() as unknown as T;
}

/** The list entry: the document's fields, without its type and RxDB's own. */
function patientOf(doc: CarePatientDoc): CarePatient {
  return {
    patientId: doc.patientId,
    username: doc.username,
    linkedAt: doc.linkedAt,
    lastSessionAt: doc.lastSessionAt ?? null,
    sessionCount: doc.sessionCount ?? 0,
    flags: Array.isArray(doc.flags) ? doc.flags : [],
    attention: typeof doc.attention === 'number' ? doc.attention : 0,
    evaluatedAt: doc.evaluatedAt,
    analysisVersion: doc.analysisVersion,
  };
}
