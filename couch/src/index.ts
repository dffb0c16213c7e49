export { backoffDelay, DEFAULT_BACKOFF, sleep, withRetry, type BackoffPolicy, type RetryOptions } from './backoff.js';
export {
  bootstrapStore,
  checkAdminAccess,
  checkStoreNow,
  databaseExists,
  ensureDatabase,
  isBootstrapped,
  setAdminOnlySecurity,
  type CreateDatabaseOptions,
  type CredentialsSource,
} from './bootstrap.js';
export * from './endpoints.js';
export { readChanges, type Change, type ChangesBatch } from './feed/changesReader.js';
export { DbUpdatesFollower, type DbUpdatesFollowerOptions, type DbUpdateType } from './feed/dbUpdatesFollower.js';
export type { FeedLogger } from './feed/feedLogger.js';
export { sinceParam, type Seq } from './feed/seq.js';
export { unlessAborted } from './feed/unlessAborted.js';
export { ADMIN_ONLY_SECURITY, SYSTEM_DATABASES, systemDatabases, USER_DATABASE_SHARDS, workerDatabase } from './naming.js';
export { DEFAULT_STORE_TIMEOUT_MS, StoreClient, type QueryValue, type StoreClientOptions, type StoreRequest } from './storeClient.js';
export {
  attemptBudgetMs,
  DEFAULT_ENDPOINT_COOLDOWN_MS,
  EndpointHealth,
  neverDelivered,
  splitStoreUrls,
  type EndpointHealthOptions,
  type StoreEndpoint,
} from './storeEndpoints.js';
export {
  describeError,
  describeStoreError,
  isAborted,
  isStoreStatus,
  isStoreUnavailable,
  isTransient,
  StoreAccessError,
  StoreError,
  storeErrorKind,
  storeStatus,
  type StoreFailureKind,
} from './storeErrors.js';
export { couchdbUrlSchema, DB_PREFIX_PATTERN, dbPrefixSchema, parseStoreUrl, storeUrlWithCredentials } from './storeUrl.js';
// The proxy's streaming transport: raw node:http so a feed flows through unbuffered.
export {
  isAbort,
  StoreClient as StreamingClient,
  UpstreamError,
  type StoreRequest as StreamingRequest,
  type StoreTarget,
} from './streamingClient.js';
