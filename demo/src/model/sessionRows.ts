import type { AnalysisDoc } from '@m2m/analysis-core';
import type { M2MClient, SessionEntry, Sourced } from '@m2m/mobile-sdk';
import { combineLatest, map, of, shareReplay, switchMap, type Observable } from 'rxjs';

/** A session with its analysis (the device's provisional one or the server's), as the views show it. */
export interface SessionRow {
  entry: SessionEntry;
  analysis: Sourced<AnalysisDoc> | null;
}

/**
 * Where a session stands, one word for each state the demo explains:
 * `pending` waits to upload (its results, if any, are provisional);
 * `provisional` is uploaded and shows the device's results until the server's arrive;
 * `confirmed` shows the server's results; `invalid` is a session the analysis could not use;
 * `refused` is a session the gateway would not store; `analysing` has no results yet.
 */
export type SessionState = 'pending' | 'provisional' | 'confirmed' | 'invalid' | 'refused' | 'analysing';

export function sessionState({ entry, analysis }: SessionRow): SessionState {
  if (entry.upload === 'rejected') return 'refused';
  if (analysis?.source === 'server') return analysis.status === 'invalid' ? 'invalid' : 'confirmed';
  if (entry.upload === 'pending') return 'pending';
  return analysis ? 'provisional' : 'analysing';
}

/** Every session of the signed-in user with its analysis, newest first. */
export function sessionRows$(client: M2MClient): Observable<SessionRow[]> {
  return client.sessions$().pipe(
    // The session list changes rarely; re-querying each session's analysis then is cheap at a patient's scale.
    switchMap((entries) =>
      entries.length === 0
        ? of([])
        : combineLatest(entries.map((entry) => client.analysis$(entry.session.id).pipe(map((analysis) => ({ entry, analysis }))))),
    ),
    shareReplay({ bufferSize: 1, refCount: true }),
  );
}
