import express, { type Router } from 'express';
import { badRequest, sendJson } from './couchResponses.js';
import type { DatabaseCatalog } from './databaseCatalog.js';

/** Version reported at GET /: the CouchDB API level served, marked as this store. */
export const STORE_VERSION = '3.5.0-embedded';

export function serverInfoRoutes(catalog: DatabaseCatalog, uuid: string): Router {
  const router = express.Router();

  router.get('/', (_req, res) => {
    sendJson(res, 200, {
      couchdb: 'Welcome',
      version: STORE_VERSION,
      uuid,
      vendor: { name: 'M2M Sync embedded store (express-pouchdb 4.2.0 over PouchDB 9)', version: STORE_VERSION },
      features: [],
    });
  });

  router.get('/_up', (_req, res) => {
    sendJson(res, 200, { status: 'ok' });
  });

  router.get('/_all_dbs', (req, res) => {
    let names = [...catalog.list()];
    const query = req.query as Record<string, unknown>;
    const startkey = jsonParam(query['startkey'] ?? query['start_key']);
    const endkey = jsonParam(query['endkey'] ?? query['end_key']);
    if (query['descending'] === 'true') names.reverse();
    const before = (a: string, b: string): boolean => (query['descending'] === 'true' ? a > b : a < b);
    if (typeof startkey === 'string') names = names.filter((n) => !before(n, startkey));
    if (typeof endkey === 'string') names = names.filter((n) => !before(endkey, n));
    const skip = intParam(query['skip']) ?? 0;
    const limit = intParam(query['limit']);
    names = names.slice(skip, limit === undefined ? undefined : skip + limit);
    sendJson(res, 200, names);
  });

  return router;
}

function jsonParam(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw badRequest(`Invalid JSON in query parameter: ${value}`);
  }
}

function intParam(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 0) throw badRequest(`Invalid integer: ${String(value)}`);
  return n;
}
