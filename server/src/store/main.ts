#!/usr/bin/env node
import { join } from 'node:path';
import { createLogger, errorText, exitOnSignals, isEntryPoint } from '@m2m/service-kit';
import { loadStoreConfig } from '../config.js';
import { loadOrCreateStoreAdmin } from '../generatedSecrets.js';
import { EMBEDDED_STORE_FOLDER } from './dataFolder.js';
import { startEmbeddedStore, type EmbeddedStore } from './embeddedStore.js';

/** The host is fixed: the store trusts nothing but its admin gate, so it never leaves loopback. */
export const STORE_HOST = '127.0.0.1';

/**
 * The embedded store as its own process (`m2m-store`), configured from the
 * environment (DATA_DIR, STORE_PORT, STORE_ADMIN, STORE_MAX_OPEN_DATABASES,
 * STORE_GLOBAL_CHANGES_MAX_WRITE_DELAY, LOG_LEVEL); `npm start` runs it beside the gateway and the worker. Runs
 * until SIGTERM or SIGINT.
 */
export async function runStore(env: Record<string, string | undefined> = process.env): Promise<EmbeddedStore> {
  const config = loadStoreConfig(env);
  const logger = createLogger({ service: 'm2m-store', level: config.logLevel });
  const admin = config.admin ?? (await loadOrCreateStoreAdmin(config.dataDir));
  const store = await startEmbeddedStore({
    dataDir: join(config.dataDir, EMBEDDED_STORE_FOLDER),
    port: config.port,
    host: STORE_HOST,
    admin,
    maxOpenDatabases: config.maxOpenDatabases,
    globalChangesMaxWriteDelayMs: config.globalChangesMaxWriteDelayMs,
    logger,
  }).catch((err: unknown) => {
    throw new Error(
      `The embedded store cannot start on ${STORE_HOST}:${config.port} (STORE_PORT, DATA_DIR): ${errorText(err)}`,
      { cause: err },
    );
  });

  exitOnSignals(() => store.close(), logger);
  return store;
}

if (isEntryPoint(import.meta.url)) {
  runStore().catch((err: unknown) => {
    // Configuration and file problems are for a person to fix: the message, not a stack.
    console.error(`m2m store: ${errorText(err)}`);
    process.exit(1);
  });
}
