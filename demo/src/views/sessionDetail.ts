import { combineLatest, distinctUntilChanged, map, type BehaviorSubject, type Observable } from 'rxjs';
import { fingerTraces } from '../chart/fingerTraces.js';
import { handDiagram, type FingerFacts } from '../chart/handDiagram.js';
import { dateTimeLabel } from '../chart/uplotChart.js';
import { el, fill } from '../dom.js';
import { FINGER_METRICS, FINGER_NAMES, fingerValue, formatValue, METRICS, overallValue, type MetricInfo } from '../model/metricCatalog.js';
import { sessionState, type SessionRow } from '../model/sessionRows.js';
import type { View } from './view.js';

const REACTION = METRICS.find((m) => m.key === 'reactionTimeMs')!;
const TREMOR = METRICS.find((m) => m.key === 'tremorShare')!;

/** One game in detail: its finger traces, the hand with each finger's values, reaction times, tremor and every metric explained. */
export function sessionDetail(rows$: Observable<SessionRow[]>, selected: BehaviorSubject<string | null>): View {
  const element = el('section', { class: 'card detail', 'data-testid': 'session-detail', hidden: true });
  const subscription = combineLatest([rows$, selected])
    .pipe(
      map(([rows, id]) => (id === null ? null : (rows.find((r) => r.entry.session.id === id) ?? null))),
      // Redrawn when the shown session or its results change, not on every other session's news.
      distinctUntilChanged((a, b) => a?.entry.session.id === b?.entry.session.id && a?.analysis?.source === b?.analysis?.source && a?.analysis?.id === b?.analysis?.id),
    )
    .subscribe((row) => {
      element.hidden = row === null;
      if (row) fill(element, ...detailParts(row, () => selected.next(null)));
      else element.replaceChildren();
    });
  return { element, dispose: () => subscription.unsubscribe() };
}

function detailParts(row: SessionRow, close: () => void): Node[] {
  const { session } = row.entry;
  const analysis = row.analysis;
  const closeButton = el('button', { type: 'button', class: 'secondary', 'data-testid': 'session-detail-close' }, 'Close');
  closeButton.addEventListener('click', close);
  const state = sessionState(row);
  return [
    el(
      'div',
      { class: 'detail-head' },
      el('h2', {}, `Game of ${dateTimeLabel(Date.parse(session.startedAt))}`),
      closeButton,
    ),
    el(
      'p',
      { class: 'muted' },
      `${Math.round(session.durationMs / 1000)} s, level ${session.level}, score ${session.score}. `,
      analysis ? (analysis.source === 'server' ? 'Results from the server.' : 'Provisional results, computed on this device.') : 'Not analysed yet.',
      state === 'invalid' ? ` The analysis could not use this game: ${analysis?.reasons.map((r) => r.message).join('; ')}` : '',
    ),
    el('h3', {}, 'Finger movement'),
    el('p', { class: 'muted explain' }, 'Each line is one finger’s bend angle during the game: peaks are the finger closing, valleys opening.'),
    fingerTraces(session),
    el('h3', {}, 'Per finger'),
    handDiagram(FINGER_NAMES.map((finger): FingerFacts => ({
      finger,
      rangeOfMotionDeg: fingerValue(analysis, finger, FINGER_METRICS[0]!),
      lines: [
        `ROM ${formatValue(FINGER_METRICS[0]!, fingerValue(analysis, finger, FINGER_METRICS[0]!))}`,
        `SPARC ${formatValue(FINGER_METRICS[1]!, fingerValue(analysis, finger, FINGER_METRICS[1]!))}`,
        `reaction ${formatValue(REACTION, fingerValue(analysis, finger, REACTION))}`,
      ],
    }))),
    el('p', { class: 'muted explain' }, 'Deeper blue: the finger moves through more of its range.'),
    el('h3', {}, 'Reaction times'),
    reactionList(row),
    el('h3', {}, 'Tremor'),
    el('p', { 'data-testid': 'detail-tremor' }, el('strong', {}, formatValue(TREMOR, overallValue(analysis, TREMOR))), ' ', el('span', { class: 'muted' }, TREMOR.explain)),
    el('h3', {}, 'All results of this game'),
    el('dl', { class: 'metric-list', 'data-testid': 'detail-metrics' }, ...METRICS.flatMap((m) => metricLine(m, overallValue(analysis, m)))),
  ];
}

function reactionList(row: SessionRow): HTMLElement {
  const analysis = row.analysis;
  return el(
    'ul',
    { class: 'reactions', 'data-testid': 'detail-reactions' },
    el('li', {}, el('strong', {}, `Overall ${formatValue(REACTION, overallValue(analysis, REACTION))}`), el('span', { class: 'muted' }, ` ${REACTION.explain}`)),
    ...FINGER_NAMES.map((finger) => el('li', {}, `${finger}: ${formatValue(REACTION, fingerValue(analysis, finger, REACTION))}`)),
  );
}

function metricLine(metric: MetricInfo, value: number | null): Node[] {
  return [el('dt', {}, metric.label), el('dd', {}, el('strong', {}, formatValue(metric, value)), ' ', el('span', { class: 'muted' }, metric.explain))];
}
