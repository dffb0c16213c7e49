import { badRequest } from './couchResponses.js';

export type FeedKind = 'normal' | 'longpoll' | 'continuous';

export type Since = number | 'now';

/** CouchDB's default and maximum wait (chttpd/changes_timeout). */
export const MAX_FEED_TIMEOUT_MS = 60_000;

export interface FeedParams {
  feed: FeedKind;
  since: Since;
  /** Undefined: no limit. CouchDB treats 0 as 1. */
  limit: number | undefined;
  descending: boolean;
  /** Interval of heartbeat newlines; undefined: none (then `timeoutMs` applies). */
  heartbeatMs: number | undefined;
  timeoutMs: number;
}

type Query = Record<string, unknown>;

function single(query: Query, key: string): string | undefined {
  const value = query[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`Query parameter '${key}' given more than once`);
  return value;
}

export function parseBoolean(query: Query, key: string): boolean {
  const value = single(query, key);
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw badRequest(`Invalid boolean parameter: ${key}=${value}`);
}

function nonNegativeInt(key: string, value: string): number {
  if (!/^\d+$/.test(value)) throw badRequest(`Invalid integer parameter: ${key}=${value}`);
  return Number(value);
}

/**
 * Sequences are opaque to clients; this store's are integers. Accepted forms:
 * 12, "12" (JSON-quoted), a CouchDB-style "12-g1AAA..." (its leading number),
 * and now.
 */
export function parseSince(value: string | undefined): Since {
  if (value === undefined || value === '') return 0;
  const unquoted = /^"(.*)"$/.exec(value)?.[1] ?? value;
  if (unquoted === 'now') return 'now';
  const match = /^(\d+)(?:-.*)?$/.exec(unquoted);
  if (!match?.[1]) throw badRequest("Malformed sequence supplied in 'since' parameter.");
  return Number(match[1]);
}

export function parseFeedParams(query: Query): FeedParams {
  const feed = single(query, 'feed') ?? 'normal';
  if (feed !== 'normal' && feed !== 'longpoll' && feed !== 'continuous') {
    throw badRequest('Supported `feed` types: normal, continuous, longpoll');
  }
  const limitText = single(query, 'limit');
  const limit = limitText === undefined ? undefined : Math.max(1, nonNegativeInt('limit', limitText));

  // As CouchDB: heartbeat overrides timeout and keeps the feed open; both are capped.
  const heartbeatText = single(query, 'heartbeat');
  let heartbeatMs: number | undefined;
  if (heartbeatText === 'true') heartbeatMs = MAX_FEED_TIMEOUT_MS;
  else if (heartbeatText !== undefined && heartbeatText !== 'false') {
    heartbeatMs = Math.min(Math.max(1, nonNegativeInt('heartbeat', heartbeatText)), MAX_FEED_TIMEOUT_MS);
  }
  const timeoutText = single(query, 'timeout');
  const timeoutMs =
    timeoutText === undefined
      ? MAX_FEED_TIMEOUT_MS
      : Math.min(nonNegativeInt('timeout', timeoutText), MAX_FEED_TIMEOUT_MS);

  return {
    feed,
    since: parseSince(single(query, 'since')),
    limit,
    descending: parseBoolean(query, 'descending'),
    heartbeatMs,
    timeoutMs,
  };
}
