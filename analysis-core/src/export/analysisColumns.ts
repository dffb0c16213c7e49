import { FINGERS, type AnalysisDoc, type Finger, type FingerMetrics, type OverallMetrics, type QualityReport } from '../model/types.js';

/** How a column's values are typed: text, a real number, or a whole number; every column may be empty (null). */
export type ColumnType = 'string' | 'double' | 'integer';

export type CellValue = string | number | null;

export interface AnalysisColumn {
  /** Also the CSV header and the Parquet column name: letters, digits and `_` only. */
  name: string;
  type: ColumnType;
  /** For the README and for people reading an export. */
  description: string;
  value: (analysis: AnalysisDoc) => CellValue;
}

const finite = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

const OVERALL: Array<[keyof OverallMetrics, ColumnType, string]> = [
  ['rangeOfMotionDeg', 'double', 'mean of the fingers\' ranges of motion, degrees'],
  ['peakVelocityDegS', 'double', 'peak angular velocity, degrees per second'],
  ['repetitions', 'integer', 'repetitions over all fingers'],
  ['meanRepetitionS', 'double', 'mean duration of a repetition, seconds'],
  ['sparc', 'double', 'smoothness by SPARC (closer to 0 is smoother)'],
  ['ldlj', 'double', 'smoothness by LDLJ (closer to 0 is smoother)'],
  ['sparcFlexion', 'double', 'median SPARC over flexions'],
  ['sparcExtension', 'double', 'median SPARC over extensions'],
  ['ldljFlexion', 'double', 'median LDLJ over flexions'],
  ['ldljExtension', 'double', 'median LDLJ over extensions'],
  ['tremorShare', 'double', 'share of gyroscope power in 4–12 Hz, 0–1'],
  ['reactionTimeMs', 'double', 'median reaction time, ms'],
  ['hits', 'integer', 'hits'],
  ['misses', 'integer', 'misses'],
  ['accuracy', 'double', 'hits / (hits + misses), 0–1'],
];

const PER_FINGER: Array<[keyof FingerMetrics, ColumnType, string]> = [
  ['rangeOfMotionDeg', 'double', 'range of motion, degrees'],
  ['peakVelocityDegS', 'double', 'peak angular velocity, degrees per second'],
  ['repetitions', 'integer', 'repetitions'],
  ['sparc', 'double', 'SPARC'],
  ['ldlj', 'double', 'LDLJ'],
  ['reactionTimeMs', 'double', 'median reaction time, ms'],
];

const QUALITY: Array<[keyof QualityReport, ColumnType, string]> = [
  ['effectiveSampleRateHz', 'double', 'samples per second actually received'],
  ['missingShare', 'double', 'share of missing samples, 0–1'],
  ['gapCount', 'integer', 'gaps in the samples'],
  ['longestGapMs', 'double', 'longest gap, ms'],
  ['saturatedShare', 'double', 'share of samples at the sensor\'s range limit, 0–1'],
];

const overallColumn = ([key, type, description]: (typeof OVERALL)[number]): AnalysisColumn => ({
  name: key,
  type,
  description: `overall: ${description}`,
  value: (a) => finite(a.metrics?.overall[key]),
});

const fingerColumn = (finger: Finger, [key, type, description]: (typeof PER_FINGER)[number]): AnalysisColumn => ({
  name: `${finger}_${key}`,
  type,
  description: `${finger}: ${description}`,
  value: (a) => finite(a.metrics?.fingers[finger]?.[key]),
});

const qualityColumn = ([key, type, description]: (typeof QUALITY)[number]): AnalysisColumn => ({
  name: `quality_${key}`,
  type,
  description: `data quality: ${description}`,
  value: (a) => finite(a.quality?.[key]),
});

/**
 * The flat columns of one analysis, in order: what the clinician's CSV, the
 * device's offline CSV and the operator's export (CSV and Parquet) share.
 * A metric the analysis could not compute, or an invalid analysis's
 * metrics, are empty cells.
 */
export const ANALYSIS_COLUMNS: readonly AnalysisColumn[] = [
  { name: 'sessionId', type: 'string', description: 'the session\'s id (ses_…, sorts by start time)', value: (a) => a.sessionId },
  { name: 'startedAt', type: 'string', description: 'when the game started, ISO 8601 UTC', value: (a) => text(a.session?.startedAt) },
  { name: 'gameId', type: 'string', description: 'the game played', value: (a) => text(a.session?.gameId) },
  { name: 'level', type: 'integer', description: 'the game\'s level', value: (a) => finite(a.session?.level) },
  { name: 'durationMs', type: 'integer', description: 'length of the game, ms', value: (a) => finite(a.session?.durationMs) },
  { name: 'score', type: 'integer', description: 'the game\'s score', value: (a) => finite(a.session?.score) },
  { name: 'status', type: 'string', description: '`ok`, or `invalid` when the session could not be analysed', value: (a) => a.status },
  { name: 'reasons', type: 'string', description: 'for `invalid`: the reasons\' codes, separated by `;`', value: (a) => a.reasons.map((r) => r.code).join(';') },
  { name: 'analysisVersion', type: 'string', description: 'the analysis-core version that computed the row', value: (a) => a.analysisVersion },
  ...OVERALL.map(overallColumn),
  ...FINGERS.flatMap((finger) => PER_FINGER.map((spec) => fingerColumn(finger, spec))),
  ...QUALITY.map(qualityColumn),
  { name: 'quality_flags', type: 'string', description: 'data quality flags, separated by `;`', value: (a) => a.quality?.flags.join(';') ?? null },
];

/** One analysis as flat cells, in the order of `columns`. */
export function analysisRow(analysis: AnalysisDoc, columns: readonly AnalysisColumn[] = ANALYSIS_COLUMNS): CellValue[] {
  return columns.map((column) => column.value(analysis));
}
