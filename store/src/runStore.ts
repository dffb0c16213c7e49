import { pino, type Logger } from 'pino';
import { startStoreInDataDir } from './dataDirStore.js';
import type { EmbeddedStore } from './embeddedStore.js';
import { loadStoreConfig } from './storeConfig.js';

/** The host is fixed: the store trusts nothing but its admin gate, so it never leaves loopback. */
export const STORE_HOST = '127.0.0.1';

/**
 * The embedded store as its own process (`m2m-store`), configured from the
 * environment (STORE_ENV_VARS); `npm start` runs it beside the gateway and
 * the worker.
 */
export async function runStore(env: Record<string, string | undefined> = process.env): Promise<EmbeddedStore> {
  const config = loadStoreConfig(env);
  const logger = pino({ level: config.logLevel, base: { service: 'm2m-store' } });
  const { store } = await startStoreInDataDir({
    dataDir: config.dataDir,
    port: config.port,
    host: STORE_HOST,
    admin: config.admin,
    maxOpenDatabases: config.maxOpenDatabases,
    globalChangesMaxWriteDelayMs: config.globalChangesMaxWriteDelayMs,
    logger,
  });
  stopOnSignals(store, logger);
  return store;
}

/** SIGTERM or SIGINT closes the store (answering open feeds) and exits; a second signal exits at once. */
function stopOnSignals(store: EmbeddedStore, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    store.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
