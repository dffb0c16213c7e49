import express, { type Router } from 'express';
import { badRequest, sendJson } from './couchResponses.js';
import type { DatabaseAccess } from './databaseAccess.js';
import { parseBoolean } from './feedParams.js';

interface BulkGetRequest {
  id: string;
  rev?: string;
}

type OpenRevsResult = Array<{ ok: object } | { missing: string }>;

/**
 * POST /{db}/_bulk_get with CouchDB's answer shape: one result per requested
 * item, in request order, a missing document or revision as an error row
 * (PouchDB's bulkGet groups by id and drops the error).
 */
export function bulkGetRoute(access: DatabaseAccess): Router {
  const router = express.Router();
  router.post('/:db/_bulk_get', express.json({ limit: '16mb' }), async (req, res) => {
    const body = req.body as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw badRequest('Request body must be a JSON object');
    }
    const docs = (body as { docs?: unknown }).docs;
    if (!Array.isArray(docs)) throw badRequest("Missing JSON list of 'docs'");
    const items = docs.map(toRequest);
    const query = req.query as Record<string, unknown>;
    const options = {
      revs: parseBoolean(query, 'revs'),
      latest: parseBoolean(query, 'latest'),
      attachments: parseBoolean(query, 'attachments'),
    };
    const results = await access.with(req.params.db, (db) =>
      Promise.all(items.map((item) => fetchOne(db, item, options))),
    );
    sendJson(res, 200, { results });
  });
  return router;
}

function toRequest(entry: unknown): BulkGetRequest {
  const { id, rev } = (entry ?? {}) as { id?: unknown; rev?: unknown };
  if (typeof id !== 'string' || id === '') throw badRequest('Each requested document needs a string `id`');
  if (rev !== undefined && typeof rev !== 'string') throw badRequest('`rev` must be a string');
  return rev === undefined ? { id } : { id, rev };
}

async function fetchOne(
  db: PouchDB.Database,
  item: BulkGetRequest,
  options: { revs: boolean; latest: boolean; attachments: boolean },
): Promise<{ id: string; docs: unknown[] }> {
  const missing = { error: { id: item.id, rev: item.rev ?? 'undefined', error: 'not_found', reason: 'missing' } };
  let found: OpenRevsResult;
  try {
    // No rev: every leaf, as CouchDB answers for a conflicted document.
    found = (await db.get(item.id, {
      open_revs: item.rev === undefined ? 'all' : [item.rev],
      revs: options.revs,
      latest: options.latest,
      attachments: options.attachments,
      binary: false,
    } as PouchDB.Core.GetOpenRevisions)) as unknown as OpenRevsResult;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return { id: item.id, docs: [missing] };
    throw err;
  }
  const docs = found.map((entry) =>
    'ok' in entry
      ? { ok: entry.ok }
      : { error: { id: item.id, rev: entry.missing, error: 'not_found', reason: 'missing' } },
  );
  return { id: item.id, docs: docs.length > 0 ? docs : [missing] };
}
