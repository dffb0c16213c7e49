import { badRequest, refused } from './couchError.js';
import type { Endpoint } from './syncPath.js';

export type ProxyMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Bounds on how long a feed may wait upstream; CouchDB's own default wait is 60 s. */
export interface FeedLimits {
  maxWaitMs: number;
  minHeartbeatMs: number;
}

export const DEFAULT_FEED_LIMITS: FeedLimits = { maxWaitMs: 60_000, minHeartbeatMs: 1_000 };

/** Checks one parameter value; returns the value to forward, or undefined to drop it. */
type ParamCheck = (value: string, name: string, limits: FeedLimits) => string | undefined;

const MAX_PARAM_LENGTH = 64 * 1024;

const bool: ParamCheck = (value, name) => {
  if (value === 'true' || value === 'false') return value;
  throw badRequest(`${name} must be true or false`);
};

const count: ParamCheck = (value, name) => {
  if (/^\d{1,12}$/.test(value)) return value;
  throw badRequest(`${name} must be a non-negative integer`);
};

const json: ParamCheck = (value, name) => {
  try {
    JSON.parse(value);
  } catch {
    throw badRequest(`${name} must be JSON`);
  }
  return value;
};

const stringArray: ParamCheck = (value, name) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw badRequest(`${name} must be a JSON array of strings`);
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw badRequest(`${name} must be a JSON array of strings`);
  }
  return value;
};

/** Ids of the caller's documents: never `_design/` or other system ids. */
const docIdArray: ParamCheck = (value, name, limits) => {
  stringArray(value, name, limits);
  const system = (JSON.parse(value) as string[]).find((id) => id.startsWith('_'));
  if (system !== undefined) throw refused(`${JSON.stringify(system)} is not reachable through the sync proxy`);
  return value;
};

/** Sequences are opaque; only their size is bounded. */
const sequence: ParamCheck = (value, name) => {
  if (value.length > 4096) throw badRequest(`${name} is too long`);
  return value;
};

const text: ParamCheck = (value) => value;

const oneOf =
  (...allowed: string[]): ParamCheck =>
  (value, name) => {
    if (allowed.includes(value)) return value;
    throw badRequest(`${name} must be one of ${allowed.join(', ')}`);
  };

const feed: ParamCheck = (value) => {
  if (value === 'normal' || value === 'longpoll') return value;
  if (value === 'continuous' || value === 'eventsource') {
    throw badRequest(`feed=${value} is not served by the sync proxy; use feed=longpoll`);
  }
  throw badRequest('feed must be normal or longpoll');
};

const onlyDocIdsFilter: ParamCheck = (value) => {
  if (value === '_doc_ids') return value;
  throw refused(`filter=${value} is not allowed through the sync proxy (only _doc_ids)`);
};

/** As CouchDB: heartbeat=true means the default interval; the interval is kept within the limits. */
const heartbeat: ParamCheck = (value, name, limits) => {
  if (value === 'false') return undefined;
  if (value === 'true') return String(limits.maxWaitMs);
  count(value, name, limits);
  return String(Math.min(Math.max(Number(value), limits.minHeartbeatMs), limits.maxWaitMs));
};

const timeout: ParamCheck = (value, name, limits) => {
  count(value, name, limits);
  return String(Math.min(Number(value), limits.maxWaitMs));
};

const CHANGES: Record<string, ParamCheck> = {
  feed,
  since: sequence,
  limit: count,
  include_docs: bool,
  style: oneOf('all_docs', 'main_only'),
  heartbeat,
  timeout,
  seq_interval: count,
  descending: bool,
  conflicts: bool,
  filter: onlyDocIdsFilter,
  doc_ids: docIdArray,
};

const ALL_DOCS: Record<string, ParamCheck> = {
  keys: docIdArray,
  key: json,
  startkey: json,
  start_key: json,
  endkey: json,
  end_key: json,
  startkey_docid: text,
  start_key_doc_id: text,
  endkey_docid: text,
  end_key_doc_id: text,
  include_docs: bool,
  conflicts: bool,
  descending: bool,
  inclusive_end: bool,
  limit: count,
  skip: count,
  update_seq: bool,
};

const DOC_READ: Record<string, ParamCheck> = {
  rev: text,
  revs: bool,
  revs_info: bool,
  open_revs: (value, name, limits) => (value === 'all' ? value : stringArray(value, name, limits)),
  latest: bool,
  conflicts: bool,
  deleted_conflicts: bool,
  // Documents never carry attachments here (writes refuse them), so asking for them is harmless.
  attachments: bool,
};

/** Per endpoint, the methods served and the query parameters each accepts. */
const RULES: Record<Endpoint['kind'], Partial<Record<ProxyMethod, Record<string, ParamCheck>>>> = {
  info: { GET: {} },
  local: { GET: { rev: text }, PUT: { rev: text }, DELETE: { rev: text } },
  changes: { GET: CHANGES, POST: CHANGES },
  revs_diff: { POST: {} },
  bulk_get: { POST: { revs: bool, latest: bool, attachments: bool } },
  all_docs: { GET: ALL_DOCS, POST: ALL_DOCS },
  bulk_docs: { POST: {} },
  doc: { GET: DOC_READ, PUT: { rev: text, new_edits: bool } },
};

export function allowedMethods(kind: Endpoint['kind']): ProxyMethod[] {
  return Object.keys(RULES[kind]) as ProxyMethod[];
}

export function isServedMethod(kind: Endpoint['kind'], method: string): method is ProxyMethod {
  return Object.hasOwn(RULES[kind], method);
}

/**
 * Checks the query string of a request against the endpoint's allow-list and
 * returns the normalised query to forward (caps applied). Unknown or repeated
 * parameters are refused rather than dropped, so a client learns what it did wrong.
 */
export function checkQuery(kind: Endpoint['kind'], method: ProxyMethod, rawQuery: string, limits: FeedLimits): URLSearchParams {
  const rules = RULES[kind][method] ?? {};
  if (rawQuery.length > MAX_PARAM_LENGTH) throw badRequest('the query string is too long');
  const given = new URLSearchParams(rawQuery);
  const forwarded = new URLSearchParams();
  for (const name of new Set(given.keys())) {
    const values = given.getAll(name);
    if (!Object.hasOwn(rules, name)) {
      throw badRequest(`query parameter ${JSON.stringify(name)} is not allowed here`);
    }
    if (values.length > 1) throw badRequest(`query parameter ${name} is given more than once`);
    const check = rules[name];
    const value = check?.(values[0] ?? '', name, limits);
    if (value !== undefined) forwarded.set(name, value);
  }
  return forwarded;
}

/**
 * How long an upstream `_changes` request may stay silent: a longpoll waits
 * up to its timeout, or sends a newline every heartbeat interval.
 */
export function feedSilenceMs(query: URLSearchParams, limits: FeedLimits): number | undefined {
  if (query.get('feed') !== 'longpoll') return undefined;
  const heartbeatMs = query.get('heartbeat');
  if (heartbeatMs !== null) return Number(heartbeatMs);
  const timeoutMs = query.get('timeout');
  return timeoutMs !== null ? Number(timeoutMs) : limits.maxWaitMs;
}
