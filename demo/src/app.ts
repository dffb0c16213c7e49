import type { M2MClient, SignedInUser } from '@m2m/mobile-sdk';
import { BehaviorSubject } from 'rxjs';
import { el } from './dom.js';
import { errorMessage } from './errorMessage.js';
import type { AppUpdates } from './pwa/appUpdates.js';
import { appStateView } from './views/appStateView.js';
import { authView } from './views/authView.js';
import { clinicianView } from './views/clinicianView.js';
import { dashboardView } from './views/dashboardView.js';
import { statusBar } from './views/statusBar.js';
import type { View } from './views/view.js';

/** Mounts the demo: the status bar, then the sign-in form or the dashboard, by who is signed in. */
export function startApp(root: HTMLElement, client: M2MClient, updates: AppUpdates): void {
  const user$ = new BehaviorSubject<SignedInUser | null>(client.user());
  const notice = el('p', { class: 'error', role: 'alert', 'data-testid': 'app-error', hidden: true });
  const main = el('main');
  let current: View | null = null;

  function show(): void {
    current?.dispose();
    user$.next(client.user());
    const user = client.user();
    current = user === null ? authView(client, show) : user.role === 'clinician' ? clinicianView(client) : dashboardView(client);
    main.replaceChildren(current.element);
  }

  async function logout(): Promise<void> {
    notice.hidden = true;
    try {
      await client.logout();
    } catch (err) {
      notice.textContent = errorMessage(err);
      notice.hidden = false;
    }
    show();
  }

  const app = appStateView(updates);
  const bar = statusBar(client, user$, () => void logout(), app.note.element);
  root.replaceChildren(bar.element, app.banner.element, notice, main);
  // Back online: sync at once rather than at the next retry.
  window.addEventListener('online', () => {
    if (client.user()) client.syncNow().catch(() => undefined);
  });
  show();
}
