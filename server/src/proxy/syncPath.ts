import { badRequest, notFound, refused } from './couchError.js';

/** The databases a device may reach; each maps to the caller's own database (a patient's two, a clinician's care). */
export type SyncDatabase = 'sessions' | 'progress' | 'care';

/** The replication-protocol endpoints the proxy serves, and nothing else. */
export type Endpoint =
  | { kind: 'info' }
  | { kind: 'local'; id: string }
  | { kind: 'changes' }
  | { kind: 'revs_diff' }
  | { kind: 'bulk_get' }
  | { kind: 'all_docs' }
  | { kind: 'bulk_docs' }
  | { kind: 'doc'; id: string };

export interface SyncTarget {
  database: SyncDatabase;
  endpoint: Endpoint;
  /** The raw query string without its `?` ('' when none). */
  rawQuery: string;
}

// A Map, so that names such as `constructor` or `__proto__` never resolve to a prototype's member.
const SPECIAL_ENDPOINTS = new Map<string, Endpoint>([
  ['_changes', { kind: 'changes' }],
  ['_revs_diff', { kind: 'revs_diff' }],
  ['_bulk_get', { kind: 'bulk_get' }],
  ['_all_docs', { kind: 'all_docs' }],
  ['_bulk_docs', { kind: 'bulk_docs' }],
]);

/** Percent-escapes that would smuggle a separator, a NUL or a second round of decoding. */
const SMUGGLING_ESCAPES = /%(2f|5c|00|25)/i;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Parses the part of a URL after `/sync` strictly: each segment is decoded
 * exactly once, and separators, dot segments, empty segments and anything the
 * allow-list does not name are refused before a database name is ever built.
 * Throws a CouchError naming what was refused.
 */
export function parseSyncPath(url: string): SyncTarget {
  const queryAt = url.indexOf('?');
  const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
  const rawQuery = queryAt === -1 ? '' : url.slice(queryAt + 1);
  if (!rawPath.startsWith('/')) throw badRequest('the path must start with /');

  const segments = rawPath.slice(1).split('/').map(decodeSegment);
  const [first, ...rest] = segments;
  if (first !== 'sessions' && first !== 'progress' && first !== 'care') {
    throw notFound(`only /sync/sessions/, /sync/progress/ and /sync/care/ exist, not /sync/${first ?? ''}`);
  }
  // A single trailing slash after the database is the database itself (`/sync/sessions/`).
  if (rest.length === 1 && rest[0] === '') rest.pop();
  if (rest.some((segment) => segment === '')) throw refused('empty path segments (//) are not allowed');
  return { database: first, endpoint: endpointOf(rest), rawQuery };
}

function decodeSegment(raw: string): string {
  if (SMUGGLING_ESCAPES.test(raw)) throw refused('encoded slashes, backslashes, NULs and percent signs are not allowed in the path');
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw badRequest('the path has malformed percent-encoding');
  }
  if (decoded === '.' || decoded === '..') throw refused('relative path segments (. and ..) are not allowed');
  if (decoded.includes('/') || decoded.includes('\\') || CONTROL_CHARACTERS.test(decoded)) {
    throw refused('the path has a character that is not allowed');
  }
  return decoded;
}

function endpointOf(rest: string[]): Endpoint {
  const [head, ...tail] = rest;
  if (head === undefined) return { kind: 'info' };
  if (head === '_local') {
    const [id, ...more] = tail;
    if (id === undefined || more.length > 0) throw refused('a local document is addressed as _local/{id}');
    // The embedded store keeps the database's security object at _local/_security. Other ids may start
    // with _: PouchDB's checkpoint ids are base64 hashes with + written as _.
    if (id === '_security') throw refused('_local/_security is reserved');
    return { kind: 'local', id };
  }
  if (tail.length > 0) {
    if (head === '_design') throw refused('design documents are not reachable through the sync proxy');
    throw refused('attachments and nested paths are not reachable through the sync proxy');
  }
  const special = SPECIAL_ENDPOINTS.get(head);
  if (special !== undefined) return special;
  if (head.startsWith('_')) throw refused(`${head} is not reachable through the sync proxy`);
  return { kind: 'doc', id: head };
}

/** The upstream path of an endpoint in the store database `dbName`, every part encoded. */
export function upstreamPathOf(dbName: string, endpoint: Endpoint): string {
  const db = `/${encodeURIComponent(dbName)}`;
  switch (endpoint.kind) {
    case 'info':
      return `${db}/`;
    case 'local':
      return `${db}/_local/${encodeURIComponent(endpoint.id)}`;
    case 'doc':
      return `${db}/${encodeURIComponent(endpoint.id)}`;
    default:
      return `${db}/_${endpoint.kind}`;
  }
}
