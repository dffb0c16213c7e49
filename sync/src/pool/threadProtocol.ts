import type { AnalysisDoc } from '@m2m/analysis-core';

/** Main thread → analysis thread. */
export interface AnalysisRequest {
  jobId: number;
  /** The session document as stored (CouchDB form, with `_id` and `_rev`). */
  doc: unknown;
}

/** Analysis thread → main thread, once, when it has loaded and can take jobs. */
export interface ThreadReady {
  ready: true;
  /** Synthetic sessions the thread analysed before it said ready (so its code is compiled before the first real one). */
  warmUps?: number;
}

/** Analysis thread → main thread. */
export interface AnalysisReply {
  jobId: number;
  analysis: AnalysisDoc;
  /** Time spent in analyzeSession, measured in the thread. */
  durationMs: number;
}
