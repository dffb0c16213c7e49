import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import { listen } from '@m2m/service-kit';
import type { AdminCredentials } from './adminCredentials.js';
import { adminGate } from './adminGate.js';
import { databaseInfoRoute } from './databaseInfoRoute.js';
import { LevelHandles } from './levelHandles.js';
import { localDocsRoute } from './localDocsRoute.js';
import { bulkGetRoute } from './bulkGetRoute.js';
import { changesRoute } from './changesRoute.js';
import { CouchHttpError, sendCouchError } from './couchResponses.js';
import { DatabaseAccess } from './databaseAccess.js';
import { DatabaseCatalog } from './databaseCatalog.js';
import { DataFolderClaim } from './dataFolderClaim.js';
import { DatabasePool } from './databasePool.js';
import { databaseRoutes } from './databaseRoutes.js';
import { DbUpdatesLog, DEFAULT_MAX_WRITE_DELAY_MS } from './dbUpdatesLog.js';
import { dbUpdatesRoute } from './dbUpdatesRoute.js';
import { expressPouchMount } from './expressPouchMount.js';
import { fauxtonFiles } from './fauxtonFiles.js';
import { FeedRegistry, type FeedStats } from './feedRegistry.js';
import { defaultMaxOpenDatabases } from './openDatabaseBound.js';
import { levelLocation, pouchForDataDir, wireForExpressPouchDB } from './pouchFactory.js';
import { purgeRoute } from './purgeRoute.js';
import { serverInfoRoutes } from './serverInfoRoutes.js';
import { SessionCookies } from './sessionCookie.js';
import { sessionRoutes } from './sessionRoutes.js';
import { loadStoreUuid } from './storeIdentity.js';
import { writeTracker } from './writeTracker.js';

/** pino-compatible subset. */
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EmbeddedStoreOptions {
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  admin: AdminCredentials;
  /**
   * Most PouchDB databases kept open at once (idle ones are closed, least
   * recently used first). Default: derived from the file-handle limit
   * (openDatabaseBound.ts).
   */
  maxOpenDatabases?: number | undefined;
  /**
   * CouchDB's `[global_changes] max_write_delay` (ms): `_db_updates` events are
   * written in batches this far apart, so they arrive up to this long after
   * the write (default 500, as CouchDB 3.5; 0 writes each at once).
   */
  globalChangesMaxWriteDelayMs?: number;
  logger?: StoreLogger;
}

export interface EmbeddedStoreStats {
  /** The bound in force. */
  maxOpenDatabases: number;
  openDatabases: number;
  maxOpenDatabasesSeen: number;
  /** Databases opened since the start (a reopen after an idle close counts again). */
  databaseOpens: number;
  feeds: FeedStats;
}

export interface EmbeddedStore {
  /** Base URL without credentials, e.g. http://127.0.0.1:5984 */
  url: string;
  port: number;
  /** Counters for tests and metrics. */
  stats(): EmbeddedStoreStats;
  close(): Promise<void>;
}

const silentLogger: StoreLogger = { info() {}, warn() {}, error() {} };

/**
 * A CouchDB-compatible store in this process: express-pouchdb over PouchDB
 * (LevelDB files in `dataDir`), behind an admin-only gate, with the routes
 * where the stand-in is not CouchDB 3 replaced (see DESIGN.md, "Verified
 * facts about the dependencies").
 */
