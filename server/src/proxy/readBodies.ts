import { badRequest, refused, tooMany } from './couchError.js';

/**
 * Most ids one read may name, and most revisions one `_revs_diff` may ask
 * about. Replication sends batches of about 100; the store answers a longer
 * list in time that grows with it, on a loop other users share.
 */
export const MAX_IDS_PER_READ = 1000;
export const MAX_REVS_PER_DIFF = 10_000;

function checkCount(count: number, limit: number, what: string): void {
  if (count > limit) throw tooMany(`${what} names ${count} entries, more than the ${limit} one request may`);
}
import type { Endpoint } from './syncPath.js';

type Json = Record<string, unknown>;

const isPlainObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** Ids a device may name in a read: its documents, never `_design/` or other system ids. */
function checkDocId(id: unknown, where: string): string {
  if (typeof id !== 'string') throw badRequest(`${where} must be a string`);
  if (id.startsWith('_')) throw refused(`${where} ${JSON.stringify(id)} is not reachable through the sync proxy`);
  return id;
}

/** `_all_docs` takes its query parameters in a POST body too; these are the ones served. */
const ALL_DOCS_BODY_KEYS = new Set([
  'keys',
  'include_docs',
  'conflicts',
  'descending',
  'limit',
  'skip',
  'inclusive_end',
  'update_seq',
  'key',
  'startkey',
  'start_key',
  'endkey',
  'end_key',
  // RxDB sends PouchDB's `deleted: "ok"`; CouchDB ignores it.
  'deleted',
]);

function pick(body: Json, allowed: Set<string>, endpoint: string): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(body)) {
    if (!allowed.has(key)) throw badRequest(`${JSON.stringify(key)} is not allowed in a ${endpoint} body`);
    out[key] = value;
  }
  return out;
}

/**
 * Checks the body of a read request (POST `_changes`, `_revs_diff`,
 * `_bulk_get`, `_all_docs`) and returns what to forward: only the fields
 * each endpoint needs, so nothing else reaches the store.
 */
export function checkReadBody(kind: Endpoint['kind'], body: unknown): unknown {
  switch (kind) {
    case 'changes': {
      if (body === undefined) return undefined;
      if (!isPlainObject(body)) throw badRequest('the _changes body must be a JSON object');
      if ('selector' in body) throw refused('filter=_selector is not allowed through the sync proxy');
      const picked = pick(body, new Set(['doc_ids']), '_changes');
      if ('doc_ids' in picked) {
        if (!isStringArray(picked['doc_ids'])) throw badRequest('doc_ids must be an array of strings');
        checkCount(picked['doc_ids'].length, MAX_IDS_PER_READ, 'doc_ids');
        picked['doc_ids'].forEach((id, i) => checkDocId(id, `doc_ids[${i}]`));
      }
      return picked;
    }
    case 'revs_diff': {
      if (!isPlainObject(body)) throw badRequest('the _revs_diff body must be a JSON object of id: [revs]');
      const entries = Object.entries(body);
      checkCount(entries.length, MAX_IDS_PER_READ, 'the _revs_diff body');
      checkCount(entries.reduce((n, [, revs]) => n + (Array.isArray(revs) ? revs.length : 0), 0), MAX_REVS_PER_DIFF, 'the revisions of the _revs_diff body');
      for (const [id, revs] of entries) {
        checkDocId(id, 'a document id');
        if (!isStringArray(revs)) throw badRequest(`the revisions of ${JSON.stringify(id)} must be an array of strings`);
      }
      return body;
    }
    case 'bulk_get': {
      if (!isPlainObject(body) || !Array.isArray(body['docs'])) throw badRequest('the _bulk_get body must be {"docs": [...]}');
      checkCount(body['docs'].length, MAX_IDS_PER_READ, 'docs');
      const docs = body['docs'].map((entry: unknown, i) => {
        if (!isPlainObject(entry)) throw badRequest(`docs[${i}] must be an object`);
        const picked = pick(entry, new Set(['id', 'rev', 'atts_since']), '_bulk_get entry');
        checkDocId(picked['id'], `docs[${i}].id`);
        if ('rev' in picked && typeof picked['rev'] !== 'string') throw badRequest(`docs[${i}].rev must be a string`);
        return picked;
      });
      return { docs };
    }
    case 'all_docs': {
      if (body === undefined) return undefined;
      if (!isPlainObject(body)) throw badRequest('the _all_docs body must be a JSON object');
      const picked = pick(body, ALL_DOCS_BODY_KEYS, '_all_docs');
      if ('keys' in picked) {
        if (!isStringArray(picked['keys'])) throw badRequest('keys must be an array of strings');
        checkCount(picked['keys'].length, MAX_IDS_PER_READ, 'keys');
        picked['keys'].forEach((key, i) => checkDocId(key, `keys[${i}]`));
      }
      return picked;
    }
    default:
      return undefined;
  }
}
