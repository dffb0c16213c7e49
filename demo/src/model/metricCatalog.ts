import type { AnalysisDoc, MetricProgress, ProgressDoc } from '@m2m/analysis-core';

/**
 * Every metric the demo shows, and the only module that names analysis-core's
 * metric fields: a renamed field changes here and nowhere else. Values are
 * read defensively (a missing or non-number field is "no value").
 */
export type Direction = 'higher' | 'lower';

export interface MetricInfo {
  /** Field of the overall metrics and of the progress summary. */
  key: string;
  label: string;
  /** For narrow places (table headers). */
  short: string;
  /** Unit of the shown value ('' for a score without unit). */
  unit: string;
  better: Direction;
  /** One line in plain words: what it measures and which way is good. */
  explain: string;
  /** The shown value for a stored one (a share becomes a percentage). */
  toShown(value: number): number;
  /** The unit of a change per week: percentage points for shares. */
  trendUnit: string;
  decimals: number;
  /** Where the shown value is bounded (a percentage): an axis never goes beyond. */
  domain?: [number, number];
}

const same = (v: number): number => v;
const percent = (v: number): number => v * 100;

export const METRICS: readonly MetricInfo[] = [
  { key: 'rangeOfMotionDeg', label: 'Range of motion', short: 'ROM', unit: '°', better: 'higher', decimals: 1, toShown: same, trendUnit: '° per week',
    explain: 'How far the fingers bend and straighten: higher is better.' },
  { key: 'sparc', label: 'Smoothness (SPARC)', short: 'SPARC', unit: '', better: 'higher', decimals: 2, toShown: same, trendUnit: 'per week',
    explain: 'How smooth each movement is, from its speed profile: closer to zero is smoother.' },
  { key: 'reactionTimeMs', label: 'Reaction time', short: 'Reaction', unit: 'ms', better: 'lower', decimals: 0, toShown: same, trendUnit: 'ms per week',
    explain: 'Time from a prompt to the prompted finger starting to move: lower is better.' },
  { key: 'accuracy', label: 'Accuracy', short: 'Accuracy', unit: '%', better: 'higher', decimals: 0, toShown: percent, trendUnit: 'percentage points per week', domain: [0, 100],
    explain: 'Share of the game’s prompts hit: higher is better.' },
  { key: 'peakVelocityDegS', label: 'Peak speed', short: 'Speed', unit: '°/s', better: 'higher', decimals: 0, toShown: same, trendUnit: '°/s per week',
    explain: 'The fastest finger movement: higher means more strength and control.' },
  { key: 'ldlj', label: 'Smoothness (LDLJ)', short: 'LDLJ', unit: '', better: 'higher', decimals: 2, toShown: same, trendUnit: 'per week',
    explain: 'Jerkiness of each movement: closer to zero is smoother.' },
  { key: 'tremorShare', label: 'Tremor', short: 'Tremor', unit: '%', better: 'lower', decimals: 1, toShown: percent, trendUnit: 'percentage points per week', domain: [0, 100],
    explain: 'Share of the hand’s rotation that is shaking (4–12 Hz): lower is better.' },
];

/** The metrics in the sessions table. */
export const TABLE_METRICS = METRICS.slice(0, 4);

/** Per-finger metrics the session view shows on the hand. */
export const FINGER_METRICS: readonly MetricInfo[] = [METRICS[0]!, METRICS[1]!, METRICS[2]!];

export const FINGER_NAMES = ['thumb', 'index', 'middle', 'ring', 'little'] as const;
export type FingerName = (typeof FINGER_NAMES)[number];

function numberAt(record: unknown, key: string): number | null {
  const value = record !== null && typeof record === 'object' ? (record as Record<string, unknown>)[key] : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A session's overall value of a metric (stored units), or null. */
export function overallValue(analysis: AnalysisDoc | null | undefined, metric: MetricInfo): number | null {
  return analysis?.status === 'ok' ? numberAt(analysis.metrics?.overall, metric.key) : null;
}

/** One finger's value of a metric (stored units), or null. */
export function fingerValue(analysis: AnalysisDoc | null | undefined, finger: FingerName, metric: MetricInfo): number | null {
  const fingers = analysis?.status === 'ok' ? (analysis.metrics?.fingers as Record<string, unknown> | undefined) : undefined;
  return numberAt(fingers?.[finger], metric.key);
}

/** The progress summary of a metric, or null. */
export function metricProgress(progress: ProgressDoc | null | undefined, metric: MetricInfo): MetricProgress | null {
  const summary = (progress?.metrics as Record<string, MetricProgress | undefined> | undefined)?.[metric.key];
  return summary && typeof summary === 'object' ? summary : null;
}

/** A stored value as text in the metric's shown units, with a dash for none. */
export function formatValue(metric: MetricInfo, value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  const shown = metric.toShown(value).toFixed(metric.decimals);
  return metric.unit === '' ? shown : metric.unit === '%' || metric.unit === '°' ? `${shown}${metric.unit}` : `${shown} ${metric.unit}`;
}