export async function startEmbeddedStore(options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  const { dataDir, port, host = '127.0.0.1', admin } = options;
  const logger = options.logger ?? silentLogger;
  if (!admin.username || !admin.password) throw new Error('startEmbeddedStore: admin username and password are required');

  // LevelDB cannot create a database in a missing folder (uncaught OpenError).
  await mkdir(dataDir, { recursive: true });
  const levels = new LevelHandles();
  const Pouch = pouchForDataDir(dataDir, levels);
  // The `_db_updates` log is the first database opened: its lock claims the folder before anything else touches it.
  const { claim, opened: updates } = await DataFolderClaim.claim(dataDir, () =>
    DbUpdatesLog.open(
      Pouch,
      (err) => logger.error({ err }, 'embedded store: recording a _db_updates event failed'),
      options.globalChangesMaxWriteDelayMs ?? DEFAULT_MAX_WRITE_DELAY_MS,
    ),
  );
  // A start that fails from here on lets go of the folder, so that a later start (in this process too) may claim it.
  const abandon = async (err: unknown): Promise<never> => {
    await updates.close();
    await claim.release();
    throw err;
  };
  const [uuid, catalog] = await Promise.all([loadStoreUuid(dataDir), DatabaseCatalog.load(dataDir)]).catch(abandon);
  const maxOpen = options.maxOpenDatabases ?? openDatabaseDefault(logger);
  const pool = new DatabasePool(
    (name) => new Pouch(name),
    maxOpen,
    (name, err) => logger.error({ err, db: name }, 'embedded store: closing an idle database failed'),
  );
  wireForExpressPouchDB(Pouch, catalog, pool);
  const access = new DatabaseAccess(catalog, pool);
  const feeds = new FeedRegistry();
  const sessions = new SessionCookies();

  const ui = fauxtonFiles();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(adminGate(admin, sessions, ui));
  app.use(ui);
  app.use(sessionRoutes(admin, sessions));
  app.use(serverInfoRoutes(catalog, uuid));
  app.use(dbUpdatesRoute(updates, feeds));
  app.use(writeTracker(catalog, updates));
  app.use(databaseRoutes(access, updates));
  app.use(changesRoute(access, feeds));
  app.use(bulkGetRoute(access));
  app.use(databaseInfoRoute(access, dataDir, Date.now()));
  app.use(purgeRoute(access, levels, (name) => levelLocation(dataDir, name)));
  app.use(localDocsRoute(access, levels, dataDir));
  app.use(...expressPouchMount(Pouch, dataDir, catalog, pool));
  app.use(errorHandler(logger));

  const server = createServer(app);
  await listen(server, port, host).catch(abandon);
  const actualPort = (server.address() as AddressInfo).port;
  logger.info({ dataDir, port: actualPort }, 'embedded store listening');

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`,
    port: actualPort,
    stats: () => {
      const poolStats = pool.stats();
      return {
        maxOpenDatabases: maxOpen,
        openDatabases: poolStats.open,
        maxOpenDatabasesSeen: poolStats.maxOpenSeen,
        databaseOpens: poolStats.opens,
        feeds: feeds.stats(),
      };
    },
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        feeds.abortAll();
        server.closeIdleConnections();
        // Requests still running get a moment to finish, then their sockets go.
        const forced = setTimeout(() => server.closeAllConnections(), 2_000);
        await stopped;
        clearTimeout(forced);
        await updates.close();
        await pool.closeAll();
        await claim.release();
      })();
      return closing;
    },
  };
}

function openDatabaseDefault(logger: StoreLogger): number {
  const { maxOpen, fileHandleLimit, measured } = defaultMaxOpenDatabases();
  logger.info(
    { maxOpenDatabases: maxOpen, fileHandleLimit, fileHandleLimitSource: measured ? '/proc/self/limits' : 'assumed' },
    'embedded store: open-database bound from the file-handle limit (STORE_MAX_OPEN_DATABASES overrides it)',
  );
  return maxOpen;
}

function errorHandler(logger: StoreLogger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err instanceof CouchHttpError) return sendCouchError(res, err.status, err.error, err.reason);
    const status = (err as { status?: unknown }).status;
    const type = (err as { type?: unknown }).type;
    if (type === 'entity.parse.failed') return sendCouchError(res, 400, 'bad_request', 'invalid UTF-8 JSON');
    if (type === 'entity.too.large') return sendCouchError(res, 413, 'too_large', 'the request entity is too large');
    // PouchDB errors carry CouchDB's status, name and message.
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const { name, message } = err as { name?: string; message?: string };
      return sendCouchError(res, status, name ?? 'bad_request', message ?? '');
    }
    logger.error({ err }, 'embedded store: request failed');
    sendCouchError(res, 500, 'internal_server_error', err instanceof Error ? err.message : String(err));
  };
}
