import { BehaviorSubject, type Observable } from 'rxjs';
import { registerSW } from 'virtual:pwa-register';

/**
 * Where the installable app stands: `installing` until the service worker has
 * cached the app, `offline-ready` once it can start with no network,
 * `update-ready` when a new version waits for the user, `unsupported` where
 * the browser has no service workers.
 */
export type AppState = 'installing' | 'offline-ready' | 'update-ready' | 'unsupported';

export interface AppUpdates {
  state$: Observable<AppState>;
  /** Switches to the waiting version and reloads the page. */
  apply(): Promise<void>;
}

/** How often an open page asks the server for a new version of the app. */
const UPDATE_CHECK_MS = 60 * 60_000;

/** Registers the service worker that caches the app, and reports what it does. */
export function registerAppUpdates(): AppUpdates {
  const state = new BehaviorSubject<AppState>('serviceWorker' in navigator ? 'installing' : 'unsupported');
  if (state.value === 'unsupported') return { state$: state, apply: async () => undefined };
  /** This page's user accepted the update. */
  let accepted = false;
  /** The new version already runs (accepted in another tab of the app): only this page is left to reload. */
  let takenOver = false;
  const update = registerSW({
    immediate: true,
    onOfflineReady: () => state.next('offline-ready'),
    onNeedRefresh: () => state.next('update-ready'),
    // The new version took over. Reload only the page whose user asked: another tab may be mid-game; it keeps
    // its offer and reloads when its user accepts (by default every tab would reload at once).
    onNeedReload: () => {
      if (accepted) window.location.reload();
      else {
        takenOver = true;
        state.next('update-ready');
      }
    },
    onRegisteredSW: (_url, registration) => {
      if (!registration) return;
      // A page already controlled by this version: it starts offline.
      if (registration.active && navigator.serviceWorker.controller && state.value === 'installing') state.next('offline-ready');
      const check = () => {
        if (navigator.onLine) registration.update().catch(() => undefined);
      };
      setInterval(check, UPDATE_CHECK_MS);
      window.addEventListener('online', check);
    },
    onRegisterError: () => state.next('unsupported'),
  });
  return {
    state$: state,
    apply: async () => {
      accepted = true;
      if (takenOver) window.location.reload();
      else await update(true);
    },
  };
}
