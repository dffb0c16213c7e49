import express, { type Router } from 'express';
import { CouchHttpError, badRequest, sendJson } from './couchResponses.js';
import { missingDatabase, type DatabaseAccess } from './databaseAccess.js';
import { illegalNameReason, isLegalDatabaseName } from './databaseNames.js';
import type { DbUpdatesLog } from './dbUpdatesLog.js';
import { KeyedLock } from './keyedLock.js';
import { checkShardParams } from './shardParams.js';

/**
 * PUT and DELETE /{db} with CouchDB's status codes (the stand-in answers 200
 * for a missing database and 201 to every concurrent PUT): creation and
 * deletion of one name are serialised, so exactly one PUT wins.
 */
export function databaseRoutes(access: DatabaseAccess, updates: DbUpdatesLog): Router {
  const router = express.Router();
  const lock = new KeyedLock();
  const { catalog, pool } = access;

  router.put('/:db', async (req, res) => {
    const name = req.params.db;
    checkShardParams(req.query as Record<string, unknown>); // as CouchDB: before the name and before 412
    if (!isLegalDatabaseName(name)) throw new CouchHttpError(400, 'illegal_database_name', illegalNameReason(name));
    await lock.run(name, async () => {
      if (catalog.has(name)) {
        throw new CouchHttpError(412, 'file_exists', 'The database could not be created, the file already exists.');
      }
      const { db, release } = await pool.acquire(name);
      try {
        await db.info(); // opens (and so creates) the LevelDB files
      } finally {
        release();
      }
      catalog.add(name);
      updates.record(name, 'created');
    });
    res.setHeader('Location', `${req.protocol}://${req.get('host') ?? ''}/${encodeURIComponent(name)}`);
    sendJson(res, 201, { ok: true });
  });

  router.delete('/:db', async (req, res) => {
    const name = req.params.db;
    if (req.query['rev'] !== undefined) {
      throw badRequest(
        'You tried to DELETE a database with a ?=rev parameter. Did you mean to DELETE a document instead?',
      );
    }
    await lock.run(name, async () => {
      if (!catalog.has(name)) throw missingDatabase();
      catalog.remove(name); // from now on requests see 404
      const db = await pool.detachForDestroy(name);
      await db.destroy();
      updates.record(name, 'deleted');
    });
    sendJson(res, 200, { ok: true });
  });

  return router;
}
