import { loggableError } from '../http/errors.js';
import type { SessionUploadAnswer } from '@m2m/contract';
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { userDatabases } from '../accounts/userDatabases.js';
import type { GatewayConfig } from '../config.js';
import { CouchError, sendCouchError } from '../proxy/couchError.js';
import { StoredBytes } from '../proxy/storedBytes.js';
import { StorageReservations, type StorageReservation } from '../proxy/storageReservations.js';
import { jsonBodyReader } from '../proxy/jsonBody.js';
import { parseAnalysisQuery, readAnalysisPage } from './analysisList.js';
import { parsePageRequest, readProgressPage } from './progressPage.js';
import { parseSessionQuery, readSessionPage } from './sessionList.js';
import { uploadSession } from './sessionUpload.js';
import { storeFailure } from './storeFailure.js';
import { StreamingClient, type StoreClient } from '@m2m/couch';

export interface RestRouterDeps {
  config: Pick<GatewayConfig, 'dbPrefix' | 'maxDocBytes' | 'bodyLimitBytes' | 'storeTimeoutMs' | 'quotas'>;
  store: StoreClient;
  logger: Logger;
  /** The stored-bytes quota, shared with the replication proxy of the process (default: the router's own). */
  storage?: StorageReservations;
}

/**
 * REST for clients without RxDB: `POST /sessions` uploads one session,
 * `GET /progress` reads the progress document and the latest analyses,
 * `GET /sessions` and `GET /analyses` list the user's own, filtered and paged.
 * Mounted at `/api` behind `requireUser`, which sets `res.locals.userId`.
 */
export function createRestRouter(deps: RestRouterDeps): Router {
  const { config, store, logger } = deps;
  const readBody = jsonBodyReader(config.bodyLimitBytes);
  const storage = deps.storage ?? new StorageReservations(new StoredBytes(new StreamingClient(store), config.storeTimeoutMs), config.quotas.storedBytes);
  const router = express.Router();

  /** The same stored-bytes quota as the replication proxy's (server/README.md, "Quotas"), reserved until the upload ends. */
  const reserveStoredBytes = (db: string, reservations: Array<StorageReservation<void>>) => async (bytes: number): Promise<void> => {
    const reservation = await storage.reserve(db, (left) => {
      if (left.bytesLeft < bytes) throw new CouchError('quota_stored_bytes', left.refusal);
      left.bytesLeft -= bytes;
    });
    reservations.push(reservation);
  };

  const databasesOf = (res: Response): { sessions: string; progress: string } => {
    const userId: unknown = res.locals['userId'];
    if (typeof userId !== 'string' || userId === '') throw new CouchError('access_token_required', 'sign in first');
    return userDatabases(config.dbPrefix, userId);
  };

  router.post('/sessions', async (req, res) => {
    try {
      const db = databasesOf(res).sessions;
      const body = await readBody(req, res);
      const reservations: Array<StorageReservation<void>> = [];
      try {
        const result = await uploadSession(store, db, body, config.maxDocBytes, reserveStoredBytes(db, reservations));
        res.status(result.status).json({ ok: true, id: result.id, rev: result.rev } satisfies SessionUploadAnswer);
      } finally {
        for (const reservation of reservations) reservation.settle();
      }
    } catch (err) {
      failed(req, res, err);
    }
  });

  router.get('/progress', async (req, res) => {
    try {
      const db = databasesOf(res).progress;
      const page = parsePageRequest(req.query as Record<string, unknown>);
      res.json(await readProgressPage(store, db, page));
    } catch (err) {
      failed(req, res, err);
    }
  });

  router.get('/sessions', async (req, res) => {
    try {
      const dbs = databasesOf(res);
      const query = parseSessionQuery(req.query as Record<string, unknown>);
      res.json(await readSessionPage(store, dbs, query));
    } catch (err) {
      failed(req, res, err);
    }
  });

  router.get('/analyses', async (req, res) => {
    try {
      const db = databasesOf(res).progress;
      const query = parseAnalysisQuery(req.query as Record<string, unknown>);
      res.json(await readAnalysisPage(store, db, query));
    } catch (err) {
      failed(req, res, err);
    }
  });

  function failed(req: Request, res: Response, err: unknown): void {
    const couchError = storeFailure(err);
    if (couchError.status >= 500) logger.warn({ err: loggableError(err) }, 'REST request failed');
    sendCouchError(res, couchError);
  }

  return router;
}
