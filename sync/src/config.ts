import { availableParallelism } from 'node:os';
import { integer, logLevel, nonEmpty, port, readEnv, type Env, type LogLevel } from '@m2m/service-kit';
import { z } from 'zod';
import { couchdbUrlSchema, dbPrefixSchema } from '@m2m/couch';

export { LOG_LEVELS, type LogLevel } from '@m2m/service-kit';

/** This process's share of the sessions databases: those whose hash modulo `count` is `index`. */
export interface Shard {
  index: number;
  count: number;
}

/** The worker's configuration, parsed once from the environment (see sync/README.md). */
export interface WorkerConfig {
  /** CouchDB (or the embedded store) with server-admin credentials. */
  couchdbUrl: string;
  /** Prefix of every database name the system creates. */
  dbPrefix: string;
  shard: Shard;
  /** Analysis threads. */
  poolSize: number;
  /** Changes read from one sessions database per batch. */
  batchSize: number;
  /** Sessions databases processed at once. */
  concurrency: number;
  /**
   * Largest session the worker analyses, in samples × channels as the session
   * declares them; a larger one gets an `invalid` analysis naming this budget.
   * Also the estimated cost one database's turn takes on.
   */
  analysisBudget: number;
  /** Prometheus `/metrics` port; undefined serves none, 0 picks a free port. */
  metricsPort: number | undefined;
  metricsHost: string;
  logLevel: LogLevel;
  /** Timeout of one store request (feeds that wait on purpose get their wait on top). */
  storeTimeoutMs: number;
  /** Recently active sessions databases whose own `_changes` long poll is followed (the fast path); 0: none. */
  liveFeeds: number;
  /** A followed database with no change for this long is no longer followed. */
  liveFeedIdleMs: number;
  /** Sessions databases visited per second at most by the periodic safety-net sweep. */
  sweepRate: number;
  /** Data folder; `m2m-sync export` keeps its pseudonym key in `secrets/` there. */
  dataDir: string;
  /** Pause between two re-evaluations of every care link's flags (inactivity grows with time alone). */
  careRefreshMs: number;
  /** Days without a session after which a linked patient is flagged inactive (twice as many: high). */
  careInactiveDays: number;
  /** Relative worsening of a metric, in percent, that flags it declining (twice as much: high). */
  careDeclinePercent: number;
}


const MAX_SHARDS = 1024;

const shard = z
  .string()
  .trim()
  .transform((value, ctx): Shard => {
    const match = /^(\d+)\/(\d+)$/.exec(value);
    const index = Number(match?.[1]);
    const count = Number(match?.[2]);
    if (!match || !(count >= 1 && count <= MAX_SHARDS) || !(index < count)) {
      ctx.addIssue({ code: 'custom', message: `must be i/n with 1 <= n <= ${MAX_SHARDS} and 0 <= i < n, e.g. 0/2` });
      return z.NEVER;
    }
    return { index, count };
  });

/** Each variable's parser and default; a default is the raw string the parser reads. */
function variables() {
  return {
    COUCHDB_URL: { schema: couchdbUrlSchema, fallback: undefined, secret: true },
    DB_PREFIX: {
      schema: dbPrefixSchema,
      fallback: 'm2m-',
    },
    WORKER_SHARD: { schema: shard, fallback: '0/1' },
    WORKER_POOL_SIZE: { schema: integer(1, 256), fallback: String(availableParallelism()) },
    WORKER_BATCH_SIZE: { schema: integer(1, 1000), fallback: '50' },
    WORKER_CONCURRENCY: { schema: integer(1, 256), fallback: '4' },
    // An hour of the glove's 11 channels at 100 Hz is 3,960,000 (a game lasts minutes; one minute is 66,000).
    WORKER_ANALYSIS_BUDGET: { schema: integer(1000, 100_000_000), fallback: '4000000' },
    WORKER_METRICS_PORT: { schema: port.optional(), fallback: undefined },
    WORKER_METRICS_HOST: { schema: nonEmpty, fallback: '127.0.0.1' },
    LOG_LEVEL: { schema: logLevel, fallback: 'info' },
    STORE_TIMEOUT_MS: { schema: integer(100, 600_000), fallback: '10000' },
    WORKER_LIVE_FEEDS: { schema: integer(0, 100_000), fallback: '200' },
    WORKER_LIVE_FEED_IDLE_MS: { schema: integer(1_000, 86_400_000), fallback: '300000' },
    WORKER_SWEEP_RATE: { schema: integer(1, 100_000), fallback: '20' },
    DATA_DIR: { schema: nonEmpty, fallback: './data' },
    CARE_REFRESH_MS: { schema: integer(1_000, 604_800_000), fallback: '3600000' },
    CARE_INACTIVE_DAYS: { schema: integer(1, 365), fallback: '7' },
    CARE_DECLINE_PERCENT: { schema: integer(1, 100), fallback: '15' },
  } as const;
}

type Variables = ReturnType<typeof variables>;

/** Every variable the worker reads: the table above, for the docs and the compose drift test. */
export const WORKER_ENV_VARS = Object.freeze(Object.keys(variables()) as Array<keyof Variables>);

/**
 * Reads and validates the worker's configuration. An empty value counts as
 * unset. Throws one Error naming every bad variable (secrets never echoed).
 */
export function loadWorkerConfig(env: Env): WorkerConfig {
  const values = readEnv(variables(), env);
  return {
    couchdbUrl: values.COUCHDB_URL,
    dbPrefix: values.DB_PREFIX,
    shard: values.WORKER_SHARD,
    poolSize: values.WORKER_POOL_SIZE,
    batchSize: values.WORKER_BATCH_SIZE,
    concurrency: values.WORKER_CONCURRENCY,
    analysisBudget: values.WORKER_ANALYSIS_BUDGET,
    metricsPort: values.WORKER_METRICS_PORT,
    metricsHost: values.WORKER_METRICS_HOST,
    logLevel: values.LOG_LEVEL,
    storeTimeoutMs: values.STORE_TIMEOUT_MS,
    liveFeeds: values.WORKER_LIVE_FEEDS,
    liveFeedIdleMs: values.WORKER_LIVE_FEED_IDLE_MS,
    sweepRate: values.WORKER_SWEEP_RATE,
    dataDir: values.DATA_DIR,
    careRefreshMs: values.CARE_REFRESH_MS,
    careInactiveDays: values.CARE_INACTIVE_DAYS,
    careDeclinePercent: values.CARE_DECLINE_PERCENT,
  };
}
