import { createLogger, exitOnSignals } from '@m2m/service-kit';
import { startStoreInDataDir } from './dataDirStore.js';
import type { EmbeddedStore } from './embeddedStore.js';
import { loadStoreConfig } from './storeConfig.js';

/** The host is fixed: the store trusts nothing but its admin gate, so it never leaves loopback. */
export const STORE_HOST = '127.0.0.1';

/**
 * The embedded store as its own process (`m2m-store`), configured from the
 * environment (STORE_ENV_VARS); `npm start` runs it beside the gateway and
 * the worker. SIGTERM or SIGINT closes it (answering open feeds); a second
 * signal exits at once.
 */
export async function runStore(env: Record<string, string | undefined> = process.env): Promise<EmbeddedStore> {
  const config = loadStoreConfig(env);
  const logger = createLogger({ service: 'm2m-store', level: config.logLevel });
  const { store } = await startStoreInDataDir({
    dataDir: config.dataDir,
    port: config.port,
    host: STORE_HOST,
    admin: config.admin,
    maxOpenDatabases: config.maxOpenDatabases,
    globalChangesMaxWriteDelayMs: config.globalChangesMaxWriteDelayMs,
    logger,
  });
  exitOnSignals(() => store.close(), logger);
  return store;
}
