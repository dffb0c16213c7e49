const DAY_MS = 86_400_000;

const day = (t: number): string => new Date(t).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
const time = (t: number, seconds: boolean): string =>
  new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) });

/**
 * Labels of a time axis's ticks (ms since the epoch, `spacingMs` apart): the
 * day when ticks are a day or more apart; otherwise the time of day (with
 * seconds when under a minute apart), the day above it on the first tick and
 * where the day changes, so that games played on one day do not show the
 * same date under every tick.
 */
export function dateTickLabels(ticks: readonly number[], spacingMs: number): string[] {
  if (spacingMs >= DAY_MS) return ticks.map(day);
  const seconds = spacingMs < 60_000;
  return ticks.map((t, i) => (i === 0 || day(t) !== day(ticks[i - 1]!) ? `${day(t)}\n${time(t, seconds)}` : time(t, seconds)));
}
