import type { OverallMetrics, ProgressMetric } from '@m2m/analysis-core';

/** A metric the demo plots, how to read it and how to print it. */
export interface ChartMetric {
  key: ProgressMetric & keyof OverallMetrics;
  label: string;
  /** For a narrow table header. */
  short: string;
  /** Values the metric can take, where it is bounded (a share); the chart never draws beyond. */
  domain?: [number, number];
  /** What a reader should know to judge the number. */
  hint: string;
  format(value: number): string;
}

/** The main metrics of a rehabilitation session, in the order the progress view shows them. */
export const CHART_METRICS: readonly ChartMetric[] = [
  { key: 'rangeOfMotionDeg', label: 'Range of motion', short: 'ROM', hint: 'higher is better', format: (v) => `${v.toFixed(1)}°` },
  { key: 'sparc', label: 'Smoothness (SPARC)', short: 'SPARC', hint: 'closer to zero is smoother', format: (v) => v.toFixed(2) },
  { key: 'reactionTimeMs', label: 'Reaction time', short: 'Reaction', hint: 'lower is better', format: (v) => `${Math.round(v)} ms` },
  { key: 'accuracy', label: 'Accuracy', short: 'Accuracy', domain: [0, 1], hint: 'higher is better', format: (v) => `${(v * 100).toFixed(0)}%` },
];

/** A metric's value for a table cell, with a dash where the analysis has none. */
export function formatMetric(metric: ChartMetric, value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : metric.format(value);
}
