import type { M2MClient } from '@m2m/mobile-sdk';
import { el } from '../dom.js';
import { sessionRows$ } from '../model/sessionRows.js';
import { playPanel } from './playPanel.js';
import { progressView } from './progressView.js';
import { sessionList } from './sessionList.js';
import type { View } from './view.js';

/** What a signed-in user sees: play, the sessions, the progress. */
export function dashboardView(client: M2MClient): View {
  const rows$ = sessionRows$(client);
  const parts = [playPanel(client, rows$), sessionList(rows$), progressView(client, rows$)];
  const [play, list, progress] = parts.map((p) => p.element);
  const element = el('div', { class: 'dashboard', 'data-testid': 'dashboard' }, el('div', { class: 'column' }, play, list), el('div', { class: 'column' }, progress));
  return { element, dispose: () => parts.forEach((p) => p.dispose()) };
}
