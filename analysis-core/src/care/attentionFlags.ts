import type { AnalysisDoc, OverallMetrics, ProgressDoc } from '../model/types.js';
import { parseUtcTimestamp } from '../model/utcTimestamp.js';
import { sessionIdTimeMs } from './sessionIdTime.js';

export type FlagCode = 'inactive' | 'declining' | 'data_quality';
export type FlagSeverity = 'high' | 'medium' | 'low';

/** One reason a clinician should look at a patient. */
export interface Flag {
  code: FlagCode;
  /** For `declining`: the metric (an OverallMetrics key). */
  metric?: string;
  severity: FlagSeverity;
  message: string;
  /** ISO time the condition holds from, when it has one. */
  since?: string;
}

export interface AttentionInput {
  progress: ProgressDoc | null;
  /** The patient's analyses, in any order. */
  analyses: readonly AnalysisDoc[];
  /** ISO time of the evaluation (the function reads no clock). */
  now: string;
}

export interface AttentionResult {
  /** Sorted by severity (high first), then code, then metric. */
  flags: Flag[];
  /** Higher = look first: the flags' severity weights plus a fraction for whole days inactive. */
  attention: number;
}

/** A metric the decline check watches, and which way is worse. */
export interface DeclineMetric {
  metric: 'rangeOfMotionDeg' | 'sparc' | 'ldlj' | 'tremorShare' | 'reactionTimeMs';
  /** 'down': a fall is worse (range of motion; SPARC and LDLJ, which grow more negative as movement gets less smooth). 'up': a rise is worse (tremor, reaction time). */
  worse: 'down' | 'up';
  label: string;
}

export interface AttentionThresholds {
  /** Days without a session after which a patient is inactive (medium). */
  inactiveDays: number;
  /** Days without a session after which inactivity is high. */
  inactiveHighDays: number;
  /** The recent window of the decline check, days back from now. */
  recentDays: number;
  /** The earlier window it is compared with, the days just before the recent window. */
  baselineDays: number;
  /** Valid sessions each window needs with a value of the metric before a decline is judged. */
  minSessionsPerWindow: number;
  /** Relative change of the median, in the worse direction, beyond which a metric is declining (medium). */
  declineRelative: number;
  /** Relative change beyond which a decline is high. */
  declineHighRelative: number;
  metrics: readonly DeclineMetric[];
  /** The latest sessions the data-quality check looks at. */
  qualityWindow: number;
  /** How many of them, invalid or with a quality flag, raise data_quality. */
  qualityMinFlagged: number;
}

export const DEFAULT_ATTENTION_THRESHOLDS: Readonly<AttentionThresholds> = Object.freeze({
  inactiveDays: 7,
  inactiveHighDays: 14,
  recentDays: 14,
  baselineDays: 28,
  minSessionsPerWindow: 3,
  declineRelative: 0.15,
  declineHighRelative: 0.3,
  metrics: Object.freeze([
    { metric: 'rangeOfMotionDeg', worse: 'down', label: 'range of motion' },
    { metric: 'sparc', worse: 'down', label: 'smoothness (SPARC)' },
    { metric: 'ldlj', worse: 'down', label: 'smoothness (LDLJ)' },
    { metric: 'tremorShare', worse: 'up', label: 'tremor' },
    { metric: 'reactionTimeMs', worse: 'up', label: 'reaction time' },
  ] as const),
  qualityWindow: 5,
  qualityMinFlagged: 3,
});

const DAY_MS = 86_400_000;
const SEVERITY_ORDER: Record<FlagSeverity, number> = { high: 0, medium: 1, low: 2 };
const SEVERITY_WEIGHT: Record<FlagSeverity, number> = { high: 100, medium: 10, low: 1 };
/** Days inactive count below one low flag's weight, so they only break ties. */
const MAX_TIE_DAYS = 999;

interface SessionPoint {
  sessionId: string;
  timeMs: number;
  ok: boolean;
  flagged: boolean;
  overall: OverallMetrics | null;
}

/**
 * What needs a clinician's attention in one patient's data. Pure and
 * deterministic: the same input gives the same flags on the device and on the
 * worker, whatever the order of the analyses.
 */
export function attentionFlags(input: AttentionInput, thresholds: AttentionThresholds = DEFAULT_ATTENTION_THRESHOLDS): AttentionResult {
  const nowMs = parseUtcTimestamp(input.now);
  if (Number.isNaN(nowMs)) throw new RangeError(`attentionFlags: now must be an ISO UTC timestamp, got ${JSON.stringify(input.now)}`);
  const sessions = sessionPoints(input.analyses, nowMs);
  const flags: Flag[] = [];

  const lastMs = lastSessionMs(input.progress, sessions);
  const daysInactive = lastMs === null ? 0 : Math.floor((nowMs - lastMs) / DAY_MS);
  const inactive = inactivity(lastMs, nowMs, thresholds);
  if (inactive) flags.push(inactive);
  flags.push(...declines(sessions, nowMs, thresholds));
  const quality = dataQuality(sessions, thresholds);
  if (quality) flags.push(quality);

  flags.sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || compare(a.code, b.code) || compare(a.metric ?? '', b.metric ?? ''),
  );
  const weights = flags.reduce((sum, flag) => sum + SEVERITY_WEIGHT[flag.severity], 0);
  const tie = inactive ? Math.min(Math.max(daysInactive, 0), MAX_TIE_DAYS) / (MAX_TIE_DAYS + 1) : 0;
  return { flags, attention: Math.round((weights + tie) * 1000) / 1000 };
}

