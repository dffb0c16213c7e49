import type uPlot from 'uplot';
import { el } from '../dom.js';
import type { MetricInfo } from '../model/metricCatalog.js';
import type { Trend } from '../model/trend.js';
import { dateTickLabels } from './dateAxis.js';
import { dateTimeLabel, fittedChart, tooltipPlugin } from './uplotChart.js';

export interface ProgressPoint {
  /** When the session was played, ms since the epoch. */
  t: number;
  /** The value in the metric's shown units. */
  value: number;
}

export interface ProgressChartInput {
  metric: MetricInfo;
  points: readonly ProgressPoint[];
  /** Shown units. */
  baseline: number | null;
  trend: Trend;
}

const COLOURS = { line: '#2f6fdf', baseline: '#7a8496', better: '#1f8a4c', worse: '#c0392b', steady: '#7a8496' };
const WEEK_MS = 7 * 86_400_000;

/**
 * One metric over time: the sessions (line and dots), the baseline (dashed)
 * and, when there is enough data, the weekly trend coloured by whether it is
 * better or worse for this metric. Dates on the x axis, the unit on the y axis,
 * a tooltip per session.
 */
export function progressChart(input: ProgressChartInput): HTMLElement {
  const { metric, points, trend } = input;
  const axisLabel = metric.unit ? `${metric.label} (${metric.unit})` : metric.label;
  const holder = el('div', {
    class: 'chart',
    role: 'img',
    'aria-label': `${axisLabel} per session`,
    'data-testid': `chart-${metric.key}`,
    'data-points': points.length,
    'data-baseline': input.baseline === null ? 'none' : 'shown',
    'data-trend': trend.shown ? trend.verdict : 'not-enough-data',
    'data-y-label': axisLabel,
  });
  if (points.length === 0) {
    holder.append(el('p', { class: 'muted chart-empty' }, 'No sessions with this metric yet.'));
    return holder;
  }
  const xs = points.map((p) => p.t / 1000);
  const ys = points.map((p) => p.value);
  const baseline = xs.map(() => input.baseline);
  const trendLine = trend.shown ? trendValues(points, trend.perWeekShown) : xs.map(() => null);
  const trendColour = trend.shown ? COLOURS[trend.verdict] : COLOURS.steady;
  const single = xs.length === 1;

  const options: Omit<uPlot.Options, 'width'> = {
    height: 190,
    legend: { show: false },
    cursor: { points: { size: 8 }, drag: { x: false, y: false } },
    scales: {
      // One session still gets a day either side, so its dot is not on the edge.
      x: { time: true, ...(single ? { range: (_u, min, max) => [min - 86_400, max + 86_400] as uPlot.Range.MinMax } : {}) },
      y: metric.domain ? { range: (_u, min, max) => [Math.max(metric.domain![0], Math.floor(min - 5)), Math.min(metric.domain![1], Math.ceil(max + 5))] as uPlot.Range.MinMax } : {},
    },
    axes: [
      // Two lines of tick labels (day and time) when the games span less than a day.
      { label: 'Date played', labelSize: 18, size: (_u, values) => (values?.some((v) => v.includes('\n')) ? 46 : 34), font: '11px system-ui', labelFont: '12px system-ui', values: (_u, ticks, _axis, _space, increment) => dateTickLabels(ticks.map((s) => s * 1000), increment * 1000) },
      { label: axisLabel, labelSize: 18, size: 52, font: '11px system-ui', labelFont: '12px system-ui' },
    ],
    series: [
      {},
      { label: metric.label, stroke: COLOURS.line, width: 2, points: { show: true, size: 7, fill: COLOURS.line } },
      { label: 'Baseline', stroke: COLOURS.baseline, width: 1.5, dash: [6, 4], points: { show: false } },
      { label: 'Trend', stroke: trendColour, width: 2.5, points: { show: false } },
    ],
    plugins: [
      tooltipPlugin((_u, idx) => {
        const value = ys[idx];
        return value === undefined ? null : `${dateTimeLabel(xs[idx]! * 1000)}: ${value.toFixed(metric.decimals)}${metric.unit ? ` ${metric.unit}` : ''}`;
      }),
    ],
  };
  fittedChart(holder, options, [xs, ys, baseline, trendLine]);
  return holder;
}

/** The trend line through the points' mean (where a least-squares line passes), at every point's time. */
function trendValues(points: readonly ProgressPoint[], perWeek: number): number[] {
  const meanT = points.reduce((s, p) => s + p.t, 0) / points.length;
  const meanV = points.reduce((s, p) => s + p.value, 0) / points.length;
  return points.map((p) => meanV + (perWeek * (p.t - meanT)) / WEEK_MS);
}
