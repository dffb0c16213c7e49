import type { M2MClient, SignedInUser, SyncStatus } from '@m2m/mobile-sdk';
import { combineLatest, fromEvent, map, merge, startWith, type Observable } from 'rxjs';
import { el, fill } from '../dom.js';
import { sentence } from '../errorMessage.js';
import { CONNECTION_LABELS, connectionState } from '../model/connectionState.js';
import type { View } from './view.js';

/** The always-visible header: connection, uploads waiting, the signed-in user and logout. */
export function statusBar(client: M2MClient, user$: Observable<SignedInUser | null>, onLogout: () => void, appNote: HTMLElement): View {
  const connection = el('span', { class: 'connection', 'data-testid': 'connection', role: 'status' });
  const pending = el('span', { class: 'pending', 'data-testid': 'pending-count' });
  const lastSync = el('span', { class: 'last-sync', 'data-testid': 'last-sync' });
  const problem = el('div', { class: 'sync-problem', 'data-testid': 'sync-problem', hidden: true });
  const who = el('span', { class: 'who', 'data-testid': 'signed-in-user' });
  const analysisPlace = el('span', { class: 'analysis-place', 'data-testid': 'analysis-place' });
  const logout = el('button', { type: 'button', class: 'secondary', 'data-testid': 'logout', hidden: true }, 'Log out');
  logout.addEventListener('click', onLogout);

  const browserOnline$ = merge(fromEvent(window, 'online'), fromEvent(window, 'offline')).pipe(
    map(() => navigator.onLine),
    startWith(navigator.onLine),
  );
  const subscription = combineLatest([client.syncStatus$(), user$, browserOnline$]).subscribe(([status, user, browserOnline]) => {
    const state = connectionState(status, user !== null, browserOnline);
    connection.dataset['state'] = state;
    connection.textContent = CONNECTION_LABELS[state];
    // A clinician records nothing: there is never anything to upload.
    pending.hidden = user?.role === 'clinician';
    pending.dataset['count'] = String(status.pendingUploads);
    pending.textContent = status.pendingUploads === 1 ? '1 session waiting to upload' : `${status.pendingUploads} sessions waiting to upload`;
    lastSync.textContent = status.lastSyncedAt ? `last sync ${new Date(status.lastSyncedAt).toLocaleTimeString()}` : '';
    fill(who, user ? user.username : '');
    logout.hidden = user === null;
    showProblem(problem, status, state === 'online');
    analysisPlace.dataset['runsIn'] = status.analysis.runsIn;
    analysisPlace.textContent = status.analysis.runsIn === 'inline' ? 'Analysis in the page' : '';
    analysisPlace.title = status.analysis.reason ?? '';
  });

  const element = el(
    'header',
    { class: 'status-bar' },
    el('strong', { class: 'brand' }, 'M2M Sync demo'),
    connection,
    pending,
    lastSync,
    analysisPlace,
    appNote,
    el('span', { class: 'spacer' }),
    who,
    logout,
    problem,
  );
  // The bar is sticky: whatever the page scrolls into view (a session opened, a focused field) stops below it, not under it.
  const height = new ResizeObserver(() => document.documentElement.style.setProperty('--status-bar-height', `${element.offsetHeight}px`));
  height.observe(element);
  return {
    element,
    dispose: () => {
      subscription.unsubscribe();
      height.disconnect();
    },
  };
}

/** The last sync problem, while it matters: network errors only while offline. */
function showProblem(target: HTMLElement, status: SyncStatus, online: boolean): void {
  const error = status.lastError;
  const shown = error !== null && (error.kind !== 'network' || !online) && !(error.kind === 'auth' && !status.authRequired);
  target.hidden = !shown;
  target.dataset['kind'] = error?.kind ?? '';
  target.textContent = shown ? problemText(status) : '';
}

function problemText(status: SyncStatus): string {
  if (status.authRequired) return 'Your sign-in has ended: log out and log in again.';
  if (status.lastError?.kind === 'network') return 'The server cannot be reached. Sessions stay on this device and upload when it is back.';
  return sentence(status.lastError?.message ?? '');
}
