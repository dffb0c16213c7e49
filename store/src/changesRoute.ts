import express, { type Router } from 'express';
import { badRequest, sendCouchError } from './couchResponses.js';
import type { DatabaseAccess } from './databaseAccess.js';
import { serveFeed } from './feedEngine.js';
import { parseBoolean, parseFeedParams } from './feedParams.js';
import type { FeedRegistry } from './feedRegistry.js';

type Query = Record<string, unknown>;

/**
 * GET|POST /{db}/_changes, served here rather than by express-pouchdb (whose
 * longpoll ignores `timeout`, whose continuous feed leaks a listener and a
 * timer per client, and which breaks under Express 5).
 */
export function changesRoute(access: DatabaseAccess, feeds: FeedRegistry): Router {
  const router = express.Router();
  router.all('/:db/_changes', express.json({ limit: '16mb' }), async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.setHeader('Allow', 'GET, POST');
      return sendCouchError(res, 405, 'method_not_allowed', 'Only GET,POST allowed');
    }
    const query = req.query as Query;
    const params = parseFeedParams(query);
    const changesOptions = changesOptionsFrom(query, (req.body ?? {}) as Record<string, unknown>);
    // A live feed's database stays in use between the client's polls (see DatabasePool).
    await access.with(
      req.params.db,
      (db) => serveFeed(res, params, { db, changesOptions, toRow: (change) => change, withPending: true }, feeds),
      { live: params.feed !== 'normal' },
    );
  });
  return router;
}

/** Maps CouchDB's query parameters (and POST body) onto db.changes() options. */
export function changesOptionsFrom(query: Query, body: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {
    include_docs: parseBoolean(query, 'include_docs'),
    conflicts: parseBoolean(query, 'conflicts'),
    attachments: parseBoolean(query, 'attachments'),
    binary: false,
  };
  const style = query['style'];
  if (style !== undefined) {
    if (style !== 'all_docs' && style !== 'main_only') throw badRequest(`Invalid style: ${String(style)}`);
    options['style'] = style;
  }
  // seq_interval only saves work on a sharded cluster; accepted and ignored.

  const filter = query['filter'];
  if (filter === undefined) return options;
  if (typeof filter !== 'string') throw badRequest('filter given more than once');
  switch (filter) {
    case '_doc_ids':
      options['doc_ids'] = docIdsFrom(query, body);
      break;
    case '_selector':
      if (typeof body['selector'] !== 'object' || body['selector'] === null) {
        throw badRequest('Selector must be specified in POST payload');
      }
      options['selector'] = body['selector'];
      break;
    case '_design':
      options['filter'] = (doc: { _id: string }) => doc._id.startsWith('_design/');
      break;
    default:
      // _view and design-document filters: PouchDB runs them itself.
      options['filter'] = filter;
      if (typeof query['view'] === 'string') options['view'] = query['view'];
      options['query_params'] = { ...query };
  }
  return options;
}

function docIdsFrom(query: Query, body: Record<string, unknown>): string[] {
  let ids: unknown = body['doc_ids'];
  if (ids === undefined && typeof query['doc_ids'] === 'string') {
    try {
      ids = JSON.parse(query['doc_ids']);
    } catch {
      throw badRequest('`doc_ids` must be a JSON array');
    }
  }
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
    throw badRequest('`doc_ids` filter parameter is not a list of doc ids.');
  }
  return ids as string[];
}
