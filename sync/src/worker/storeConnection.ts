import type { WorkerConfig } from '../config.js';
import type { Logger } from '../logging.js';
import { ensureDatabase } from '../store/databases.js';
import type { Component } from '@m2m/service-kit';
import { StoreAccessError, StoreClient, checkAdminAccess, describeError, isTransient, withRetry, workerDatabase } from '@m2m/couch';

export interface StoreConnectionOptions {
  logger: Logger;
  /** How long start waits for an unreachable store before failing. */
  startupTimeoutMs: number;
  /** A store call failed and is retried. */
  onRetry(err: Error): void;
}

/**
 * The worker's store client: `start` waits for the store, checks that the
 * credentials are an admin's and makes sure the worker database exists;
 * `stop` cancels every request still in progress.
 */
export class StoreConnection implements Component {
  readonly name = 'store connection';
  readonly client: StoreClient;
  readonly workerDb: string;

  constructor(
    config: Pick<WorkerConfig, 'couchdbUrl' | 'storeTimeoutMs' | 'dbPrefix'>,
    private readonly options: StoreConnectionOptions,
  ) {
    const { logger } = options;
    this.workerDb = workerDatabase(config.dbPrefix);
    this.client = new StoreClient(config.couchdbUrl, {
      timeoutMs: config.storeTimeoutMs,
      onRetry: (err, attempt, delayMs) => {
        options.onRetry(err);
        logger.warn({ err: err.message, attempt, retryInMs: delayMs }, 'store call failed; retrying');
      },
      // Base URLs only: the credentials never reach a log line.
      onEndpointChange: (url, up) => (up ? logger.info({ store: url }, 'store URL answers again') : logger.warn({ store: url }, 'store URL not answering: using the others')),
    });
  }

  async start(): Promise<void> {
    try {
      await connect(this.client, this.options.startupTimeoutMs);
      await ensureDatabase(this.client, this.workerDb);
    } catch (err) {
      this.client.close();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.client.close();
  }
}

/** Waits for the store (retrying while it is unreachable) and checks that the credentials are an admin's. */
async function connect(store: StoreClient, timeoutMs: number): Promise<void> {
  const deadline = AbortSignal.timeout(timeoutMs);
  let lastError: unknown;
  try {
    await withRetry(() => checkAdminAccess(store), {
      signal: AbortSignal.any([deadline, store.closed]),
      shouldRetry: (err) => {
        lastError = err;
        return isTransient(err);
      },
    });
  } catch (err) {
    if (deadline.aborted) {
      throw new StoreAccessError(
        `The store at ${store.url} did not answer within ${timeoutMs} ms (${describeError(lastError)}). Is it running, and is COUCHDB_URL right?`,
        { cause: lastError },
      );
    }
    if (err instanceof StoreAccessError) throw err;
    throw new StoreAccessError(`The store at ${store.url} failed a test request: ${describeError(err)}`, { cause: err });
  }
}
