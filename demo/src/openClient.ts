import { createClient, type M2MClient } from '@m2m/mobile-sdk';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';

/** Replication retries sooner than the SDK's default: a demo should recover while you watch. */
const RETRY_MS = 3_000;

/** The SDK client of this browser: IndexedDB storage, analysis in a Web Worker. */
export function openClient(gatewayUrl: string): Promise<M2MClient> {
  return createClient({
    serverUrl: gatewayUrl,
    storage: getRxStorageDexie(),
    analysis: 'worker',
    name: 'm2m-demo',
    retryTimeMs: RETRY_MS,
  });
}
