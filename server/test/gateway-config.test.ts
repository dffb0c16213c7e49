import { resolve } from 'node:path';
import { loadStoreConfig, STORE_ENV_VARS } from '@m2m/embedded-store';
import { describe, expect, it } from 'vitest';
import { GATEWAY_ENV_VARS, loadConfig } from '../src/config.js';

const SECRET = 'x'.repeat(32);

function configError(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('gateway configuration', () => {
  it('has a default for every variable', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      nodeEnv: 'development',
      host: '127.0.0.1',
      port: 3000,
      dbPrefix: 'm2m-',
      couchdbUrl: undefined,
      dataDir: resolve('./data'),
      storePort: 5984,
      storeAdmin: undefined,
      jwtSecret: undefined,
      accessTokenTtlS: 900,
      refreshTokenTtlS: 30 * 86_400,
      corsOrigins: [],
      bodyLimitBytes: 8 * 1024 * 1024,
      maxDocBytes: 4 * 1024 * 1024,
      logLevel: 'info',
      authRateLimit: { perClient: 30, perUsername: 10, windowS: 60 },
      trustProxy: false,
      storeTimeoutMs: 10_000,
      shutdownGraceMs: 10_000,
      storeMaxOpenDatabases: undefined,
      storeGlobalChangesMaxWriteDelayMs: 500,
      headersTimeoutMs: 30_000,
      requestTimeoutMs: 300_000,
      quotas: { storedBytes: 1024 * 1024 * 1024, localDocs: 1000, localBytes: 10 * 1024 * 1024, syncRequestsPerS: 50, syncBurst: 500 },
      signIn: { loginGuessesPerHour: 10, refreshReuseGraceS: 30, metricsToken: undefined, scryptLog2N: 17 },
      care: { shareCodeTtlS: 900, redeemsPerClinician: 10, redeemsGlobal: 1000 },
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '0.0.0.0',
      PORT: '8080',
      DB_PREFIX: 'prod_',
      COUCHDB_URL: 'https://admin:s%40cret@couch.example.com:6984/',
      DATA_DIR: '/var/lib/m2m',
      STORE_PORT: '15984',
      STORE_ADMIN: 'root:pa:ss',
      JWT_SECRET: SECRET,
      ACCESS_TOKEN_TTL_S: '60',
      REFRESH_TOKEN_TTL_S: '3600',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:8100',
      BODY_LIMIT_BYTES: '1048576',
      MAX_DOC_BYTES: '65536',
      LOG_LEVEL: 'debug',
      AUTH_RATE_LIMIT_PER_CLIENT: '5',
      AUTH_RATE_LIMIT_PER_USERNAME: '3',
      AUTH_RATE_LIMIT_WINDOW_S: '120',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
      STORE_TIMEOUT_MS: '2500',
      SHUTDOWN_GRACE_MS: '0',
      STORE_MAX_OPEN_DATABASES: '50',
      STORE_GLOBAL_CHANGES_MAX_WRITE_DELAY: '25',
      HEADERS_TIMEOUT_MS: '5000',
      REQUEST_TIMEOUT_MS: '60000',
      QUOTA_STORED_BYTES: '5000000',
      QUOTA_LOCAL_DOCS: '7',
      QUOTA_LOCAL_BYTES: '20000',
      QUOTA_SYNC_REQUESTS_PER_S: '3',
      QUOTA_SYNC_BURST: '9',
      LOGIN_GUESSES_PER_HOUR: '20',
      REFRESH_REUSE_GRACE_S: '10',
      METRICS_TOKEN: 'm'.repeat(32),
      SCRYPT_LOG2_N: '18',
      SHARE_CODE_TTL_S: '120',
      SHARE_CODE_REDEEMS_PER_CLINICIAN: '4',
      SHARE_CODE_REDEEMS_GLOBAL: '40',
    });
    expect(config).toEqual({
      nodeEnv: 'production',
      host: '0.0.0.0',
      port: 8080,
      dbPrefix: 'prod_',
      couchdbUrl: 'https://admin:s%40cret@couch.example.com:6984/',
      dataDir: '/var/lib/m2m',
      storePort: 15984,
      storeAdmin: { username: 'root', password: 'pa:ss' },
      jwtSecret: SECRET,
      accessTokenTtlS: 60,
      refreshTokenTtlS: 3600,
      corsOrigins: ['https://app.example.com', 'http://localhost:8100'],
      bodyLimitBytes: 1_048_576,
      maxDocBytes: 65_536,
      logLevel: 'debug',
      authRateLimit: { perClient: 5, perUsername: 3, windowS: 120 },
      trustProxy: 'loopback, 10.0.0.0/8',
      storeTimeoutMs: 2500,
      shutdownGraceMs: 0,
      storeMaxOpenDatabases: 50,
      storeGlobalChangesMaxWriteDelayMs: 25,
      headersTimeoutMs: 5000,
      requestTimeoutMs: 60_000,
      quotas: { storedBytes: 5_000_000, localDocs: 7, localBytes: 20_000, syncRequestsPerS: 3, syncBurst: 9 },
      signIn: { loginGuessesPerHour: 20, refreshReuseGraceS: 10, metricsToken: 'm'.repeat(32), scryptLog2N: 18 },
      care: { shareCodeTtlS: 120, redeemsPerClinician: 4, redeemsGlobal: 40 },
    });
  });

  it('treats an empty value as unset, accepts port 0 and reads TRUST_PROXY hop counts and booleans', () => {
    expect(loadConfig({ PORT: '', COUCHDB_URL: '' }).port).toBe(3000);
    expect(loadConfig({ PORT: '0', STORE_PORT: '0' })).toMatchObject({ port: 0, storePort: 0 });
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ DB_PREFIX: '' }).dbPrefix).toBe('m2m-');
  });

  it.each([
    ['NODE_ENV', 'staging'],
    ['HOST', '   '],
    ['PORT', 'http'],
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['DB_PREFIX', 'M2M-'],
    ['DB_PREFIX', '1abc'],
    ['DB_PREFIX', 'a/b'],
    ['DB_PREFIX', '_users'],
    ['DB_PREFIX', 'x'.repeat(65)],
    ['STORE_PORT', 'five'],
    ['ACCESS_TOKEN_TTL_S', '0'],
    ['ACCESS_TOKEN_TTL_S', '15m'],
    ['REFRESH_TOKEN_TTL_S', '1e9'],
    ['CORS_ORIGINS', 'app.example.com'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['CORS_ORIGINS', 'ftp://files.example.com'],
    ['BODY_LIMIT_BYTES', '8MB'],
    ['MAX_DOC_BYTES', '10'],
    ['LOG_LEVEL', 'verbose'],
    ['AUTH_RATE_LIMIT_PER_CLIENT', '0'],
    ['AUTH_RATE_LIMIT_PER_USERNAME', 'many'],
    ['AUTH_RATE_LIMIT_WINDOW_S', '-5'],
    ['STORE_TIMEOUT_MS', '5'],
    ['SHUTDOWN_GRACE_MS', 'soon'],
    ['STORE_MAX_OPEN_DATABASES', '1'],
    ['STORE_GLOBAL_CHANGES_MAX_WRITE_DELAY', '-1'],
    ['HEADERS_TIMEOUT_MS', '50'],
    ['REQUEST_TIMEOUT_MS', '2h'],
  ])('names %s in the error for the bad value %j', (name, value) => {
    const message = configError({ [name]: value });
    expect(message).toContain(name);
    expect(message).toContain(`"${value}"`);
  });

  it.each([
    ['COUCHDB_URL', 'not a url'],
    ['COUCHDB_URL', 'ftp://admin:pw@host:5984'],
    ['COUCHDB_URL', 'http://127.0.0.1:5984'],
    ['COUCHDB_URL', 'http://admin@127.0.0.1:5984'],
    ['COUCHDB_URL', 'http://admin:pw@127.0.0.1:5984/?x=1'],
    ['STORE_ADMIN', 'nocolonhere'],
    ['STORE_ADMIN', ':hunter2-secret'],
    ['STORE_ADMIN', 'rootname:'],
    ['JWT_SECRET', 'short-secret'],
    ['JWT_SECRET', 'é'.repeat(15)], // 30 bytes: the limit counts bytes
  ])('names the secret %s without echoing its value %j', (name, value) => {
    const message = configError({ [name]: value });
    expect(message).toContain(name);
    expect(message).not.toContain(value);
  });

  it('accepts several comma-separated store URLs and names the bad one by position, never echoing it', () => {
    const list = 'http://admin:pw@couch-1:5984, http://admin:pw@couch-2:5984';
    expect(loadConfig({ COUCHDB_URL: list }).couchdbUrl).toBe(list);
    const message = configError({ COUCHDB_URL: 'http://admin:pw@couch-1:5984,http://couch-2:5984' });
    expect(message).toMatch(/COUCHDB_URL URL 2 must carry the admin credentials/);
    expect(message).not.toContain('pw@');
  });

  it('refuses a headers timeout longer than the whole request timeout', () => {
    expect(configError({ HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '10000' })).toMatch(/HEADERS_TIMEOUT_MS \(20000\) must not exceed REQUEST_TIMEOUT_MS \(10000\)/);
  });

  it('accepts a JWT secret of exactly 32 bytes', () => {
    expect(loadConfig({ JWT_SECRET: 'é'.repeat(16) }).jwtSecret).toBe('é'.repeat(16));
  });

  it('requires JWT_SECRET in production only', () => {
    expect(configError({ NODE_ENV: 'production' })).toMatch(/JWT_SECRET is required when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'development' }).jwtSecret).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET }).nodeEnv).toBe('production');
  });

  it('refuses a scrypt cost under N=2^17 except in tests, and a short METRICS_TOKEN without echoing it', () => {
    for (const nodeEnv of ['production', 'development']) {
      expect(configError({ NODE_ENV: nodeEnv, JWT_SECRET: SECRET, SCRYPT_LOG2_N: '16' })).toMatch(/SCRYPT_LOG2_N must be at least 17 unless NODE_ENV=test/);
    }
    expect(loadConfig({ NODE_ENV: 'test', SCRYPT_LOG2_N: '10' }).signIn.scryptLog2N).toBe(10);
    const message = configError({ METRICS_TOKEN: 'short-secret' });
    expect(message).toMatch(/METRICS_TOKEN must be at least 32 bytes/);
    expect(message).not.toContain('short-secret');
  });

  it('reports every bad variable at once', () => {
    const message = configError({ PORT: 'x', LOG_LEVEL: 'loud', JWT_SECRET: 'short' });
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/LOG_LEVEL/);
    expect(message).toMatch(/JWT_SECRET/);
  });

  it('resolves a relative DATA_DIR against the working directory', () => {
    expect(loadConfig({ DATA_DIR: 'var/m2m' }).dataDir).toBe(resolve('var/m2m'));
  });
});

describe('the embedded store\'s variables in the gateway', () => {
  it('are a subset of the gateway\'s, read the same way (the gateway starts the store with them when COUCHDB_URL is unset)', () => {
    expect(STORE_ENV_VARS.every((name) => GATEWAY_ENV_VARS.includes(name))).toBe(true);
    for (const env of [{}, { DATA_DIR: '/srv/m2m', STORE_PORT: '0', STORE_ADMIN: 'root:p:w', STORE_MAX_OPEN_DATABASES: '10', STORE_GLOBAL_CHANGES_MAX_WRITE_DELAY: '0', LOG_LEVEL: 'warn' }]) {
      const gateway = loadConfig(env);
      expect(loadStoreConfig(env)).toEqual({
        dataDir: gateway.dataDir,
        port: gateway.storePort,
        admin: gateway.storeAdmin,
        maxOpenDatabases: gateway.storeMaxOpenDatabases,
        globalChangesMaxWriteDelayMs: gateway.storeGlobalChangesMaxWriteDelayMs,
        logLevel: gateway.logLevel,
      });
    }
  });
});
