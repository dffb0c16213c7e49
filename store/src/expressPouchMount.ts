// The package's tsconfig compiles src/ only; this pulls in the hand-written module declaration.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="../types/express-pouchdb.d.ts" />
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestHandler } from 'express';
import expressPouchDB from 'express-pouchdb';
import type { DatabaseCatalog } from './databaseCatalog.js';
import type { DatabasePool } from './databasePool.js';
import { INTERNAL_PREFIX } from './databaseNames.js';
import type { PouchConstructor } from './pouchFactory.js';

/**
 * express-pouchdb (an Express 4 app) mounted inside our Express 5 app, for
 * everything the store does not serve itself: documents, _all_docs,
 * _bulk_docs, _revs_diff, _local, _security, attachments, Fauxton.
 */
export function expressPouchMount(
  Pouch: PouchConstructor,
  dataDir: string,
  catalog: DatabaseCatalog,
  pool: DatabasePool,
): RequestHandler[] {
  const ownDir = join(dataDir, `${INTERNAL_PREFIX}express-pouchdb`);
  mkdirSync(ownDir, { recursive: true });
  const app = expressPouchDB(Pouch, {
    // The gate in front does authentication, so the light profile is enough;
    // compression is left out because it buffers feeds. Views are left out
    // because PouchDB runs a design document's map function inside this
    // process, and the system has no use for them.
    mode: 'minimumForPouchDB',
    overrideMode: {
      include: ['routes/fauxton', 'routes/security', 'routes/active-tasks'],
      exclude: ['compression', 'routes/views', 'routes/temp-views', 'routes/view-cleanup'],
    },
    configPath: join(ownDir, 'config.json'),
    logPath: join(ownDir, 'log.txt'),
  });

  const adaptRequest: RequestHandler = (req, _res, next) => {
    // Express 5 exposes req.query as a getter; express-pouchdb rewrites it in
    // place (JSON-decoding values) and assigns it, so give it a plain object.
    Object.defineProperty(req, 'query', {
      value: { ...(req.query as Record<string, unknown>) },
      writable: true,
      configurable: true,
      enumerable: true,
    });
    // express-pouchdb answers text/plain unless asked for JSON; CouchDB 3
    // always answers JSON. Multipart requests and Fauxton's files keep theirs.
    const accept = req.headers.accept ?? '';
    if (!req.path.startsWith('/_utils') && !accept.includes('multipart/')) {
      req.headers.accept = 'application/json';
    }
    next();
  };

  // Pin the database a request addresses, so the pool does not close it mid-request.
  const pinDatabase: RequestHandler = (req, res, next) => {
    const first = req.path.split('/')[1];
    if (!first) return next();
    let name: string;
    try {
      name = decodeURIComponent(first);
    } catch {
      return next();
    }
    if (!catalog.has(name)) return next();
    pool.pin(name).then((release) => {
      res.on('close', release);
      next();
    }, next);
  };

  return [adaptRequest, pinDatabase, app as unknown as RequestHandler];
}
