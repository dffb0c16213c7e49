import { ANALYSIS_VERSION, analyzeSession, summarizeProgress, type AnalysisDoc, type ProgressDoc } from '@m2m/analysis-core';
import { BehaviorSubject, type Observable } from 'rxjs';
import type { AnalysisPlace } from '../types.js';

/**
 * What on-device analysis offers: analysis-core's own functions, called the
 * way the server calls them, so the two can be compared byte for byte.
 */
export interface AnalysisApi {
  /** Answers once the code is loaded: the analysis version it runs. */
  ready(): string;
  /** The analysis of a session not yet stored on the server (`sessionRev` null). */
  analyze(session: unknown): AnalysisDoc;
  summarize(analyses: readonly unknown[]): ProgressDoc;
}

export const analysisApi: AnalysisApi = {
  ready: () => ANALYSIS_VERSION,
  analyze: (session) => analyzeSession(session, { sessionRev: null }),
  summarize: (analyses) => summarizeProgress(analyses),
};

/** Runs the analysis somewhere: in this thread, a Web Worker or a worker thread. */
export interface AnalysisRunner {
  analyze(session: unknown): Promise<AnalysisDoc>;
  summarize(analyses: readonly unknown[]): Promise<ProgressDoc>;
  /** Where the analysis runs now: a worker runner moves inline when its worker cannot start or load. */
  place$: Observable<AnalysisPlace>;
  /** Lets go of the runner; a shared worker ends when its last user lets go. */
  release(): void;
}

/** Starts a runner for a client: inline, or in a worker of the platform. */
export type RunnerFactory = (mode: 'worker' | 'inline') => AnalysisRunner;

/** The analysis in the calling thread; `reason` says why it is not in a worker. */
export function inlineRunner(reason = 'the app chose inline analysis'): AnalysisRunner {
  return {
    analyze: async (session) => analysisApi.analyze(session),
    summarize: async (analyses) => analysisApi.summarize(analyses),
    place$: new BehaviorSubject<AnalysisPlace>({ runsIn: 'inline', reason }),
    release: () => undefined,
  };
}
