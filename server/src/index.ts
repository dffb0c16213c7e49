export { loadConfig, GATEWAY_ENV_VARS, type GatewayConfig } from './config.js';
export { startGateway, type GatewayOptions, type RouterDeps, type RunningGateway } from './gateway.js';
export { main } from './main.js';
export { loadOrCreateJwtSecret } from './generatedSecrets.js';
export { userDatabases } from './accounts/userDatabases.js';
export { JWT_AUDIENCE, JWT_ISSUER } from './auth/accessTokens.js';
export {
  createStoreConnection,
  parseStoreUrl,
  storeUrlWithCredentials,
  type StoreConnection,
} from './storeAccess/storeConnection.js';
export { bootstrapStore, systemDatabases } from './storeAccess/bootstrap.js';
export { StoreUnavailableError } from './storeAccess/storeErrors.js';
