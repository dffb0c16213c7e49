import type { ProgressDoc } from '@m2m/analysis-core';
import type { M2MClient, Sourced } from '@m2m/mobile-sdk';
import { combineLatest, type Observable } from 'rxjs';
import { metricChart, type ChartPoint } from '../chart/metricChart.js';
import { el, fill } from '../dom.js';
import { CHART_METRICS, formatMetric, type ChartMetric } from '../model/chartMetrics.js';
import type { SessionRow } from '../model/sessionRows.js';
import type { View } from './view.js';

/** The progress summary and the main metrics over time, with baseline and trend. */
export function progressView(client: M2MClient, rows$: Observable<SessionRow[]>): View {
  const summary = el('div', { class: 'summary', 'data-testid': 'progress-summary' });
  const charts = el('div', { class: 'charts' });
  const subscription = combineLatest([client.progress$(), rows$]).subscribe(([progress, rows]) => {
    fill(summary, ...summaryParts(progress));
    fill(charts, ...CHART_METRICS.map((metric) => metricCard(metric, progress, rows)));
  });
  const element = el('section', { class: 'card', 'data-testid': 'progress-view' }, el('h2', {}, 'Progress'), summary, charts);
  return { element, dispose: () => subscription.unsubscribe() };
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

function metricCard(metric: ChartMetric, progress: Sourced<ProgressDoc> | null, rows: readonly SessionRow[]): HTMLElement {
  const summary = progress?.metrics[metric.key];
  const points = pointsOf(metric, rows);
  return el(
    'figure',
    { class: 'metric', 'data-testid': `metric-${metric.key}` },
    el('figcaption', {}, el('strong', {}, metric.label), el('span', { class: 'muted' }, ` (${metric.hint})`)),
    metricChart({ id: metric.key, title: `${metric.label} per session`, points, baseline: summary?.baseline ?? null, trendPerWeek: summary?.trendPerWeek ?? null, domain: metric.domain, format: metric.format }),
    el(
      'p',
      { class: 'legend' },
      el('span', { class: 'key-baseline' }, `baseline ${formatMetric(metric, summary?.baseline)}`),
      ' · ',
      `latest ${formatMetric(metric, summary?.latest)}`,
      ' · ',
      el('span', { class: 'key-trend' }, `trend ${trendText(metric, summary?.trendPerWeek)}`),
    ),
  );
}

/** One point per session with this metric, oldest first (the progress summary's order). */
function pointsOf(metric: ChartMetric, rows: readonly SessionRow[]): ChartPoint[] {
  const points: ChartPoint[] = [];
  for (const { entry, analysis } of rows) {
    const value = analysis?.status === 'ok' ? analysis.metrics?.overall[metric.key] : null;
    if (value === null || value === undefined) continue;
    points.push({ t: Date.parse(entry.session.startedAt), value });
  }
  return points.sort((a, b) => a.t - b.t);
}

function trendText(metric: ChartMetric, perWeek: number | null | undefined): string {
  if (perWeek === null || perWeek === undefined) return '–';
  return `${perWeek >= 0 ? '+' : '−'}${metric.format(Math.abs(perWeek))} per week`;
}
