import type { AnalysisDoc, ProgressDoc } from '@m2m/analysis-core';
import { BehaviorSubject, combineLatest, distinctUntilChanged, from, map, of, switchMap, type Observable, type Subscription } from 'rxjs';
import type { RxChangeEvent, RxCollection, RxDatabase, RxDocument } from 'rxdb';
import type { AnalysisRunner } from '../analysis/analysisApi.js';
import type { Sourced } from '../types.js';
import { sameAnalysis } from './sameAnalysis.js';
import type { MismatchLog } from './mismatchLog.js';

const provisionalKey = (sessionId: string): string => `provisional:${sessionId}`;
export const analysisId = (sessionId: string): string => `analysis:${sessionId}`;

const plain = <T>(doc: RxDocument | null): T | null => (doc ? (doc.toJSON() as T) : null);

export interface DeviceResultsDeps {
  db: RxDatabase;
  sessions: RxCollection;
  results: RxCollection;
  runner: AnalysisRunner;
  mismatches: MismatchLog;
  /** Sessions the server refused: their provisional analysis stays, but they wait for nothing. */
  isRefused(sessionId: string): boolean;
  refusals$: Observable<unknown>;
  onError(err: unknown): void;
}

/**
 * The merged view of results: the server's analyses and progress (pulled into
 * `results`) and the device's provisional ones (local documents, never
 * replicated). A server analysis replaces the device's as soon as it arrives;
 * when both were computed by the same analysis version and differ, the
 * difference is recorded in the mismatch log.
 */
export class DeviceResults {
  /** Provisional analyses by session id. */
  private readonly provisional = new BehaviorSubject<ReadonlyMap<string, AnalysisDoc>>(new Map());
  private readonly subscriptions: Subscription[] = [];
  private readonly running = new Set<Promise<unknown>>();

  private readonly db: RxDatabase;
  private readonly sessions: RxCollection;
  private readonly results: RxCollection;
  private readonly runner: AnalysisRunner;
  private readonly mismatches: MismatchLog;

  constructor(private readonly deps: DeviceResultsDeps) {
    ({ db: this.db, sessions: this.sessions, results: this.results, runner: this.runner, mismatches: this.mismatches } = deps);
  }

  /** Loads the provisional analyses of sessions the server has not analysed yet, computing missing ones. */
  async start(): Promise<void> {
    this.subscriptions.push(
      this.results.$.subscribe((event) => this.track(this.onResult(event))),
      this.sessions.$.subscribe((event) => {
        if (event.operation === 'DELETE') this.track(this.drop(event.documentId));
      }),
    );
    const sessions = await this.sessions.find().exec();
    const analysed = await this.results.findByIds(sessions.map((s) => analysisId(s.primary))).exec();
    const loaded = new Map<string, AnalysisDoc>();
    const missing: RxDocument[] = [];
    for (const session of sessions) {
      if (analysed.has(analysisId(session.primary))) continue;
      const local = await this.db.getLocal<{ analysis: AnalysisDoc }>(provisionalKey(session.primary));
      const analysis = (local?.toJSON().data as { analysis: AnalysisDoc } | undefined)?.analysis;
      if (analysis) loaded.set(session.primary, analysis);
      else missing.push(session);
    }
    this.provisional.next(loaded);
    // Not awaited: opening the client must not wait for a backlog of analyses.
    for (const session of missing) this.analyseInBackground(session.toJSON());
  }

  /** Computes and keeps the provisional analysis of a session just recorded. */
  analyseInBackground(session: unknown): void {
    this.track(this.analyse(session));
  }

  private async analyse(session: unknown): Promise<void> {
    const analysis = await this.runner.analyze(session);
    const sessionId = analysis.sessionId;
    // The server may have answered while the device was computing.
    if (await this.results.findOne(analysisId(sessionId)).exec()) return;
    await this.db.upsertLocal(provisionalKey(sessionId), { analysis });
    this.provisional.next(new Map(this.provisional.value).set(sessionId, analysis));
    // It may have arrived while the copy was being saved; onResult found nothing to drop then.
    if (await this.results.findOne(analysisId(sessionId)).exec()) await this.drop(sessionId);
  }

  private async onResult(event: RxChangeEvent<unknown>): Promise<void> {
    if (event.operation === 'DELETE') return;
    const server = event.documentData as unknown as AnalysisDoc;
    if (server.type !== 'analysis' || typeof server.sessionId !== 'string') return;
    const device = this.provisional.value.get(server.sessionId);
    if (!device) return;
    if (device.analysisVersion === server.analysisVersion && !sameAnalysis(device, strip(server))) {
      await this.mismatches.record({ sessionId: server.sessionId, analysisVersion: server.analysisVersion, at: new Date().toISOString() });
    }
    await this.drop(server.sessionId);
  }

  /** Forgets the provisional analysis of a session (confirmed, deleted or replaced by another device's version). */
  async drop(sessionId: string): Promise<void> {
    if (this.provisional.value.has(sessionId)) {
      const next = new Map(this.provisional.value);
      next.delete(sessionId);
      this.provisional.next(next);
    }
    const local = await this.db.getLocal(provisionalKey(sessionId));
    if (local) await local.remove();
  }

  analysis$(sessionId: string): Observable<Sourced<AnalysisDoc> | null> {
    return combineLatest([
      this.results.findOne(analysisId(sessionId)).$,
      this.provisional.pipe(map((p) => p.get(sessionId)), distinctUntilChanged()),
    ]).pipe(
      map(([serverDoc, device]) => {
        const server = plain<AnalysisDoc>(serverDoc);
        if (server) return { ...strip(server), source: 'server' as const };
        return device ? { ...device, source: 'device' as const } : null;
      }),
    );
  }

  /**
   * The server's progress while it covers everything on the device; while some
   * sessions it will analyse have only a provisional analysis, the device's summary of the
   * server's analyses and the provisional ones.
   */
  progress$(): Observable<Sourced<ProgressDoc> | null> {
    return combineLatest([
      this.results.findOne('progress').$,
      this.results.find({ selector: { type: 'analysis' } }).$,
      this.provisional,
      this.deps.refusals$,
    ]).pipe(
      switchMap(([progressDoc, analysisDocs, all]) => {
        const provisional = [...all.values()].filter((a) => !this.deps.isRefused(a.sessionId));
        if (provisional.length === 0) {
          const server = plain<ProgressDoc>(progressDoc);
          return of(server ? { ...strip(server), source: 'server' as const } : null);
        }
        return from(this.runner.summarize([...analysisDocs.map((d) => d.toJSON()), ...provisional])).pipe(map((p) => ({ ...p, source: 'device' as const })));
      }),
    );
  }

  private track(work: Promise<unknown>): void {
    const guarded = work.catch((err: unknown) => this.deps.onError(err)).finally(() => this.running.delete(guarded));
    this.running.add(guarded);
  }

  /** Stops listening and waits for work under way. */
  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    await Promise.all(this.running);
  }
}

/** A pulled document in analysis-core's form: RxDB's own `_` fields removed. */
function strip<T>(doc: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) if (!key.startsWith('_')) out[key] = value;
  return out as T;
}
