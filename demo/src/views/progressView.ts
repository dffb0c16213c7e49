import type { ProgressDoc } from '@m2m/analysis-core';
import type { M2MClient, Sourced } from '@m2m/mobile-sdk';
import { combineLatest, distinctUntilChanged, type Observable } from 'rxjs';
import { progressChart, type ProgressPoint } from '../chart/progressChart.js';
import { el, fill } from '../dom.js';
import { formatValue, METRICS, metricProgress, overallValue, type MetricInfo } from '../model/metricCatalog.js';
import type { SessionRow } from '../model/sessionRows.js';
import { describeTrend } from '../model/trend.js';
import type { View } from './view.js';

/** The progress summary and every metric over time, with baseline and trend. */
export function progressView(client: M2MClient, rows$: Observable<SessionRow[]>): View {
  const summary = el('div', { class: 'summary', 'data-testid': 'progress-summary' });
  const charts = el('div', { class: 'charts' });
  const subscription = combineLatest([client.progress$(), rows$]).pipe(distinctUntilChanged((a, b) => drawnFrom(a) === drawnFrom(b))).subscribe(([progress, rows]) => {
    fill(summary, ...summaryParts(progress));
    fill(charts, ...(progress ? METRICS.map((metric) => metricCard(metric, progress, rows)) : []));
  });
  const element = el('section', { class: 'card', 'data-testid': 'progress-view' }, el('h2', {}, 'Progress'), summary, charts);
  return { element, dispose: () => subscription.unsubscribe() };
}

/** What the view is drawn from: the charts are redrawn only when it changes, not on every sync event. */
function drawnFrom([progress, rows]: [Sourced<ProgressDoc> | null, SessionRow[]]): string {
  return JSON.stringify([progress, rows.map((r) => [r.entry.session.id, r.analysis?.source, r.analysis?.analysisVersion, r.analysis?.status])]);
}

function summaryParts(progress: Sourced<ProgressDoc> | null): Node[] {
  if (!progress) return [el('p', { class: 'muted', 'data-testid': 'progress-empty' }, 'Your progress appears after the first analysed session.')];
  const minutes = Math.round(progress.totalPlayTimeMs / 6_000) / 10;
  return [
    el(
      'p',
      {},
      el('strong', { 'data-testid': 'progress-session-count', 'data-count': progress.sessionCount }, count(progress.sessionCount, 'session')),
      ` · ${count(progress.activeDays, 'active day')} · streak ${count(progress.currentStreakDays, 'day')} · ${minutes} min played`,
      progress.invalidSessionCount > 0 ? ` · ${progress.invalidSessionCount} invalid` : '',
    ),
    el(
      'span',
      { class: `badge source-${progress.source}`, 'data-testid': 'progress-source', 'data-source': progress.source },
      progress.source === 'server' ? 'From the server' : 'Provisional: includes sessions the server has not analysed yet',
    ),
  ];
}

const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

function metricCard(metric: MetricInfo, progress: ProgressDoc, rows: readonly SessionRow[]): HTMLElement {
  const summary = metricProgress(progress, metric);
  const points = pointsOf(metric, rows);
  const trend = describeTrend(metric, summary?.trendPerWeek, points.map((p) => p.t));
  const baseline = summary?.baseline ?? null;
  return el(
    'figure',
    { class: 'metric', 'data-testid': `metric-${metric.key}` },
    el('figcaption', {}, el('strong', {}, metric.label), el('span', { class: 'muted explain' }, metric.explain)),
    progressChart({ metric, points, baseline: baseline === null ? null : metric.toShown(baseline), trend }),
    el(
      'p',
      { class: 'legend' },
      el('span', { class: 'key-line' }, `latest ${formatValue(metric, summary?.latest)}`),
      el('span', { class: 'key-baseline' }, `baseline ${formatValue(metric, baseline)}`),
      el('span', { class: trend.shown ? `key-trend trend-${trend.verdict}` : 'trend-none', 'data-testid': `trend-${metric.key}` }, trend.shown ? `trend ${trend.text}` : trend.text),
    ),
  );
}

/** One point per analysed session with this metric, oldest first, in the metric's shown units. */
function pointsOf(metric: MetricInfo, rows: readonly SessionRow[]): ProgressPoint[] {
  const points: ProgressPoint[] = [];
  for (const { entry, analysis } of rows) {
    const value = overallValue(analysis, metric);
    if (value !== null) points.push({ t: Date.parse(entry.session.startedAt), value: metric.toShown(value) });
  }
  return points.sort((a, b) => a.t - b.t);
}
