import { PROGRESS_METRICS } from '../model/types.js';
import type { GameProgress, MetricProgress, ProgressDoc, ProgressMetric } from '../model/types.js';
import { ANALYSIS_VERSION } from '../version.js';
import { DECIMALS, roundTo } from '../analysis/rounding.js';
import { progressEntry, type PlayedSession, type ProgressEntry } from './progressEntry.js';

/** The baseline is the mean of a user's first sessions, so one odd first game does not define it. */
export const BASELINE_SESSIONS = 3;
/** "Recent" is the mean of the last sessions. */
export const RECENT_SESSIONS = 5;
/**
 * The per-game section lists at most this many games, the most recently
 * played, so the document stays small whatever game ids a client sends
 * (10,000 distinct ones made it 1.76 MB). The totals cover every game.
 */
export const MAX_PROGRESS_GAMES = 50;

const MS_PER_DAY = 86_400_000;
const MS_PER_WEEK = 7 * MS_PER_DAY;

const METRIC_INFO: Record<ProgressMetric, { better: 'higher' | 'lower'; decimals: number }> = {
  rangeOfMotionDeg: { better: 'higher', decimals: DECIMALS.deg },
  peakVelocityDegS: { better: 'higher', decimals: DECIMALS.degPerS },
  // SPARC and LDLJ are negative; closer to zero is smoother.
  sparc: { better: 'higher', decimals: DECIMALS.smoothness },
  ldlj: { better: 'higher', decimals: DECIMALS.smoothness },
  tremorShare: { better: 'lower', decimals: DECIMALS.share },
  reactionTimeMs: { better: 'lower', decimals: DECIMALS.ms },
  accuracy: { better: 'higher', decimals: DECIMALS.share },
};

type Played = PlayedSession;

/**
 * The `progress` document body over a user's analyses. Input order does not
 * matter: sessions are ordered by start time (then id), and when one session
 * appears more than once the analysis of the newest version and revision counts.
 * Documents that are not valid analyses are ignored. Days are UTC days; the
 * current streak is the run of consecutive active days ending on the last one.
 */
export function summarizeProgress(analyses: readonly unknown[]): ProgressDoc {
  return summarizeProgressEntries(analyses.map(progressEntry));
}

/**
 * summarizeProgress over analyses already made into entries (progressEntry;
 * undefined for an input that is not a valid analysis): the same document,
 * at a small part of the cost.
 */
export function summarizeProgressEntries(entries: Iterable<ProgressEntry | undefined>): ProgressDoc {
  const latestBySession = new Map<string, ProgressEntry>();
  for (const entry of entries) {
    if (!entry) continue;
    const kept = latestBySession.get(entry.sessionId);
    if (!kept || isNewer(entry, kept)) latestBySession.set(entry.sessionId, entry);
  }

  let invalidSessionCount = 0;
  const played: Played[] = [];
  for (const entry of latestBySession.values()) {
    if (entry.played) played.push(entry.played);
    else invalidSessionCount++;
  }
  played.sort((x, y) => x.startedMs - y.startedMs || compareStrings(x.sessionId, y.sessionId));

  const days = [...new Set(played.map((p) => p.day))].sort();
  const streaks = streakLengths(days);
  const first = played[0];
  const last = played[played.length - 1];

  return {
    id: 'progress',
    type: 'progress',
    schemaVersion: 1,
    analysisVersion: ANALYSIS_VERSION,
    sessionCount: played.length,
    invalidSessionCount,
    firstSessionAt: first ? new Date(first.startedMs).toISOString() : null,
    lastSessionAt: last ? new Date(last.startedMs).toISOString() : null,
    activeDays: days.length,
    currentStreakDays: streaks.length > 0 ? streaks[streaks.length - 1]! : 0,
    longestStreakDays: streaks.reduce((m, s) => Math.max(m, s), 0),
    totalPlayTimeMs: played.reduce((sum, p) => sum + p.durationMs, 0),
    metrics: Object.fromEntries(PROGRESS_METRICS.map((m) => [m, metricProgress(m, played)])) as Record<ProgressMetric, MetricProgress>,
    games: gameBreakdown(played),
  };
}

