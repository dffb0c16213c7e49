export {
  startEmbeddedStore,
  DEFAULT_MAX_OPEN_DATABASES,
  type EmbeddedStore,
  type EmbeddedStoreOptions,
  type EmbeddedStoreStats,
  type StoreLogger,
} from './store/embeddedStore.js';
