import { isAccessTokenRefusal } from '@m2m/contract';
import { BehaviorSubject, distinctUntilChanged, type Observable } from 'rxjs';
import { GatewayError, M2MError, NetworkError } from '../errors.js';
import type { AnalysisPlace, SyncProblem, SyncStatus } from '../types.js';

const IDLE: Omit<SyncStatus, 'analysis'> = { online: false, pendingUploads: 0, lastSyncedAt: null, lastError: null, authRequired: false };

/** The sync status as the app shows it, fed by the replication's requests. */
export class SyncStatusTracker {
  private readonly subject = new BehaviorSubject<SyncStatus>({ ...IDLE, analysis: { runsIn: 'worker', reason: null } });

  get status$(): Observable<SyncStatus> {
    return this.subject.pipe(distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)));
  }

  get current(): SyncStatus {
    return this.subject.value;
  }

  private update(change: Partial<SyncStatus>): void {
    this.subject.next({ ...this.subject.value, ...change });
  }

  reached(): void {
    if (!this.subject.value.online) this.update({ online: true });
  }

  synced(): void {
    const { lastError } = this.subject.value;
    // A network or gateway failure is over once a request succeeds; refusals and conflicts stay until the next problem.
    const stale = lastError !== null && (lastError.kind === 'network' || lastError.kind === 'gateway');
    this.update({ online: true, lastSyncedAt: new Date().toISOString(), ...(stale ? { lastError: null } : {}) });
  }

  pending(count: number): void {
    if (count !== this.subject.value.pendingUploads) this.update({ pendingUploads: count });
  }

  /** `reason` when the sign-in has ended, null while it holds. */
  signInEnded(reason: string | null): void {
    if (reason === null) this.update({ authRequired: false });
    else this.update({ authRequired: true, lastError: { kind: 'auth', message: reason, at: new Date().toISOString() } });
  }

  problem(problem: Omit<SyncProblem, 'at'>): void {
    this.update({ lastError: { ...problem, at: new Date().toISOString() } });
  }

  failed(err: Error): void {
    if (err instanceof NetworkError) {
      this.update({ online: false });
      this.problem({ kind: 'network', message: err.message });
    } else if (err instanceof M2MError && err.code === 'auth_required') {
      this.problem({ kind: 'auth', message: err.message });
    } else {
      this.problem({ kind: err instanceof GatewayError && isAccessTokenRefusal(err.code) ? 'auth' : 'gateway', message: err.message });
    }
  }

  /** Where on-device analysis runs now (it moves inline when the worker cannot load). */
  analysisPlace(place: AnalysisPlace): void {
    const now = this.subject.value.analysis;
    if (now.runsIn !== place.runsIn || now.reason !== place.reason) this.update({ analysis: place });
  }

  /** Signed out: nothing is syncing; the analysis stays where it runs. */
  reset(): void {
    this.subject.next({ ...IDLE, analysis: this.subject.value.analysis });
  }
}
