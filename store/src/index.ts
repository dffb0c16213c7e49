export type { AdminCredentials } from './adminCredentials.js';
export { EMBEDDED_STORE_FOLDER } from './dataFolder.js';
export { startStoreInDataDir, type DataDirStoreOptions } from './dataDirStore.js';
export {
  startEmbeddedStore,
  type EmbeddedStore,
  type EmbeddedStoreOptions,
  type EmbeddedStoreStats,
  type StoreLogger,
} from './embeddedStore.js';
export { loadOrCreateStoreAdmin } from './generatedAdmin.js';
export { defaultMaxOpenDatabases, maxOpenDatabasesFor, readFileHandleLimit } from './openDatabaseBound.js';
export { runStore, STORE_HOST } from './runStore.js';
export { loadStoreConfig, STORE_ENV_VARS, type StoreConfig } from './storeConfig.js';
