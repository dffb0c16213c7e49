import type { AnalysisDoc, ProgressDoc } from '@m2m/analysis-core';
import type { CarePatient, M2MClient } from '@m2m/mobile-sdk';
import { combineLatest, distinctUntilChanged, map, of, switchMap, type BehaviorSubject } from 'rxjs';
import { progressChart } from '../chart/progressChart.js';
import { dateTimeLabel } from '../chart/uplotChart.js';
import { el, fill } from '../dom.js';
import { errorMessage } from '../errorMessage.js';
import { analysisPoints, exportFileName } from '../model/careRows.js';
import { formatValue, METRICS, metricProgress, overallValue, TABLE_METRICS } from '../model/metricCatalog.js';
import { describeTrend } from '../model/trend.js';
import type { View } from './view.js';

interface Shown {
  patient: CarePatient;
  progress: ProgressDoc | null;
  analyses: AnalysisDoc[];
}

/** One followed patient: their charts, their sessions and the CSV export, all from the device's copy. */
export function patientDetailView(client: M2MClient, selected: BehaviorSubject<string | null>): View {
  const element = el('section', { class: 'card detail', 'data-testid': 'patient-detail', hidden: true });
  const subscription = selected
    .pipe(
      switchMap((id) =>
        id === null
          ? of(null)
          : combineLatest([client.patients$(), client.patientProgress$(id), client.patientAnalyses$(id)]).pipe(
              map(([patients, progress, analyses]) => {
                const patient = patients.find((p) => p.patientId === id);
                return patient ? { patient, progress, analyses } : null;
              }),
            ),
      ),
      // Redrawn when what it shows changes, not on each re-evaluation of the flags.
      distinctUntilChanged((a, b) => drawnFrom(a) === drawnFrom(b)),
    )
    .subscribe((shown) => {
      // A revoked patient's data has left the device: the view closes with it.
      element.hidden = shown === null;
      if (shown) fill(element, ...parts(client, shown, () => selected.next(null)));
      else element.replaceChildren();
    });
  return { element, dispose: () => subscription.unsubscribe() };
}

function drawnFrom(shown: Shown | null): string {
  if (!shown) return 'none';
  const { patient, progress, analyses } = shown;
  return JSON.stringify([patient.patientId, patient.username, progress?.sessionCount, progress?.analysisVersion, analyses.map((a) => [a.sessionId, a.sessionRev, a.analysisVersion])]);
}

function parts(client: M2MClient, { patient, progress, analyses }: Shown, close: () => void): Node[] {
  const closeButton = el('button', { type: 'button', class: 'secondary', 'data-testid': 'patient-close' }, 'Close');
  closeButton.addEventListener('click', close);
  const exportButton = el('button', { type: 'button', 'data-testid': 'patient-export' }, 'Export CSV');
  const exportError = el('p', { class: 'error', role: 'alert', hidden: true });
  exportButton.addEventListener('click', () => {
    exportError.hidden = true;
    client
      .exportPatientCsv(patient.patientId)
      .then((csv) => download(exportFileName(patient.username, Date.now()), csv))
      .catch((err: unknown) => {
        exportError.textContent = errorMessage(err);
        exportError.hidden = false;
      });
  });
  const unfollow = el('button', { type: 'button', class: 'secondary', 'data-testid': 'patient-unfollow' }, 'Stop following');
  unfollow.addEventListener('click', () => {
    exportError.hidden = true;
    unfollow.disabled = true;
    // The patient's data leaves this device on the next sync; the page closes with it.
    client.revokeLink(patient.patientId).catch((err: unknown) => {
      unfollow.disabled = false;
      exportError.textContent = errorMessage(err);
      exportError.hidden = false;
    });
  });
  const times = analyses.flatMap((a) => (a.session ? [Date.parse(a.session.startedAt)] : []));
  return [
    el('div', { class: 'detail-head' }, el('h2', { 'data-testid': 'patient-detail-name' }, patient.username), el('div', { class: 'actions' }, exportButton, unfollow, closeButton)),
    exportError,
    el('h3', {}, 'Sessions'),
    analyses.length === 0
      ? el('p', { class: 'muted' }, 'No analysed sessions yet.')
      : el(
          'ul',
          { class: 'sessions' },
          ...analyses.map((a) =>
            el(
              'li',
              { class: 'session', 'data-testid': 'patient-session-row', 'data-session-id': a.sessionId, 'data-status': a.status },
              el(
                'div',
                { class: 'session-head' },
                el('span', { class: 'when' }, a.session ? dateTimeLabel(Date.parse(a.session.startedAt)) : a.sessionId),
                el('span', { class: `badge state-${a.status === 'ok' ? 'confirmed' : 'invalid'}`, title: a.reasons.map((r) => r.message).join('; ') || undefined }, a.status === 'ok' ? 'analysed' : 'invalid'),
                a.session ? el('span', { class: 'score' }, `score ${a.session.score}`) : null,
              ),
              el('dl', { class: 'session-metrics' }, ...TABLE_METRICS.flatMap((m) => [el('dt', { title: m.label }, m.short), el('dd', {}, formatValue(m, overallValue(a, m)))])),
            ),
          ),
        ),
    el('h3', {}, 'Progress'),
    el(
      'div',
      { class: 'charts' },
      ...METRICS.map((metric) => {
        const summary = metricProgress(progress, metric);
        const baseline = summary?.baseline ?? null;
        return el(
          'figure',
          { class: 'metric', 'data-testid': `patient-metric-${metric.key}` },
          el('figcaption', {}, el('strong', {}, metric.label)),
          progressChart({ metric, points: analysisPoints(analyses, metric), baseline: baseline === null ? null : metric.toShown(baseline), trend: describeTrend(metric, summary?.trendPerWeek, times) }),
        );
      }),
    ),
  ];
}

/** Hands the CSV to the browser as a file download. */
function download(fileName: string, csv: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
  const link = el('a', { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
