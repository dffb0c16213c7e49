import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import express, { type Router } from 'express';
import { sendJson } from './couchResponses.js';
import type { DatabaseAccess } from './databaseAccess.js';

/** Bytes of the files directly in `folder` (a LevelDB database is one flat folder). */
async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(folder, entry.name))).size;
  }
  return total;
}

/**
 * GET /{db} with CouchDB 3's `sizes` (`file`, `active`, `external`), which
 * express-pouchdb leaves out and the gateway's storage quota reads. LevelDB
 * keeps no count of live bytes, so all three are the size of the database's
 * files: at least what is stored, compressed, plus revisions LevelDB has not
 * compacted yet; read from the folder in a few system calls.
 */
export function databaseInfoRoute(access: DatabaseAccess, dataDir: string, startedAt: number): Router {
  const router = express.Router();
  router.get('/:db', async (req, res, next) => {
    const name = req.params.db;
    if (name.startsWith('_')) return next();
    const info = await access.with(name, (db) => db.info());
    const bytes = await folderBytes(join(dataDir, name)).catch(() => 0);
    sendJson(res, 200, { ...info, instance_start_time: String(startedAt), sizes: { file: bytes, active: bytes, external: bytes } });
  });
  return router;
}
