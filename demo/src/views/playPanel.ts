import type { M2MClient } from '@m2m/mobile-sdk';
import { el } from '../dom.js';
import { errorMessage } from '../errorMessage.js';
import { synthesizeGame } from '../model/playSession.js';
import type { View } from './view.js';

const IMPAIRMENTS = [
  { value: '0.1', label: 'Nearly healthy' },
  { value: '0.3', label: 'Mild' },
  { value: '0.5', label: 'Moderate' },
  { value: '0.8', label: 'Severe' },
];
const DURATIONS = [
  { value: '10', label: '10 seconds' },
  { value: '30', label: '30 seconds' },
  { value: '60', label: '1 minute' },
  { value: '180', label: '3 minutes' },
];

/** "Play a session": a synthetic glove recording handed to `recordSession`, as a game would. */
export function playPanel(client: M2MClient): View {
  const impairment = select('impairment', IMPAIRMENTS, '0.3');
  const duration = select('duration', DURATIONS, '30');
  const level = select('level', Array.from({ length: 10 }, (_, i) => ({ value: String(i + 1), label: `Level ${i + 1}` })), '1');
  const play = el('button', { type: 'submit', 'data-testid': 'play' }, 'Play a session');
  const message = el('p', { class: 'muted', role: 'status', 'data-testid': 'play-message' });
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'play-error', hidden: true });

  async function playOnce(): Promise<void> {
    error.hidden = true;
    play.disabled = true;
    message.textContent = 'Playing…';
    try {
      // Let the page paint "Playing…" before the synthesis takes the main thread.
      await new Promise((resolve) => setTimeout(resolve, 0));
      const startedAt = new Date().toISOString();
      const input = synthesizeGame({ impairment: Number(impairment.value), durationS: Number(duration.value), level: Number(level.value) }, startedAt);
      const session = await client.recordSession(input);
      message.textContent = `Recorded the game of ${new Date(startedAt).toLocaleString()} (score ${session.score}). It is analysed on this device now and uploaded when online.`;
    } catch (err) {
      message.textContent = '';
      error.textContent = errorMessage(err);
      error.hidden = false;
    } finally {
      play.disabled = false;
    }
  }

  const form = el(
    'form',
    { class: 'play card', 'data-testid': 'play-panel' },
    el('h2', {}, 'Play a session'),
    el('p', { class: 'muted' }, 'Simulates a rhythm game with the sensor glove, dated now.'),
    el('div', { class: 'row' }, el('label', {}, 'Impairment', impairment), el('label', {}, 'Duration', duration), el('label', {}, 'Game level', level)),
    el('div', { class: 'actions' }, play),
    message,
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void playOnce();
  });
  return { element: form, dispose: () => undefined };
}

function select(name: string, options: readonly { value: string; label: string }[], selected: string): HTMLSelectElement {
  return el('select', { name, 'data-testid': `play-${name}` }, ...options.map((o) => el('option', { value: o.value, selected: o.value === selected }, o.label)));
}
