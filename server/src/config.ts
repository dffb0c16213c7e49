import { isAbsolute, resolve } from 'node:path';
import { integer, logLevel, nonEmpty, port, readEnv, secretOfBytes, type Env, type LogLevel } from '@m2m/service-kit';
import { z } from 'zod';
import { couchdbUrlSchema, dbPrefixSchema } from '@m2m/couch';

/** The gateway's configuration, parsed once from the environment (see server/README.md). */
export interface GatewayConfig {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Prefix of every database name the system creates. */
  dbPrefix: string;
  /** CouchDB 3 base URL with admin credentials; undefined runs the embedded store. */
  couchdbUrl: string | undefined;
  /** Absolute path of the data folder (embedded store files, generated secrets). */
  dataDir: string;
  storePort: number;
  /** Admin of the embedded store; undefined generates one and keeps it in dataDir. */
  storeAdmin: { username: string; password: string } | undefined;
  /** HS256 key for access tokens; undefined (development only) generates one and keeps it in dataDir. */
  jwtSecret: string | undefined;
  accessTokenTtlS: number;
  refreshTokenTtlS: number;
  /** Browser origins allowed by CORS; empty allows none. */
  corsOrigins: string[];
  /** JSON body limit of /sync and /api (a `_bulk_docs` batch). */
  bodyLimitBytes: number;
  maxDocBytes: number;
  logLevel: LogLevel;
  authRateLimit: {
    /** Attempts per window per client address on register/login/refresh. */
    perClient: number;
    /** Attempts per window per username on register/login/account deletion. */
    perUsername: number;
    windowS: number;
  };
  /** Express "trust proxy": which reverse proxies may set X-Forwarded-For. */
  trustProxy: boolean | number | string;
  /** Timeout of every request to the store, except feeds that wait on purpose. */
  storeTimeoutMs: number;
  /** How long a shutdown waits for in-flight requests before closing their connections. */
  shutdownGraceMs: number;
  /** Embedded store: most LevelDB databases open at once; undefined: derived from the file-handle limit. */
  storeMaxOpenDatabases: number | undefined;
  /** Embedded store: CouchDB's `[global_changes] max_write_delay` (ms), the batching of `_db_updates`. */
  storeGlobalChangesMaxWriteDelayMs: number;
  /** How long a client may take to send a request's headers (slow-loris guard). */
  headersTimeoutMs: number;
  /** How long a client may take to send a whole request, body included; answers (long-poll feeds) are not limited. */
  requestTimeoutMs: number;
  /** Per-user quotas of the replication proxy (server/README.md, "Quotas"). */
  quotas: UserQuotas;
  /** Sign-in hardening: guess limits, refresh grace, metrics access, password hashing cost. */
  signIn: SignInConfig;
  /** Share codes of the care team. */
  care: CareConfig;
}

export interface CareConfig {
  /** How long a share code may be redeemed. */
  shareCodeTtlS: number;
  /** Failed redeems per clinician, and for all clinicians together, in any 15 minutes. */
  redeemsPerClinician: number;
  redeemsGlobal: number;
}

export interface UserQuotas {
  /** Bytes of a user's sessions database (the store's `sizes`) beyond which new sessions are refused. */
  storedBytes: number;
  /** `_local` documents (replication checkpoints) per user, and their total bytes. */
  localDocs: number;
  localBytes: number;
  /** `/sync` requests per second per user, and the burst allowed above that rate. */
  syncRequestsPerS: number;
  syncBurst: number;
}

/** Sign-in settings (see the README's "Accounts and tokens"). */
export interface SignInConfig {
  /** Password checks per hour per username from unknown devices, and per known device. */
  loginGuessesPerHour: number;
  /** A refresh token just replaced still rotates (without revoking) for this long. */
  refreshReuseGraceS: number;
  /** Bearer token that GET /metrics requires; undefined turns /metrics off. */
  metricsToken: string | undefined;
  /** scrypt cost N = 2^log2N (r = 8, p = 1). */
  scryptLog2N: number;
}

const MiB = 1024 * 1024;

/** OWASP's minimum scrypt cost (N = 2^17, r = 8, p = 1); lower only when NODE_ENV=test. */
export const MIN_SCRYPT_LOG2_N = 17;


const storeAdmin = z
  .string()
  .regex(/^[^:]+:.+$/s, 'must be user:password (a name without ":" and a non-empty password)')
  .transform((value) => {
    const colon = value.indexOf(':');
    return { username: value.slice(0, colon), password: value.slice(colon + 1) };
  });

