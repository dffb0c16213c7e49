import express, { type Router } from 'express';
import { sendCouchError } from './couchResponses.js';
import type { DbUpdatesLog } from './dbUpdatesLog.js';
import { serveFeed } from './feedEngine.js';
import { parseFeedParams } from './feedParams.js';
import type { FeedRegistry } from './feedRegistry.js';

/**
 * GET /_db_updates, as CouchDB 3 (which express-pouchdb lacks): the changes
 * feed of the store's event log, each row {db_name, type, seq}.
 */
export function dbUpdatesRoute(log: DbUpdatesLog, feeds: FeedRegistry): Router {
  const router = express.Router();
  router.all('/_db_updates', async (req, res) => {
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      return sendCouchError(res, 405, 'method_not_allowed', 'Only GET allowed');
    }
    const params = parseFeedParams(req.query as Record<string, unknown>);
    // Batched like CouchDB: a reader sees what the last tick wrote. Without a delay, events recorded before the request are visible to it.
    if (log.maxWriteDelayMs === 0) await log.flushed();
    await serveFeed(
      res,
      params,
      {
        db: log.db,
        changesOptions: { include_docs: true },
        toRow: (change) => {
          const doc = change.doc as { db_name?: string; type?: string } | undefined;
          return { db_name: doc?.db_name, type: doc?.type, seq: change.seq };
        },
        withPending: false,
      },
      feeds,
    );
  });
  return router;
}
