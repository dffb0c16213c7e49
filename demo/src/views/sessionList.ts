import type { Observable } from 'rxjs';
import { el, fill } from '../dom.js';
import { CHART_METRICS, formatMetric } from '../model/chartMetrics.js';
import { sessionState, type SessionRow, type SessionState } from '../model/sessionRows.js';
import type { View } from './view.js';

const STATE_LABELS: Record<SessionState, string> = {
  pending: 'Waiting to upload',
  provisional: 'Uploaded, provisional',
  confirmed: 'Confirmed by server',
  invalid: 'Invalid',
  refused: 'Refused by server',
  analysing: 'Analysing…',
};

/** Every session with where it stands and its main results, newest first. */
export function sessionList(rows$: Observable<SessionRow[]>): View {
  const body = el('tbody', { 'data-testid': 'session-rows' });
  const empty = el('p', { class: 'muted', 'data-testid': 'sessions-empty' }, 'No sessions yet: play one.');
  const table = el(
    'table',
    { class: 'sessions' },
    el(
      'thead',
      {},
      el('tr', {}, el('th', {}, 'Played'), el('th', {}, 'Score'), el('th', {}, 'Status'), el('th', {}, 'Results'), ...CHART_METRICS.map((m) => el('th', { class: 'number', title: m.label }, m.short))),
    ),
    body,
  );
  const subscription = rows$.subscribe((rows) => {
    empty.hidden = rows.length > 0;
    table.hidden = rows.length === 0;
    fill(body, ...rows.map(rowElement));
  });
  // A phone-width screen scrolls the table rather than the page.
  const element = el('section', { class: 'card', 'data-testid': 'session-list' }, el('h2', {}, 'Sessions'), empty, el('div', { class: 'table-scroll' }, table));
  return { element, dispose: () => subscription.unsubscribe() };
}

function rowElement(row: SessionRow): HTMLTableRowElement {
  const { session } = row.entry;
  const state = sessionState(row);
  const source = row.analysis?.source ?? 'none';
  const overall = row.analysis?.metrics?.overall;
  const why = state === 'refused' ? row.entry.rejectedReason : state === 'invalid' ? row.analysis?.reasons.map((r) => r.message).join('; ') : undefined;
  return el(
    'tr',
    { 'data-testid': 'session-row', 'data-session-id': session.id, 'data-state': state, 'data-source': source },
    el('td', { class: 'nowrap', title: `${Math.round(session.durationMs / 1000)} s, level ${session.level}` }, session.startedAt.slice(0, 10)),
    el('td', { class: 'number' }, String(session.score)),
    el('td', {}, el('span', { class: `badge state-${state}`, 'data-testid': 'session-state', title: why }, STATE_LABELS[state]), why ? el('div', { class: 'why' }, why) : null),
    el('td', {}, el('span', { class: `badge source-${source}`, 'data-testid': 'session-source' }, source === 'server' ? 'server' : source === 'device' ? 'provisional' : '–')),
    ...CHART_METRICS.map((m) => el('td', { class: 'number' }, formatMetric(m, overall?.[m.key]))),
  );
}