const corsOrigins = z.string().transform((value, ctx) => {
  const origins = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    // An origin is scheme://host[:port] with nothing after it.
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.origin !== origin) {
      ctx.addIssue({ code: 'custom', message: `"${origin}" is not an origin like https://app.example.com` });
    }
  }
  return origins;
});

const trustProxy = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .transform((value): boolean | number | string => {
    if (value === 'true') return true;
    if (value === 'false') return false;
    if (/^\d+$/.test(value)) return Number(value);
    return value; // addresses or subnets, comma separated, as Express reads them
  });

/** Each variable's parser and default; a default is the raw string the parser reads. */
const variables = {
  NODE_ENV: { schema: z.enum(['development', 'production', 'test']), fallback: 'development' },
  HOST: { schema: nonEmpty, fallback: '127.0.0.1' },
  PORT: { schema: port, fallback: '3000' },
  DB_PREFIX: {
    schema: dbPrefixSchema,
    fallback: 'm2m-',
  },
  COUCHDB_URL: { schema: couchdbUrlSchema.optional(), fallback: undefined, secret: true },
  DATA_DIR: { schema: nonEmpty, fallback: './data' },
  STORE_PORT: { schema: port, fallback: '5984' },
  STORE_ADMIN: { schema: storeAdmin.optional(), fallback: undefined, secret: true },
  JWT_SECRET: { schema: secretOfBytes(32).optional(), fallback: undefined, secret: true },
  ACCESS_TOKEN_TTL_S: { schema: integer(1, 86_400), fallback: '900' },
  REFRESH_TOKEN_TTL_S: { schema: integer(60, 365 * 86_400), fallback: String(30 * 86_400) },
  CORS_ORIGINS: { schema: corsOrigins, fallback: '' },
  BODY_LIMIT_BYTES: { schema: integer(1024, 1024 * MiB), fallback: String(8 * MiB) },
  MAX_DOC_BYTES: { schema: integer(1024, 1024 * MiB), fallback: String(4 * MiB) },
  LOG_LEVEL: { schema: logLevel, fallback: 'info' },
  AUTH_RATE_LIMIT_PER_CLIENT: { schema: integer(1, 1_000_000), fallback: '30' },
  AUTH_RATE_LIMIT_PER_USERNAME: { schema: integer(1, 1_000_000), fallback: '10' },
  AUTH_RATE_LIMIT_WINDOW_S: { schema: integer(1, 86_400), fallback: '60' },
  TRUST_PROXY: { schema: trustProxy, fallback: 'false' },
  STORE_TIMEOUT_MS: { schema: integer(100, 600_000), fallback: '10000' },
  SHUTDOWN_GRACE_MS: { schema: integer(0, 600_000), fallback: '10000' },
  // Unset: derived from the file-handle limit (@m2m/embedded-store, openDatabaseBound.ts).
  STORE_MAX_OPEN_DATABASES: { schema: integer(10, 100_000).optional(), fallback: undefined },
  STORE_GLOBAL_CHANGES_MAX_WRITE_DELAY: { schema: integer(0, 60_000), fallback: '500' },
  HEADERS_TIMEOUT_MS: { schema: integer(100, 600_000), fallback: '30000' },
  REQUEST_TIMEOUT_MS: { schema: integer(100, 3_600_000), fallback: '300000' },
  // Per-user quotas: far above what one patient's devices ever use.
  QUOTA_STORED_BYTES: { schema: integer(1024, Number.MAX_SAFE_INTEGER), fallback: String(1024 * MiB) },
  QUOTA_LOCAL_DOCS: { schema: integer(1, 1_000_000), fallback: '1000' },
  QUOTA_LOCAL_BYTES: { schema: integer(1024, 1024 * MiB), fallback: String(10 * MiB) },
  QUOTA_SYNC_REQUESTS_PER_S: { schema: integer(1, 1_000_000), fallback: '50' },
  QUOTA_SYNC_BURST: { schema: integer(1, 1_000_000), fallback: '500' },
  // Sign-in hardening (README "Accounts and tokens").
  LOGIN_GUESSES_PER_HOUR: { schema: integer(1, 1_000_000), fallback: '10' },
  REFRESH_REUSE_GRACE_S: { schema: integer(0, 300), fallback: '30' },
  METRICS_TOKEN: { schema: secretOfBytes(32).optional(), fallback: undefined, secret: true },
  SCRYPT_LOG2_N: { schema: integer(10, 20), fallback: String(MIN_SCRYPT_LOG2_N) },
  // The care team (server/README.md, "Care team").
  SHARE_CODE_TTL_S: { schema: integer(60, 86_400), fallback: '900' },
  SHARE_CODE_REDEEMS_PER_CLINICIAN: { schema: integer(1, 1_000_000), fallback: '10' },
  SHARE_CODE_REDEEMS_GLOBAL: { schema: integer(1, 1_000_000), fallback: '1000' },
} as const;

