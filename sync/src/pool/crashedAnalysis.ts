import { ANALYSIS_VERSION, type AnalysisDoc, type Reason } from '@m2m/analysis-core';

/**
 * The `invalid` analysis of a session whose analysis could not finish (its
 * thread crashed or ran out of time twice), in analyzeSession's own shape, so
 * the feed goes on and the reason is visible on the device.
 */
export function unfinishedAnalysis(doc: unknown, reason: Reason): AnalysisDoc {
  const fields = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : {};
  const rawId = typeof fields['_id'] === 'string' ? fields['_id'] : typeof fields['id'] === 'string' ? fields['id'] : '';
  const sessionId = rawId.length > 0 ? rawId.slice(0, 200) : 'unknown';
  return {
    id: `analysis:${sessionId}`,
    type: 'analysis',
    schemaVersion: 1,
    sessionId,
    sessionRev: typeof fields['_rev'] === 'string' ? fields['_rev'] : null,
    analysisVersion: ANALYSIS_VERSION,
    status: 'invalid',
    reasons: [reason],
    session: null,
    metrics: null,
    quality: null,
    notes: [],
  };
}
