import type { M2MClient } from '@m2m/mobile-sdk';
import { el } from '../dom.js';
import { errorMessage } from '../errorMessage.js';
import { synthesizeGame } from '../model/playSession.js';
import { simulatedHistory } from '../model/simulatedHistory.js';
import type { View } from './view.js';

/** Demo only: fills the history with two weeks of synthetic games, so that charts and trends have days to show. */
export function historyPanel(client: M2MClient): View {
  const run = el('button', { type: 'button', class: 'secondary', 'data-testid': 'simulate-history' }, 'Simulate two weeks');
  const message = el('p', { class: 'muted', role: 'status', 'data-testid': 'simulate-message' });
  const error = el('p', { class: 'error', role: 'alert', hidden: true });

  async function simulate(): Promise<void> {
    run.disabled = true;
    error.hidden = true;
    const games = simulatedHistory(Date.now());
    try {
      for (const [i, game] of games.entries()) {
        message.textContent = `Recording simulated game ${i + 1} of ${games.length}…`;
        // One game per task: the page stays responsive while they are made.
        await new Promise((resolve) => setTimeout(resolve, 0));
        await client.recordSession(synthesizeGame(game, game.startedAt, game.seed));
      }
      message.textContent = `Added ${games.length} simulated games dated over the past two weeks.`;
    } catch (err) {
      message.textContent = '';
      error.textContent = errorMessage(err);
      error.hidden = false;
    } finally {
      run.disabled = false;
    }
  }
  run.addEventListener('click', () => void simulate());

  const element = el(
    'section',
    { class: 'card demo-only', 'data-testid': 'history-panel' },
    el('h2', {}, 'Demo history'),
    el(
      'p',
      { class: 'muted' },
      'For trying the demo only: adds ten synthetic games dated over the past two weeks, by a hand that slowly recovers, so the progress charts and trends have days to show. Games you play are dated when you play them.',
    ),
    el('div', { class: 'actions' }, run),
    message,
    error,
  );
  return { element, dispose: () => undefined };
}