type VariableName = keyof typeof variables;

/** Every variable the gateway reads: the table above, for the docs and the compose drift test. */
export const GATEWAY_ENV_VARS = Object.freeze(Object.keys(variables) as VariableName[]);

const absolute = (dir: string): string => (isAbsolute(dir) ? dir : resolve(dir));

/**
 * Reads and validates the gateway's configuration. An empty value counts as
 * unset. Throws one Error naming every bad variable.
 */
export function loadConfig(env: Env): GatewayConfig {
  const values = readEnv(variables, env, GATEWAY_ENV_VARS);
  if (values.NODE_ENV === 'production' && values.JWT_SECRET === undefined) {
    throw new Error('Invalid configuration: JWT_SECRET is required when NODE_ENV=production (at least 32 bytes)');
  }
  // Node refuses a headers timeout longer than the whole request's.
  if (values.HEADERS_TIMEOUT_MS > values.REQUEST_TIMEOUT_MS) {
    throw new Error(`Invalid configuration: HEADERS_TIMEOUT_MS (${values.HEADERS_TIMEOUT_MS}) must not exceed REQUEST_TIMEOUT_MS (${values.REQUEST_TIMEOUT_MS})`);
  }

  if (values.SCRYPT_LOG2_N < MIN_SCRYPT_LOG2_N && values.NODE_ENV !== 'test') {
    throw new Error(`Invalid configuration: SCRYPT_LOG2_N must be at least ${MIN_SCRYPT_LOG2_N} unless NODE_ENV=test (got "${values.SCRYPT_LOG2_N}")`);
  }

  return {
    nodeEnv: values.NODE_ENV,
    host: values.HOST,
    port: values.PORT,
    dbPrefix: values.DB_PREFIX,
    couchdbUrl: values.COUCHDB_URL,
    dataDir: absolute(values.DATA_DIR),
    storePort: values.STORE_PORT,
    storeAdmin: values.STORE_ADMIN,
    jwtSecret: values.JWT_SECRET,
    accessTokenTtlS: values.ACCESS_TOKEN_TTL_S,
    refreshTokenTtlS: values.REFRESH_TOKEN_TTL_S,
    corsOrigins: values.CORS_ORIGINS,
    bodyLimitBytes: values.BODY_LIMIT_BYTES,
    maxDocBytes: values.MAX_DOC_BYTES,
    logLevel: values.LOG_LEVEL,
    authRateLimit: {
      perClient: values.AUTH_RATE_LIMIT_PER_CLIENT,
      perUsername: values.AUTH_RATE_LIMIT_PER_USERNAME,
      windowS: values.AUTH_RATE_LIMIT_WINDOW_S,
    },
    trustProxy: values.TRUST_PROXY,
    storeTimeoutMs: values.STORE_TIMEOUT_MS,
    shutdownGraceMs: values.SHUTDOWN_GRACE_MS,
    storeMaxOpenDatabases: values.STORE_MAX_OPEN_DATABASES,
    storeGlobalChangesMaxWriteDelayMs: values.STORE_GLOBAL_CHANGES_MAX_WRITE_DELAY,
    headersTimeoutMs: values.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: values.REQUEST_TIMEOUT_MS,
    quotas: {
      storedBytes: values.QUOTA_STORED_BYTES,
      localDocs: values.QUOTA_LOCAL_DOCS,
      localBytes: values.QUOTA_LOCAL_BYTES,
      syncRequestsPerS: values.QUOTA_SYNC_REQUESTS_PER_S,
      syncBurst: values.QUOTA_SYNC_BURST,
    },
    signIn: {
      loginGuessesPerHour: values.LOGIN_GUESSES_PER_HOUR,
      refreshReuseGraceS: values.REFRESH_REUSE_GRACE_S,
      metricsToken: values.METRICS_TOKEN,
      scryptLog2N: values.SCRYPT_LOG2_N,
    },
    care: {
      shareCodeTtlS: values.SHARE_CODE_TTL_S,
      redeemsPerClinician: values.SHARE_CODE_REDEEMS_PER_CLINICIAN,
      redeemsGlobal: values.SHARE_CODE_REDEEMS_GLOBAL,
    },
  };
}
