import { el } from '../dom.js';
import type { AppState, AppUpdates } from '../pwa/appUpdates.js';
import type { View } from './view.js';

const LABELS: Record<AppState, string> = {
  installing: 'Saving the app for offline use…',
  'offline-ready': 'Works offline',
  'update-ready': 'Update ready',
  unsupported: 'Needs the network to open',
};

/** A note on whether the app opens offline, and the offer to switch to a new version when one is ready. */
export function appStateView(updates: AppUpdates): { note: View; banner: View } {
  const note = el('span', { class: 'app-state', 'data-testid': 'app-state' });
  const reload = el('button', { type: 'button', 'data-testid': 'app-update-apply' }, 'Reload now');
  const banner = el(
    'div',
    { class: 'update-banner', role: 'status', 'data-testid': 'app-update', hidden: true },
    el('span', {}, 'A new version of the app is ready. It starts when you reload, or the next time you open the app with every tab of it closed.'),
    reload,
  );
  reload.addEventListener('click', () => {
    reload.disabled = true;
    void updates.apply();
  });
  const subscription = updates.state$.subscribe((state) => {
    note.dataset['state'] = state;
    note.textContent = LABELS[state];
    banner.hidden = state !== 'update-ready';
  });
  return { note: { element: note, dispose: () => subscription.unsubscribe() }, banner: { element: banner, dispose: () => undefined } };
}
