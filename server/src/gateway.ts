import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { errorText, listen, urlOf } from '@m2m/service-kit';
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './auth/clock.js';
import { createCareRouter } from './care/careRoutes.js';
import { PATIENT_ROUTES, patientsOnly } from './care/roleGate.js';
import type { GatewayConfig } from './config.js';
import { startEmbeddedStoreForGateway } from './embeddedStoreLoader.js';
import { loadOrCreateJwtSecret } from './generatedSecrets.js';
import { createApp } from './http/app.js';
import { createLogger } from './http/logger.js';
import { ActivityHints } from './proxy/activityHints.js';
import { createSyncRouter } from './proxy/syncRouter.js';
import { StorageReservations } from './proxy/storageReservations.js';
import { StoredBytes } from './proxy/storedBytes.js';
import { createCareCsvRouter } from './rest/careAnalysesCsv.js';
import { createRestRouter } from './rest/restRouter.js';
import { bootstrapStore, StoreClient, storeUrlWithCredentials, StreamingClient, systemDatabases } from '@m2m/couch';

export interface GatewayOptions {
  logger?: Logger;
  /** Time source of tokens and rate limits (tests move it). */
  clock?: Clock;
  /** Replaces the routers mounted at /sync and /api (default: the replication proxy and the REST routes). */
  routers?: (deps: RouterDeps) => { sync?: Router; api?: Router };
}

export interface RouterDeps {
  config: GatewayConfig;
  store: StoreClient;
  logger: Logger;
  /** Fires when the gateway begins to stop (open longpolls are answered at once). */
  stopping: AbortSignal;
  /** Time source of share codes and their limits (tests move it). */
  clock: Clock;
}

export interface RunningGateway {
  /** Where the gateway listens, e.g. http://127.0.0.1:3000 */
  url: string;
  /** The store's base URL, without credentials. */
  storeUrl: string;
  /** True when this process runs the embedded store. */
  embeddedStore: boolean;
  /** Requests received and not yet answered or abandoned (what a stop waits for). */
  requestsInFlight(): number;
  /** Stops accepting, lets in-flight requests finish (up to SHUTDOWN_GRACE_MS), closes the store. */
  close(): Promise<void>;
}

/** The replication proxy at /sync and the REST routes at /api (the care team's at /api/care). */
function defaultRouters(deps: RouterDeps): { sync?: Router; api?: Router } {
  const activity = new ActivityHints(deps.store, systemDatabases(deps.config.dbPrefix).activity, deps.logger);
  // One reservation ledger for the stored-bytes quota: /sync and /api writes of a user draw on the same bytes.
  const storage = new StorageReservations(new StoredBytes(new StreamingClient(deps.store), deps.config.storeTimeoutMs), deps.config.quotas.storedBytes);
  const api = express.Router();
  api.use('/care', createCareRouter(deps));
  api.use('/care', createCareCsvRouter(deps));
  api.use(PATIENT_ROUTES, patientsOnly());
  api.use(createRestRouter({ ...deps, storage }));
  return { sync: createSyncRouter({ ...deps, activity, storage }), api };
}

/** Starts the embedded store when no COUCHDB_URL is set; returns the URL with credentials. */
async function storeLocation(
  config: GatewayConfig,
  logger: Logger,
): Promise<{ urlWithCredentials: string; embedded?: { close(): Promise<void> } }> {
  if (config.couchdbUrl !== undefined) return { urlWithCredentials: config.couchdbUrl };
  const { store, admin } = await startEmbeddedStoreForGateway(config, logger);
  return { urlWithCredentials: storeUrlWithCredentials(store.url, admin), embedded: store };
}

/**
 * Starts the gateway: the embedded store (when no COUCHDB_URL), the store
 * connection and bootstrap, then the HTTP server on HOST:PORT. Fails with a
 * message naming the problem when the store is unreachable or refuses us.
 */
export async function startGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const { urlWithCredentials, embedded } = await storeLocation(config, logger);
  const store = new StoreClient(urlWithCredentials, {
    timeoutMs: config.storeTimeoutMs,
    // Base URLs only: the credentials never reach a log line.
    onEndpointChange: (storeUrl, up) =>
      up ? logger.info({ store: storeUrl }, 'store URL answers again') : logger.warn({ store: storeUrl }, 'store URL not answering: using the others'),
  });
  let server: Server | undefined;
  const stopping = new AbortController();
  try {
    await bootstrapStore(store, config.dbPrefix);
    const jwtSecret = config.jwtSecret ?? (await loadOrCreateJwtSecret(config.dataDir));
    const resolved: GatewayConfig = { ...config, jwtSecret };
    const routerDeps: RouterDeps = { config: resolved, store, logger, stopping: stopping.signal, clock: options.clock ?? systemClock };
    const routers = (options.routers ?? defaultRouters)(routerDeps);
    const app = createApp({ ...routerDeps, routers, ...(options.clock ? { clock: options.clock } : {}) });
    // Slow clients (slow-loris) are cut off: HEADERS_TIMEOUT_MS for the headers, REQUEST_TIMEOUT_MS
    // for the whole request with its body; neither limits how long an answer (a long-poll feed) may
    // take. Node checks every 30 s by default, which would stretch a short timeout by up to that.
    server = createServer(
      {
        headersTimeout: config.headersTimeoutMs,
        requestTimeout: config.requestTimeoutMs,
        connectionsCheckingInterval: Math.min(1_000, config.headersTimeoutMs),
      },
      app,
    );
    await listen(server, config.port, config.host).catch((err: unknown) => {
      throw new Error(`The gateway cannot listen on ${config.host}:${config.port} (HOST, PORT): ${errorText(err)}`, { cause: err });
    });
  } catch (err) {
    await store.close();
    await embedded?.close();
    throw err;
  }

  const running = server;
  let shuttingDown = false;
  let inFlight = 0;
  running.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight += 1;
    res.once('close', () => (inFlight -= 1));
    // During shutdown a keep-alive connection closes as soon as its last response is out.
    if (shuttingDown && !res.headersSent) res.setHeader('Connection', 'close');
    res.once('finish', () => {
      if (shuttingDown) setImmediate(() => running.closeIdleConnections());
    });
  });

  const url = urlOf(server, config.host);
  logger.info({ url, store: store.url, embeddedStore: embedded !== undefined }, 'gateway listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    storeUrl: store.url,
    embeddedStore: embedded !== undefined,
    requestsInFlight: () => inFlight,
    close: () => {
      closing ??= (async () => {
        shuttingDown = true;
        stopping.abort();
        const stopped = new Promise<void>((resolve) => running.close(() => resolve()));
        running.closeIdleConnections();
        const forced = setTimeout(() => running.closeAllConnections(), config.shutdownGraceMs);
        await stopped;
        clearTimeout(forced);
        await store.close();
        await embedded?.close();
        logger.info('gateway stopped');
      })();
      return closing;
    },
  };
}
