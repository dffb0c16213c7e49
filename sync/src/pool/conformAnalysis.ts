import { analysisSchema, checkAgainstSchema, type AnalysisDoc, type Reason } from '@m2m/analysis-core';
import { unfinishedAnalysis } from './crashedAnalysis.js';

/** analysisSchema's limits on reason lists (reasons and notes). */
const MAX_REASONS = 200;
const MAX_CODE = 64;
const MAX_MESSAGE = 2000;

/**
 * The analysis as devices accept it. RxDB validates pulled documents with
 * analysisSchema and a document it refuses stalls the user's replication, so
 * the worker never stores one that fails it. analyzeSession can list more
 * reasons than the schema allows (a session with thousands of bad events):
 * the list is cut to the first 199 plus one saying how many more. Any other
 * mismatch becomes an `invalid` analysis naming it.
 */
export function conformAnalysis(analysis: AnalysisDoc): AnalysisDoc {
  if (checkAgainstSchema(analysisSchema, analysis).length === 0) return analysis;
  const clipped: AnalysisDoc = { ...analysis, reasons: clip(analysis.reasons), notes: clip(analysis.notes) };
  const problems = checkAgainstSchema(analysisSchema, clipped);
  if (problems.length === 0) return clipped;
  const message = problems
    .slice(0, 5)
    .map((p) => `${p.path} ${p.message}`)
    .join('; ');
  return unfinishedAnalysis(
    { _id: analysis.sessionId, _rev: analysis.sessionRev },
    { code: 'analysis-nonconforming', message: `the analysis does not match analysisSchema: ${message}`.slice(0, MAX_MESSAGE) },
  );
}

function clip(reasons: Reason[]): Reason[] {
  const fit = (r: Reason): Reason => ({ code: String(r.code).slice(0, MAX_CODE) || 'unknown', message: String(r.message).slice(0, MAX_MESSAGE) });
  if (reasons.length <= MAX_REASONS) return reasons.map(fit);
  const kept = reasons.slice(0, MAX_REASONS - 1).map(fit);
  return [...kept, { code: 'more-reasons', message: `… and ${reasons.length - kept.length} more` }];
}
