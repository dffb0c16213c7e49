import { analyzeSession, summarizeProgress, type AnalysisDoc, type ProgressDoc } from '@m2m/analysis-core';

/**
 * What on-device analysis offers: analysis-core's own functions, called the
 * way the server calls them, so the two can be compared byte for byte.
 */
export interface AnalysisApi {
  /** The analysis of a session not yet stored on the server (`sessionRev` null). */
  analyze(session: unknown): AnalysisDoc;
  summarize(analyses: readonly unknown[]): ProgressDoc;
}

export const analysisApi: AnalysisApi = {
  analyze: (session) => analyzeSession(session, { sessionRev: null }),
  summarize: (analyses) => summarizeProgress(analyses),
};

/** Runs the analysis somewhere: in this thread, a Web Worker or a worker thread. */
export interface AnalysisRunner {
  analyze(session: unknown): Promise<AnalysisDoc>;
  summarize(analyses: readonly unknown[]): Promise<ProgressDoc>;
  /** Lets go of the runner; a shared worker ends when its last user lets go. */
  release(): void;
}

/** Starts a runner for a client: inline, or in a worker of the platform. */
export type RunnerFactory = (mode: 'worker' | 'inline') => AnalysisRunner;

export function inlineRunner(): AnalysisRunner {
  return {
    analyze: async (session) => analysisApi.analyze(session),
    summarize: async (analyses) => analysisApi.summarize(analyses),
    release: () => undefined,
  };
}
