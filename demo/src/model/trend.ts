import type { MetricInfo } from './metricCatalog.js';

/** A trend is shown only over this many sessions… */
export const TREND_MIN_SESSIONS = 5;
/** …spread over at least this many days: two games on one afternoon are not a weekly rate. */
export const TREND_MIN_DAYS = 7;
const DAY_MS = 86_400_000;

export type TrendVerdict = 'better' | 'worse' | 'steady';

export type Trend =
  | { shown: true; perWeekShown: number; verdict: TrendVerdict; text: string }
  | { shown: false; text: string };

/**
 * The weekly trend as a reader should see it: in the metric's shown units
 * (percentage points for a share), judged by the metric's direction, and only
 * with enough sessions over enough days; otherwise why not.
 */
export function describeTrend(metric: MetricInfo, perWeek: number | null | undefined, times: readonly number[]): Trend {
  const spanDays = times.length < 2 ? 0 : (Math.max(...times) - Math.min(...times)) / DAY_MS;
  if (times.length < TREND_MIN_SESSIONS || spanDays < TREND_MIN_DAYS || perWeek === null || perWeek === undefined) {
    const days = Math.floor(spanDays) + (times.length > 0 ? 1 : 0);
    return {
      shown: false,
      text: `Trend after ${TREND_MIN_SESSIONS} sessions over at least ${TREND_MIN_DAYS} days (so far ${times.length} over ${days} ${days === 1 ? 'day' : 'days'}).`,
    };
  }
  const perWeekShown = metric.toShown(perWeek);
  const decimals = metric.decimals + 1;
  const rounded = Number(perWeekShown.toFixed(decimals));
  const verdict: TrendVerdict = rounded === 0 ? 'steady' : (rounded > 0) === (metric.better === 'higher') ? 'better' : 'worse';
  const sign = rounded > 0 ? '+' : rounded < 0 ? '−' : '±';
  const word = verdict === 'steady' ? 'steady' : verdict === 'better' ? 'improving' : 'getting worse';
  return { shown: true, perWeekShown, verdict, text: `${sign}${Math.abs(rounded).toFixed(decimals)} ${metric.trendUnit} (${word})` };
}
