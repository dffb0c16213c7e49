import type { AnalysisDoc } from '@m2m/analysis-core';
import type { AttentionFlag, CareLink, CarePatient } from '@m2m/mobile-sdk';
import type { ProgressPoint } from '../chart/progressChart.js';
import { overallValue, type MetricInfo } from './metricCatalog.js';

const DAY_MS = 86_400_000;

/** How long ago a patient last played, in days a therapist reads at a glance. */
export function lastActivityLabel(lastSessionAt: string | null, now: number): string {
  if (!lastSessionAt) return 'no session yet';
  const days = Math.floor((now - Date.parse(lastSessionAt)) / DAY_MS);
  if (days <= 0) return 'played today';
  if (days === 1) return 'played yesterday';
  return `played ${days} days ago`;
}

const FLAG_TITLES: Record<AttentionFlag['code'], string> = {
  inactive: 'Inactive',
  declining: 'Getting worse',
  data_quality: 'Data quality',
};

/** A flag's badge text: what it is and, for a metric, which one. */
export function flagLabel(flag: AttentionFlag, metrics: readonly MetricInfo[]): string {
  const title = FLAG_TITLES[flag.code] ?? flag.code;
  if (!flag.metric) return title;
  const metric = metrics.find((m) => m.key === flag.metric);
  return `${title}: ${metric ? metric.label.toLowerCase() : flag.metric}`;
}

/** One summary line for the list: sessions and last activity. */
export function patientSummary(patient: CarePatient, now: number): string {
  const sessions = `${patient.sessionCount} ${patient.sessionCount === 1 ? 'session' : 'sessions'}`;
  return `${sessions} · ${lastActivityLabel(patient.lastSessionAt, now)}`;
}

/** One point per valid analysis with this metric, oldest first, in the metric's shown units. */
export function analysisPoints(analyses: readonly AnalysisDoc[], metric: MetricInfo): ProgressPoint[] {
  const points: ProgressPoint[] = [];
  for (const analysis of analyses) {
    const value = overallValue(analysis, metric);
    const startedAt = analysis.session?.startedAt;
    if (value !== null && startedAt) points.push({ t: Date.parse(startedAt), value: metric.toShown(value) });
  }
  return points.sort((a, b) => a.t - b.t);
}

/** A follower's state in words: since when, or when and by whom it was ended. */
export function linkStateLabel(link: CareLink): string {
  const last = link.history.at(-1);
  const when = last ? new Date(last.at).toLocaleDateString() : '';
  if (link.status === 'active') {
    const linked = [...link.history].reverse().find((e) => e.event === 'linked');
    return linked ? `follows you since ${new Date(linked.at).toLocaleDateString()}` : 'follows you';
  }
  const by = last?.by === 'patient' ? 'by you' : last?.by === 'clinician' ? 'by them' : 'by the operator';
  return `stopped ${when} ${by}`.replace('  ', ' ');
}

/** The file name of a patient's export: theirs and the day, safe on every system. */
export function exportFileName(username: string, now: number): string {
  const day = new Date(now).toISOString().slice(0, 10);
  return `${username.replace(/[^a-z0-9_-]/gi, '_')}-analyses-${day}.csv`;
}
