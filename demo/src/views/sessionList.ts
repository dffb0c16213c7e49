import type { Observable } from 'rxjs';
import { dateTimeLabel } from '../chart/uplotChart.js';
import { el, fill } from '../dom.js';
import { formatValue, overallValue, TABLE_METRICS } from '../model/metricCatalog.js';
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

/** Every session with where it stands and its main results, newest first; a session opens its details. */
export function sessionList(rows$: Observable<SessionRow[]>, onOpen: (sessionId: string) => void): View {
  const list = el('ul', { class: 'sessions', 'data-testid': 'session-rows' });
  const empty = el('p', { class: 'muted', 'data-testid': 'sessions-empty' }, 'No sessions yet: play one.');
  const subscription = rows$.subscribe((rows) => {
    empty.hidden = rows.length > 0;
    fill(list, ...rows.map((row) => rowElement(row, onOpen)));
  });
  const element = el('section', { class: 'card', 'data-testid': 'session-list' }, el('h2', {}, 'Sessions'), empty, list);
  return { element, dispose: () => subscription.unsubscribe() };
}

function rowElement(row: SessionRow, onOpen: (sessionId: string) => void): HTMLLIElement {
  const { session } = row.entry;
  const state = sessionState(row);
  const source = row.analysis?.source ?? 'none';
  const why = state === 'refused' ? row.entry.rejectedReason : state === 'invalid' ? row.analysis?.reasons.map((r) => r.message).join('; ') : undefined;
  // Every row has one: its accessible name says which game it opens.
  const open = el('button', { type: 'button', class: 'link', 'data-testid': 'session-open', 'aria-label': `Details of the game of ${dateTimeLabel(Date.parse(session.startedAt))}` }, 'Details');
  open.addEventListener('click', () => onOpen(session.id));
  return el(
    'li',
    { class: 'session', 'data-testid': 'session-row', 'data-session-id': session.id, 'data-started-at': session.startedAt, 'data-state': state, 'data-source': source },
    el(
      'div',
      { class: 'session-head' },
      el('span', { class: 'when', title: `${Math.round(session.durationMs / 1000)} s, level ${session.level}` }, dateTimeLabel(Date.parse(session.startedAt))),
      el('span', { class: `badge state-${state}`, 'data-testid': 'session-state', title: why }, STATE_LABELS[state]),
      el('span', { class: `badge source-${source}`, 'data-testid': 'session-source' }, source === 'server' ? 'server' : source === 'device' ? 'provisional' : '–'),
      el('span', { class: 'score' }, `score ${session.score}`),
      open,
    ),
    why ? el('div', { class: 'why' }, why) : null,
    el(
      'dl',
      { class: 'session-metrics' },
      ...TABLE_METRICS.flatMap((m) => [el('dt', { title: m.label }, m.short), el('dd', {}, formatValue(m, overallValue(row.analysis, m)))]),
    ),
  );
}
