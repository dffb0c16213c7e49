export { loadConfig, GATEWAY_ENV_VARS, type GatewayConfig } from './config.js';
export { startGateway, type GatewayOptions, type RouterDeps, type RunningGateway } from './gateway.js';
export { main } from './main.js';
export { loadOrCreateJwtSecret } from './generatedSecrets.js';
export { userDatabases } from './accounts/userDatabases.js';
export { JWT_AUDIENCE, JWT_ISSUER } from './auth/accessTokens.js';
// Tests of other packages build the gateway's COUCHDB_URL with it; the store client itself is @m2m/couch.
export { storeUrlWithCredentials } from '@m2m/couch';
