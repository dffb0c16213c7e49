// @ts-check
import { loadConfig } from '@m2m/server/config';
import { loadWorkerConfig } from '@m2m/sync/config';
import { StartError, errorText } from './startError.mjs';

/** Variables only the supervisor reads; the children's are in their configuration modules. */
export const SUPERVISOR_ENV_VARS = Object.freeze(['DEMO_PORT']);

export const DEFAULT_DEMO_PORT = 8080;
/** The demo is for this machine's browser, like the store. */
export const DEMO_HOST = '127.0.0.1';
/** The children's log level when LOG_LEVEL is unset: quiet, so that the printed block stays readable. */
export const DEFAULT_CHILD_LOG_LEVEL = 'warn';

/** Stands in for the store URL when the worker's settings are checked before the store runs. */
const PLACEHOLDER_STORE_URL = 'http://admin:placeholder@127.0.0.1:5984';

/**
 * @typedef {object} Settings
 * @property {import('@m2m/server/config').GatewayConfig} gateway
 * @property {import('@m2m/sync/config').WorkerConfig} worker  its couchdbUrl is the one to use only when COUCHDB_URL is set
 * @property {number} demoPort  0 picks a free port
 * @property {string} childLogLevel
 */

/**
 * Reads and checks every setting before anything starts, with the gateway's
 * and the worker's own configuration modules, so that a bad value stops
 * `npm start` with one message naming it.
 * @param {NodeJS.ProcessEnv} env
 * @returns {Settings}
 */
export function loadSettings(env) {
  try {
    const gateway = loadConfig(env);
    const worker = loadWorkerConfig({ ...env, COUCHDB_URL: gateway.couchdbUrl ?? PLACEHOLDER_STORE_URL });
    return {
      gateway,
      worker,
      demoPort: parsePort('DEMO_PORT', env['DEMO_PORT'], DEFAULT_DEMO_PORT),
      childLogLevel: env['LOG_LEVEL'] || DEFAULT_CHILD_LOG_LEVEL,
    };
  } catch (err) {
    if (err instanceof StartError) throw err;
    throw new StartError('config', errorText(err), { cause: err });
  }
}

/**
 * @param {string} name
 * @param {string | undefined} raw
 * @param {number} fallback
 */
function parsePort(name, raw, fallback) {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value > 65535) {
    throw new StartError('config', `Invalid configuration: ${name} must be a whole number between 0 and 65535 (got "${raw}")`);
  }
  return value;
}
