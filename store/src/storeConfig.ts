import { isAbsolute, resolve } from 'node:path';
import { integer, logLevel, nonEmpty, port, readEnv, type Env, type LogLevel } from '@m2m/service-kit';
import { z } from 'zod';
import type { AdminCredentials } from './adminCredentials.js';

/** The standalone store's configuration (`m2m-store`), parsed once from the environment. */
export interface StoreConfig {
  /** Absolute path of the data folder: the store's files go under `store/`, its generated admin under `secrets/`. */
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  /** undefined generates an admin and keeps it in dataDir. */
  admin: AdminCredentials | undefined;
  /** undefined: derived from the file-handle limit. */
  maxOpenDatabases: number | undefined;
  /** CouchDB's `[global_changes] max_write_delay`, in ms. */
  globalChangesMaxWriteDelayMs: number;
  logLevel: LogLevel;
}

const adminPair = z
  .string()
  .regex(/^[^:]+:.+$/s, 'must be user:password (a name without ":" and a non-empty password)')
  .transform((value) => {
    const colon = value.indexOf(':');
    return { username: value.slice(0, colon), password: value.slice(colon + 1) };
  });

/** Each variable's parser and default (the raw string the parser reads); the gateway reads the same names the same way. */
const variables = {
  DATA_DIR: { schema: nonEmpty, fallback: './data' },
  STORE_PORT: { schema: port, fallback: '5984' },
  STORE_ADMIN: { schema: adminPair.optional(), fallback: undefined, secret: true },
  // Unset: derived from the file-handle limit (openDatabaseBound.ts).
  STORE_MAX_OPEN_DATABASES: { schema: integer(10, 100_000).optional(), fallback: undefined },
  STORE_GLOBAL_CHANGES_MAX_WRITE_DELAY: { schema: integer(0, 60_000), fallback: '500' },
  LOG_LEVEL: { schema: logLevel, fallback: 'info' },
} as const;

/** The variables the standalone store reads (`m2m-store`). */
export const STORE_ENV_VARS = Object.freeze(Object.keys(variables) as Array<keyof typeof variables>);

/** Reads and validates the store's variables; an empty value counts as unset. Throws one error naming every bad one, never echoing the admin. */
export function loadStoreConfig(env: Env): StoreConfig {
  const values = readEnv(variables, env);
  return {
    dataDir: isAbsolute(values.DATA_DIR) ? values.DATA_DIR : resolve(values.DATA_DIR),
    port: values.STORE_PORT,
    admin: values.STORE_ADMIN,
    maxOpenDatabases: values.STORE_MAX_OPEN_DATABASES,
    globalChangesMaxWriteDelayMs: values.STORE_GLOBAL_CHANGES_MAX_WRITE_DELAY,
    logLevel: values.LOG_LEVEL,
  };
}
