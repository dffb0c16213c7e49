import type { M2MClient } from '@m2m/mobile-sdk';
import { BehaviorSubject } from 'rxjs';
import { el } from '../dom.js';
import { sessionRows$ } from '../model/sessionRows.js';
import { careTeamPanel } from './careTeamPanel.js';
import { historyPanel } from './historyPanel.js';
import { playPanel } from './playPanel.js';
import { progressView } from './progressView.js';
import { sessionDetail } from './sessionDetail.js';
import { sessionList } from './sessionList.js';
import type { View } from './view.js';

/** What a signed-in user sees: play, the sessions, one session in detail, the progress. */
export function dashboardView(client: M2MClient): View {
  const rows$ = sessionRows$(client);
  const selected = new BehaviorSubject<string | null>(null);
  const detail = sessionDetail(rows$, selected);
  const parts = [playPanel(client), sessionList(rows$, (id) => {
    selected.next(id);
    detail.element.scrollIntoView({ block: 'start' });
  }), progressView(client, rows$), historyPanel(client), careTeamPanel(client), detail];
  const [play, list, progress, history, careTeam] = parts.map((p) => p.element);
  const element = el(
    'div',
    { class: 'dashboard', 'data-testid': 'dashboard' },
    el('div', { class: 'column' }, play, list, careTeam, history),
    el('div', { class: 'column' }, detail.element, progress),
  );
  return { element, dispose: () => parts.forEach((p) => p.dispose()) };
}
