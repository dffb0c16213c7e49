import { checkAgainstSchema } from '../model/schemaCheck.js';
import { canonicalJson } from '../model/canonicalJson.js';
import { analysisSchema } from '../model/schemas.js';
import type { AnalysisDoc, OverallMetrics } from '../model/types.js';
import { parseUtcTimestamp } from '../model/utcTimestamp.js';

/** What the progress summary needs of a session played (an `ok` analysis). */
export interface PlayedSession {
  sessionId: string;
  startedMs: number;
  /** UTC day, YYYY-MM-DD. */
  day: string;
  gameId: string;
  level: number;
  score: number;
  durationMs: number;
  overall: OverallMetrics;
}

/**
 * One analysis as the progress summary reads it: a few hundred bytes, however
 * large the analysis. Checking an analysis against its schema is most of the
 * cost of a summary, so a caller that keeps a user's analyses (the sync
 * worker) makes each entry once, when the analysis arrives, and summarises
 * entries from then on.
 */
export interface ProgressEntry {
  sessionId: string;
  analysisVersion: string;
  sessionRev: string | null;
  /** Tells apart two analyses of one session that tie on version and revision, whatever the input order. */
  contentKey: string;
  /** Undefined for a session that is not `ok` (counted as invalid). */
  played: PlayedSession | undefined;
}

/** The entry of one analysis; undefined for anything that is not a valid analysis (ignored by the summary). */
export function progressEntry(candidate: unknown): ProgressEntry | undefined {
  if (checkAgainstSchema(analysisSchema, candidate).length > 0) return undefined;
  const a = candidate as AnalysisDoc;
  const startedMs = a.session ? parseUtcTimestamp(a.session.startedAt) : NaN;
  const ok = a.status === 'ok' && a.session !== null && a.metrics !== null && !Number.isNaN(startedMs);
  return {
    sessionId: a.sessionId,
    analysisVersion: a.analysisVersion,
    sessionRev: a.sessionRev,
    // Canonical JSON: the same analysis gives the same key whatever its key order (RxDB, CouchDB).
    contentKey: contentHash(canonicalJson(a)),
    played:
      ok && a.session && a.metrics
        ? {
            sessionId: a.sessionId,
            startedMs,
            day: new Date(startedMs).toISOString().slice(0, 10),
            gameId: a.session.gameId,
            level: a.session.level,
            score: a.session.score,
            durationMs: a.session.durationMs,
            overall: a.metrics.overall,
          }
        : undefined,
  };
}

/** Two 32-bit FNV-1a hashes (different offsets) of a text, as 16 hex digits. */
function contentHash(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x01000193 ^ 0x5bd1e995) >>> 0;
  }
  return h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0');
}
