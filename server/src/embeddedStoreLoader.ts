import type { EmbeddedStore, loadOrCreateStoreAdmin, startStoreInDataDir } from '@m2m/embedded-store';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config.js';

const EMBEDDED_STORE_PACKAGE = '@m2m/embedded-store';

/**
 * Without COUCHDB_URL the gateway runs the embedded store in its own process,
 * for development and tests. The store is a development dependency: loaded
 * only here, only then, so a production install (without development
 * dependencies) never ships it; there a missing COUCHDB_URL is named.
 */
export async function startEmbeddedStoreForGateway(
  config: GatewayConfig,
  logger: Logger,
): Promise<{ store: EmbeddedStore; admin: { username: string; password: string } }> {
  let start: typeof startStoreInDataDir;
  try {
    ({ startStoreInDataDir: start } = await import('@m2m/embedded-store'));
  } catch (err) {
    if (!isMissingPackage(err)) throw err;
    throw new Error(
      `COUCHDB_URL is not set and the embedded store (${EMBEDDED_STORE_PACKAGE}, a development dependency) is not installed: set COUCHDB_URL to your CouchDB (http://admin:password@host:5984)`,
      { cause: err },
    );
  }
  return start({
    dataDir: config.dataDir,
    port: config.storePort,
    host: '127.0.0.1',
    admin: config.storeAdmin,
    maxOpenDatabases: config.storeMaxOpenDatabases,
    globalChangesMaxWriteDelayMs: config.storeGlobalChangesMaxWriteDelayMs,
    logger: logger.child({ component: 'store' }),
  });
}

/**
 * The admin of the embedded store that `npm start` runs at STORE_PORT: STORE_ADMIN,
 * else the one generated in DATA_DIR (for commands run beside a running system).
 */
export async function embeddedStoreAdmin(config: GatewayConfig): Promise<{ username: string; password: string }> {
  if (config.storeAdmin) return config.storeAdmin;
  let load: typeof loadOrCreateStoreAdmin;
  try {
    ({ loadOrCreateStoreAdmin: load } = await import('@m2m/embedded-store'));
  } catch (err) {
    if (!isMissingPackage(err)) throw err;
    throw new Error(`COUCHDB_URL is not set and the embedded store (${EMBEDDED_STORE_PACKAGE}) is not installed: set COUCHDB_URL`, { cause: err });
  }
  return load(config.dataDir);
}

function isMissingPackage(err: unknown): boolean {
  const { code, message } = err as { code?: unknown; message?: unknown };
  return code === 'ERR_MODULE_NOT_FOUND' && typeof message === 'string' && message.includes(`'${EMBEDDED_STORE_PACKAGE}'`);
}
