import type { SyncStatus } from '@m2m/mobile-sdk';

/** What the indicator says: the browser's network state first, then whether the gateway answers. */
export type ConnectionState = 'online' | 'offline' | 'connecting' | 'signed-out';

export function connectionState(status: SyncStatus, signedIn: boolean, browserOnline: boolean): ConnectionState {
  if (!browserOnline) return 'offline';
  if (!signedIn) return 'signed-out';
  if (status.online) return 'online';
  // Signed in, nothing asked of the gateway yet.
  if (status.lastSyncedAt === null && status.lastError === null) return 'connecting';
  return 'offline';
}

export const CONNECTION_LABELS: Record<ConnectionState, string> = {
  online: 'Online',
  offline: 'Offline',
  connecting: 'Connecting…',
  'signed-out': 'Not signed in',
};
