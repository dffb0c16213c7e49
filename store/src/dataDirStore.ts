import { join } from 'node:path';
import { errorText } from '@m2m/service-kit';
import type { AdminCredentials } from './adminCredentials.js';
import { EMBEDDED_STORE_FOLDER } from './dataFolder.js';
import { startEmbeddedStore, type EmbeddedStore, type StoreLogger } from './embeddedStore.js';
import { loadOrCreateStoreAdmin } from './generatedAdmin.js';

export interface DataDirStoreOptions {
  /** DATA_DIR: the store's files go under `store/`, a generated admin under `secrets/`. */
  dataDir: string;
  port: number;
  host: string;
  /** undefined: the admin generated on the first start and kept in DATA_DIR. */
  admin: AdminCredentials | undefined;
  maxOpenDatabases: number | undefined;
  globalChangesMaxWriteDelayMs: number;
  logger: StoreLogger;
}

/**
 * The store as `m2m-store` and a gateway without COUCHDB_URL run it: over
 * DATA_DIR's layout, with the admin given or generated there. Fails with a
 * message naming the variables to look at.
 */
export async function startStoreInDataDir(options: DataDirStoreOptions): Promise<{ store: EmbeddedStore; admin: AdminCredentials }> {
  const admin = options.admin ?? (await loadOrCreateStoreAdmin(options.dataDir));
  const store = await startEmbeddedStore({
    dataDir: join(options.dataDir, EMBEDDED_STORE_FOLDER),
    port: options.port,
    host: options.host,
    admin,
    maxOpenDatabases: options.maxOpenDatabases,
    globalChangesMaxWriteDelayMs: options.globalChangesMaxWriteDelayMs,
    logger: options.logger,
  }).catch((err: unknown) => {
    throw new Error(
      `The embedded store cannot start on ${options.host}:${options.port} (STORE_PORT, DATA_DIR): ${errorText(err)}`,
      { cause: err },
    );
  });
  return { store, admin };
}