function sessionPoints(analyses: readonly AnalysisDoc[], nowMs: number): SessionPoint[] {
  const byId = new Map<string, SessionPoint>();
  for (const a of analyses) {
    if (a.type !== 'analysis') continue;
    const timeMs = a.session ? parseUtcTimestamp(a.session.startedAt) : sessionIdTimeMs(a.sessionId);
    // A session dated in the future (a wrong device clock) says nothing about the weeks measured.
    if (timeMs === null || Number.isNaN(timeMs) || timeMs > nowMs) continue;
    const ok = a.status === 'ok' && a.metrics !== null;
    const point: SessionPoint = {
      sessionId: a.sessionId,
      timeMs,
      ok,
      flagged: !ok || (a.quality?.flags.length ?? 0) > 0,
      overall: ok && a.metrics ? a.metrics.overall : null,
    };
    // One point per session whatever the input holds; the later id order keeps it deterministic.
    const seen = byId.get(a.sessionId);
    if (!seen || compare(JSON.stringify(point), JSON.stringify(seen)) > 0) byId.set(a.sessionId, point);
  }
  return [...byId.values()].sort((a, b) => a.timeMs - b.timeMs || compare(a.sessionId, b.sessionId));
}

function lastSessionMs(progress: ProgressDoc | null, sessions: SessionPoint[]): number | null {
  const fromProgress = progress?.lastSessionAt ? parseUtcTimestamp(progress.lastSessionAt) : NaN;
  const fromAnalyses = sessions.length > 0 ? (sessions[sessions.length - 1] as SessionPoint).timeMs : NaN;
  const candidates = [fromProgress, fromAnalyses].filter((ms) => !Number.isNaN(ms));
  return candidates.length === 0 ? null : Math.max(...candidates);
}

function inactivity(lastMs: number | null, nowMs: number, t: AttentionThresholds): Flag | null {
  if (lastMs === null) return { code: 'inactive', severity: 'low', message: 'No session yet' };
  const idleMs = nowMs - lastMs;
  if (idleMs < t.inactiveDays * DAY_MS) return null;
  const days = Math.floor(idleMs / DAY_MS);
  return {
    code: 'inactive',
    severity: idleMs >= t.inactiveHighDays * DAY_MS ? 'high' : 'medium',
    message: `No session for ${days} days`,
    since: new Date(lastMs).toISOString(),
  };
}

function declines(sessions: SessionPoint[], nowMs: number, t: AttentionThresholds): Flag[] {
  const recentFrom = nowMs - t.recentDays * DAY_MS;
  const baselineFrom = recentFrom - t.baselineDays * DAY_MS;
  const flags: Flag[] = [];
  for (const { metric, worse, label } of t.metrics) {
    const recent: number[] = [];
    const baseline: number[] = [];
    let recentStart: number | null = null;
    for (const s of sessions) {
      const value = s.overall?.[metric];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      if (s.timeMs > recentFrom) {
        recent.push(value);
        recentStart ??= s.timeMs;
      } else if (s.timeMs > baselineFrom) {
        baseline.push(value);
      }
    }
    if (recent.length < t.minSessionsPerWindow || baseline.length < t.minSessionsPerWindow) continue;
    const before = median(baseline);
    const after = median(recent);
    if (before === 0) continue; // no scale to measure a relative change against
    const change = (after - before) / Math.abs(before);
    const worsening = worse === 'down' ? -change : change;
    if (worsening <= t.declineRelative) continue;
    const percent = Math.round(worsening * 100);
    flags.push({
      code: 'declining',
      metric,
      severity: worsening > t.declineHighRelative ? 'high' : 'medium',
      message: `${label[0]?.toUpperCase()}${label.slice(1)} ${percent}% worse over the last ${t.recentDays} days than the ${t.baselineDays} days before`,
      since: new Date(recentStart as number).toISOString(),
    });
  }
  return flags;
}

function dataQuality(sessions: SessionPoint[], t: AttentionThresholds): Flag | null {
  const latest = sessions.slice(-t.qualityWindow);
  const flagged = latest.filter((s) => s.flagged);
  if (flagged.length < t.qualityMinFlagged) return null;
  return {
    code: 'data_quality',
    severity: flagged.length === t.qualityWindow ? 'high' : 'medium',
    message: `${flagged.length} of the last ${latest.length} sessions are invalid or have quality problems`,
    since: new Date((flagged[0] as SessionPoint).timeMs).toISOString(),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Code-unit order, the same in every locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
