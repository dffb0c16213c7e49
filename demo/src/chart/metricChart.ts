import { svg } from '../dom.js';

export interface ChartPoint {
  /** Milliseconds since the epoch: when the session was played. */
  t: number;
  value: number;
}

export interface MetricChartInput {
  /** Names the chart for tests and assistive technology. */
  id: string;
  title: string;
  points: readonly ChartPoint[];
  baseline: number | null;
  /** Least-squares slope from the progress summary, in the metric's unit per week. */
  trendPerWeek: number | null;
  /** Bounds the axis where the metric is bounded (a share), so padding never shows 110%. */
  domain?: [number, number] | undefined;
  format(value: number): string;
}

const WIDTH = 360;
const HEIGHT = 150;
const PAD = { left: 56, right: 12, top: 12, bottom: 22 };
const WEEK_MS = 7 * 86_400_000;

/**
 * One metric over time as a hand-drawn SVG: the sessions as a polyline with
 * dots, the baseline as a dashed line, the trend as a line with the summary's
 * slope through the points' mean (which is where a least-squares line passes).
 */
export function metricChart(input: MetricChartInput): SVGSVGElement {
  const { points } = input;
  const root = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: 'chart',
    role: 'img',
    'aria-label': input.title,
    'data-testid': `chart-${input.id}`,
    'data-points': points.length,
  });
  if (points.length === 0) {
    root.append(svg('text', { x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle', class: 'chart-empty' }, 'no data yet'));
    return root;
  }

  const trend = trendLine(points, input.trendPerWeek);
  const values = [...points.map((p) => p.value), ...(input.baseline === null ? [] : [input.baseline]), ...(trend ? [trend.from.value, trend.to.value] : [])];
  const scale = scales(points, values, input.domain);

  root.append(
    svg('line', { x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: HEIGHT - PAD.bottom, class: 'chart-axis' }),
    svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: HEIGHT - PAD.bottom, y2: HEIGHT - PAD.bottom, class: 'chart-axis' }),
    svg('text', { x: PAD.left - 6, y: scale.y(scale.max) + 4, 'text-anchor': 'end', class: 'chart-tick' }, input.format(scale.max)),
    svg('text', { x: PAD.left - 6, y: scale.y(scale.min) + 4, 'text-anchor': 'end', class: 'chart-tick' }, input.format(scale.min)),
    svg('text', { x: PAD.left, y: HEIGHT - 6, class: 'chart-tick' }, day(points[0]!.t)),
    svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 6, 'text-anchor': 'end', class: 'chart-tick' }, day(points[points.length - 1]!.t)),
  );
  if (input.baseline !== null) {
    const y = scale.y(input.baseline);
    root.append(svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y, class: 'chart-baseline', 'data-testid': `baseline-${input.id}` }));
  }
  if (trend) {
    root.append(
      svg('line', { x1: scale.x(trend.from.t), y1: scale.y(trend.from.value), x2: scale.x(trend.to.t), y2: scale.y(trend.to.value), class: 'chart-trend', 'data-testid': `trend-${input.id}` }),
    );
  }
  root.append(svg('polyline', { points: points.map((p) => `${scale.x(p.t).toFixed(1)},${scale.y(p.value).toFixed(1)}`).join(' '), class: 'chart-line' }));
  for (const p of points) {
    root.append(svg('circle', { cx: scale.x(p.t), cy: scale.y(p.value), r: 3.5, class: 'chart-point' }, svg('title', {}, `${day(p.t)}: ${input.format(p.value)}`)));
  }
  return root;
}

/** The trend over the points' time span, or null when there is no slope (fewer than two days apart). */
function trendLine(points: readonly ChartPoint[], perWeek: number | null): { from: ChartPoint; to: ChartPoint } | null {
  if (perWeek === null || points.length < 2) return null;
  const meanT = points.reduce((s, p) => s + p.t, 0) / points.length;
  const meanV = points.reduce((s, p) => s + p.value, 0) / points.length;
  const at = (t: number): ChartPoint => ({ t, value: meanV + (perWeek * (t - meanT)) / WEEK_MS });
  return { from: at(points[0]!.t), to: at(points[points.length - 1]!.t) };
}

function scales(points: readonly ChartPoint[], values: readonly number[], domain: [number, number] | undefined) {
  let min = Math.min(...values);
  let max = Math.max(...values);
  // A flat series still needs a visible band.
  const pad = max === min ? Math.abs(max) * 0.1 || 1 : (max - min) * 0.08;
  min -= pad;
  max += pad;
  if (domain) {
    min = Math.max(min, domain[0]);
    max = Math.min(max, domain[1]);
  }
  const t0 = points[0]!.t;
  const t1 = points[points.length - 1]!.t;
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  return {
    min,
    max,
    x: (t: number) => (t1 === t0 ? PAD.left + plotW / 2 : PAD.left + ((t - t0) / (t1 - t0)) * plotW),
    // Clamped to the plot: a trend line may head past a bounded axis.
    y: (v: number) => Math.min(HEIGHT - PAD.bottom, Math.max(PAD.top, PAD.top + (1 - (v - min) / (max - min)) * plotH)),
  };
}

const day = (t: number): string => new Date(t).toISOString().slice(5, 10);
