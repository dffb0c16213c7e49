/**
 * Typed helpers for the CouchDB endpoints the system uses, each a few lines
 * over the one request funnel (StoreClient.request, or `call` with
 * `retry: true`), so no caller builds a path or a `_bulk_docs` body by hand.
 */
import type { QueryValue, StoreClient, StoreRequest } from './storeClient.js';
import { isStoreStatus, StoreError } from './storeErrors.js';

export interface CallOptions {
  /** Retry transient failures with backoff (StoreClient.call) instead of one attempt. */
  retry?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface DocWrite {
  id: string;
  rev: string;
}

/** One row of a `_bulk_docs` answer: a revision, or CouchDB's refusal of that document. */
export interface BulkDocsRow {
  id: string;
  rev?: string;
  ok?: boolean;
  error?: string;
  reason?: string;
}

export interface AllDocsRow<T> {
  id: string;
  key: string;
  value?: { rev: string; deleted?: boolean };
  doc?: T | null;
  error?: string;
}

export type AllDocsQuery = {
  startkey?: string;
  endkey?: string;
  include_docs?: boolean;
  descending?: boolean;
  limit?: number;
  skip?: number;
  /** With include_docs: each document's conflicting leaf revisions in `_conflicts`. */
  conflicts?: boolean;
};

function send<T>(store: StoreClient, req: StoreRequest, options: CallOptions = {}): Promise<T> {
  const full: StoreRequest = { ...req };
  if (options.signal) full.signal = options.signal;
  if (options.timeoutMs !== undefined) full.timeoutMs = options.timeoutMs;
  return options.retry ? store.call<T>(full) : store.request<T>(full);
}

const withQuery = (qs: Record<string, QueryValue | undefined>): Record<string, QueryValue> =>
  Object.fromEntries(Object.entries(qs).filter((entry): entry is [string, QueryValue] => entry[1] !== undefined));

/** A document id as a path below its database: `_design/` and `_local/` keep their slash, the rest is encoded. */
export function documentPath(id: string): string {
  const prefix = /^_(design|local)\//.exec(id)?.[0] ?? '';
  return prefix + encodeURIComponent(id.slice(prefix.length));
}

/** `GET /{db}/{id}`: the document (throws StoreError, 404 included). */
export function getDoc<T>(store: StoreClient, db: string, id: string, options?: CallOptions): Promise<T> {
  return send<T>(store, { db, path: documentPath(id) }, options);
}

/** `GET /{db}/{id}`, or undefined when the document is missing or deleted (a missing database still throws). */
export async function findDoc<T>(store: StoreClient, db: string, id: string, options?: CallOptions): Promise<T | undefined> {
  try {
    return await getDoc<T>(store, db, id, options);
  } catch (err) {
    if (isStoreStatus(err, 404) && !isMissingDatabase(err)) return undefined;
    throw err;
  }
}

/** `PUT /{db}/{id}` with the document's `_id` (and `_rev` when it updates). */
export function putDoc(store: StoreClient, db: string, doc: { _id: string }, options?: CallOptions): Promise<DocWrite> {
  return send<DocWrite>(store, { db, path: documentPath(doc._id), method: 'PUT', body: doc }, options);
}

/** `DELETE /{db}/{id}?rev=`. */
export function deleteDoc(store: StoreClient, db: string, id: string, rev: string, options?: CallOptions): Promise<DocWrite> {
  return send<DocWrite>(store, { db, path: documentPath(id), method: 'DELETE', qs: { rev } }, options);
}

/** `POST /{db}/_bulk_docs`: one row per document, in order. */
export function bulkDocs(store: StoreClient, db: string, docs: readonly unknown[], options?: CallOptions & { newEdits?: false }): Promise<BulkDocsRow[]> {
  const body = options?.newEdits === false ? { docs, new_edits: false } : { docs };
  return send<BulkDocsRow[]>(store, { db, path: '_bulk_docs', method: 'POST', body }, options);
}

/** `GET /{db}/_all_docs` over a key range, or `POST` with `keys`. */
export function allDocs<T>(
  store: StoreClient,
  db: string,
  query: AllDocsQuery & { keys?: readonly string[] },
  options?: CallOptions,
): Promise<{ rows: Array<AllDocsRow<T>>; total_rows?: number }> {
  const { keys, ...range } = query;
  const req: StoreRequest = keys ? { db, path: '_all_docs', method: 'POST', qs: withQuery(range), body: { keys } } : { db, path: '_all_docs', qs: withQuery(range) };
  return send(store, req, options);
}

/** `GET /{db}`: the database's info (`doc_count`, `sizes`, `update_seq`…). */
export function dbInfo<T = Record<string, unknown>>(store: StoreClient, db: string, options?: CallOptions): Promise<T> {
  return send<T>(store, { db }, options);
}

/** `DELETE /{db}`: false when it did not exist. */
export async function deleteDatabase(store: StoreClient, db: string, options?: CallOptions): Promise<boolean> {
  try {
    await send(store, { db, method: 'DELETE' }, options);
    return true;
  } catch (err) {
    if (isStoreStatus(err, 404)) return false;
    throw err;
  }
}

export interface SecurityObject {
  admins?: { names?: readonly string[]; roles?: readonly string[] };
  members?: { names?: readonly string[]; roles?: readonly string[] };
}

export function getSecurity(store: StoreClient, db: string, options?: CallOptions): Promise<SecurityObject> {
  return send<SecurityObject>(store, { db, path: '_security' }, options);
}

export async function putSecurity(store: StoreClient, db: string, security: SecurityObject, options?: CallOptions): Promise<void> {
  await send(store, { db, path: '_security', method: 'PUT', body: security }, options);
}

/** `POST /{db}/_purge`: `{id: [revs]}`. */
export function purge(store: StoreClient, db: string, revs: Record<string, readonly string[]>, options?: CallOptions): Promise<{ purged: Record<string, string[]> }> {
  return send(store, { db, path: '_purge', method: 'POST', body: revs }, options);
}

/** `GET /{db}/_local/{id}`: a local (non-replicated) document. */
export function getLocal<T>(store: StoreClient, db: string, id: string, options?: CallOptions): Promise<T> {
  return send<T>(store, { db, path: documentPath(`_local/${id}`) }, options);
}

export function putLocal(store: StoreClient, db: string, id: string, doc: Record<string, unknown>, options?: CallOptions): Promise<DocWrite> {
  return send<DocWrite>(store, { db, path: documentPath(`_local/${id}`), method: 'PUT', body: doc }, options);
}

/** `GET /_all_dbs` over a name range. */
export function allDbs(store: StoreClient, query: AllDocsQuery, options?: CallOptions): Promise<string[]> {
  return send<string[]>(store, { path: '_all_dbs', qs: withQuery(query) }, options);
}

/** `GET /{db}/_changes` with the given query (`since`, `feed`, `timeout`, `limit`…). */
export function changes<T>(store: StoreClient, db: string, qs: Record<string, QueryValue | undefined>, options?: CallOptions): Promise<T> {
  return send<T>(store, { db, path: '_changes', qs: withQuery(qs) }, options);
}

/** `GET /_db_updates` with the given query. */
export function dbUpdates<T>(store: StoreClient, qs: Record<string, QueryValue | undefined>, options?: CallOptions): Promise<T> {
  return send<T>(store, { path: '_db_updates', qs: withQuery(qs) }, options);
}

/** A 404 for the database itself, not one of its documents (those say `missing` or `deleted`). */
export function isMissingDatabase(err: unknown): boolean {
  return err instanceof StoreError && err.status === 404 && err.reason !== 'missing' && err.reason !== 'deleted';
}
