import { analyzeSession, buildSession, sessionIdAt, synthesizeRecording, validateSession, type AnalysisDoc } from '@m2m/analysis-core';

/** Throwaway sessions per thread: V8 optimises a function after a few calls, not the first. */
const WARM_UP_SESSIONS = 3;

export interface WarmUpSession {
  /** The analysis's status: a warm-up that analysed nothing warmed nothing. */
  status: AnalysisDoc['status'];
  durationMs: number;
  /** Time the session took, synthesis to analysis. */
  ms: number;
}

/**
 * Runs the code a device thread needs for each recording (synthesis, the
 * sensor codec, validation, the inline analysis) on throwaway sessions
 * before the run's clock starts. Cold, that code costs a thread several
 * hundred milliseconds of CPU on its first sessions; the threads of a
 * hundred devices all start recording within the same few seconds, on the
 * same cores as the server, so left cold they slow the server exactly while
 * the devices' first sessions are timed. A phone pays its own warm-up on
 * its own processor.
 */
export function warmRecordingCode(durationS: number): WarmUpSession[] {
  const sessions: WarmUpSession[] = [];
  for (let i = 0; i < WARM_UP_SESSIONS; i++) {
    const started = performance.now();
    const recording = synthesizeRecording({ seed: 7919 + i, durationS, startedAt: new Date(Date.now() - durationS * 1000).toISOString() });
    const checked = validateSession(buildSession(recording, sessionIdAt(Date.now(), new Uint8Array(10).fill(i))));
    if (!checked.ok) throw new Error(`the warm-up session is invalid: ${checked.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
    const analysis = analyzeSession(checked.session);
    sessions.push({ status: analysis.status, durationMs: checked.session.durationMs, ms: performance.now() - started });
  }
  return sessions;
}