function metricProgress(metric: ProgressMetric, played: readonly Played[]): MetricProgress {
  const { better, decimals } = METRIC_INFO[metric];
  const points: Array<{ t: number; value: number }> = [];
  for (const p of played) {
    const value = p.overall[metric];
    if (value !== null) points.push({ t: p.startedMs, value });
  }
  const values = points.map((p) => p.value);
  const baseline = meanOf(values.slice(0, BASELINE_SESSIONS));
  const latest = values.length > 0 ? values[values.length - 1]! : NaN;
  const best = values.length === 0 ? NaN : values.reduce((b, v) => (better === 'higher' ? Math.max(b, v) : Math.min(b, v)));
  return {
    better,
    sessions: values.length,
    baseline: roundTo(baseline, decimals),
    latest: roundTo(latest, decimals),
    best: roundTo(best, decimals),
    recentMean: roundTo(meanOf(values.slice(-RECENT_SESSIONS)), decimals),
    // A weekly change is small beside the value itself: keep one more decimal.
    trendPerWeek: roundTo(slopePerWeek(points), decimals + 1),
    changeFromBaseline: roundTo(latest - baseline, decimals),
  };
}

/** Least-squares slope of value against time, in units per week; NaN with fewer than two distinct times. */
function slopePerWeek(points: readonly { t: number; value: number }[]): number {
  if (points.length < 2) return NaN;
  const t0 = points[0]!.t;
  const xs = points.map((p) => (p.t - t0) / MS_PER_WEEK);
  const mx = meanOf(xs);
  const my = meanOf(points.map((p) => p.value));
  let sxy = 0;
  let sxx = 0;
  points.forEach((p, i) => {
    const dx = xs[i]! - mx;
    sxy += dx * (p.value - my);
    sxx += dx * dx;
  });
  return sxx === 0 ? NaN : sxy / sxx;
}

function gameBreakdown(played: readonly Played[]): Record<string, GameProgress> {
  const byGame = new Map<string, Played[]>();
  for (const p of played) {
    const sessions = byGame.get(p.gameId);
    if (sessions) sessions.push(p);
    else byGame.set(p.gameId, [p]);
  }
  // The most recently played games (played is in start order; ties by game id), listed by name.
  const lastPlayed = (gameId: string): number => byGame.get(gameId)!.at(-1)!.startedMs;
  const shown = [...byGame.keys()]
    .sort((x, y) => lastPlayed(y) - lastPlayed(x) || compareStrings(x, y))
    .slice(0, MAX_PROGRESS_GAMES)
    .sort(compareStrings);
  // Object.fromEntries defines own properties, so a game id like "__proto__" stays data.
  return Object.fromEntries(
    shown.map((gameId) => {
      const sessions = byGame.get(gameId)!;
      return [gameId, {
        sessionCount: sessions.length,
        totalPlayTimeMs: sessions.reduce((sum, p) => sum + p.durationMs, 0),
        latestLevel: sessions[sessions.length - 1]!.level,
        highestLevel: sessions.reduce((m, p) => Math.max(m, p.level), 0),
        bestScore: sessions.reduce((m, p) => Math.max(m, p.score), 0),
        meanAccuracy: roundTo(meanOf(sessions.flatMap((p) => (p.overall.accuracy === null ? [] : [p.overall.accuracy]))), DECIMALS.share),
      }];
    }),
  );
}

/** Lengths of the runs of consecutive days in a sorted list of distinct YYYY-MM-DD days. */
function streakLengths(days: readonly string[]): number[] {
  const runs: number[] = [];
  let previous = NaN;
  for (const day of days) {
    const ms = Date.parse(`${day}T00:00:00Z`);
    if (ms - previous === MS_PER_DAY) runs[runs.length - 1]!++;
    else runs.push(1);
    previous = ms;
  }
  return runs;
}

/**
 * Newer analysis version first, then the higher session revision (CouchDB
 * `N-hash`); two analyses that tie on both are told apart by their content,
 * so the choice never depends on the input order.
 */
function isNewer(a: ProgressEntry, b: ProgressEntry): boolean {
  const byVersion = compareVersions(a.analysisVersion, b.analysisVersion);
  if (byVersion !== 0) return byVersion > 0;
  const byRev = revNumber(a.sessionRev) - revNumber(b.sessionRev);
  if (byRev !== 0) return byRev > 0;
  const byRevText = compareStrings(a.sessionRev ?? '', b.sessionRev ?? '');
  if (byRevText !== 0) return byRevText > 0;
  return compareStrings(a.contentKey, b.contentKey) > 0;
}

const compareVersions = (a: string, b: string): number => {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

const revNumber = (rev: string | null): number => (rev === null ? 0 : Number.parseInt(rev, 10) || 0);

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function meanOf(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
