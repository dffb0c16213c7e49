import { badRequest } from '../proxy/couchError.js';

export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 100;

/** What `GET /api/sessions` and `GET /api/analyses` take: filters, page size and where the page starts. */
export interface ListQuery<Status extends string> {
  /** Inclusive bounds on `startedAt`, ms since the epoch (`to` of a bare date: the end of that day). */
  fromMs: number | undefined;
  toMs: number | undefined;
  game: string | undefined;
  status: Status | undefined;
  limit: number;
  /** The first document id of the page (descending order), from the cursor. */
  startId: string | undefined;
}

const PARAMETERS = ['from', 'to', 'game', 'status', 'limit', 'cursor'];
const DATE = /^(\d{4}-\d{2}-\d{2})$/;
/** A moment: UTC (`Z`) or with an offset; seconds and milliseconds optional. */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:\d{2})$/;
const GAME_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const DAY_MS = 86_400_000;

/** A calendar date that exists (Date.parse rolls 2026-02-30 over to March). */
function dayStart(date: string): number {
  const ms = Date.parse(`${date}T00:00:00.000Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === date ? ms : NaN;
}

function parseBound(name: 'from' | 'to', value: string): number {
  const date = DATE.exec(value);
  if (date) {
    const start = dayStart(date[1]!);
    if (!Number.isNaN(start)) return name === 'to' ? start + DAY_MS - 1 : start;
  }
  const moment = TIMESTAMP.exec(value);
  if (moment && !Number.isNaN(dayStart(moment[1]!)) && Number(moment[2]) < 24 && Number(moment[3]) < 60 && Number(moment[4] ?? 0) < 60) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw badRequest(`${name} must be a date (2026-11-24) or a moment in ISO 8601 (2026-11-24T10:00:00Z), got ${JSON.stringify(value.slice(0, 40))}`);
}

/** The one value of a parameter, refusing a repeated one (`?a=1&a=2`) or a nested one (`?a[b]=1`). */
function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badRequest(`${name} must be given once, as plain text`);
  return value;
}

/**
 * Reads the query of a list endpoint; every parameter that is unknown,
 * repeated or malformed is a 400 `invalid_request` naming it.
 */
export function parseListQuery<Status extends string>(
  query: Record<string, unknown>,
  rules: { statuses: readonly Status[]; cursor: { decode: (cursor: string) => string | undefined } },
): ListQuery<Status> {
  for (const key of Object.keys(query)) {
    if (!PARAMETERS.includes(key)) throw badRequest(`query parameter ${JSON.stringify(key.slice(0, 40))} is not allowed here (allowed: ${PARAMETERS.join(', ')})`);
  }
  const from = single(query, 'from');
  const to = single(query, 'to');
  const game = single(query, 'game');
  const status = single(query, 'status');
  const limit = single(query, 'limit');
  const cursor = single(query, 'cursor');

  const fromMs = from === undefined ? undefined : parseBound('from', from);
  const toMs = to === undefined ? undefined : parseBound('to', to);
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw badRequest('from must not be later than to');
  if (game !== undefined && !GAME_ID.test(game)) throw badRequest('game must be a game id: 1–64 of a-z, 0-9, _ and -, starting with a letter or digit');
  if (status !== undefined && !(rules.statuses as readonly string[]).includes(status)) {
    throw badRequest(`status must be one of ${rules.statuses.join(', ')}`);
  }
  let size = DEFAULT_LIST_LIMIT;
  if (limit !== undefined) {
    if (!/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIST_LIMIT) throw badRequest(`limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
    size = Number(limit);
  }
  let startId: string | undefined;
  if (cursor !== undefined) {
    startId = rules.cursor.decode(cursor);
    if (startId === undefined) throw badRequest('cursor is not one this endpoint handed out');
  }
  return { fromMs, toMs, game, status: status as Status | undefined, limit: size, startId };
}

/** True when the query filters on anything but the page position. */
export const hasFilters = (query: ListQuery<string>): boolean =>
  query.fromMs !== undefined || query.toMs !== undefined || query.game !== undefined || query.status !== undefined;

/** Whether a start time (ISO text) and game pass the query's date and game filters; an unknown one passes no such filter. */
export function matchesStartAndGame(query: ListQuery<string>, startedAt: unknown, gameId: unknown): boolean {
  if (query.game !== undefined && gameId !== query.game) return false;
  if (query.fromMs === undefined && query.toMs === undefined) return true;
  const ms = typeof startedAt === 'string' ? Date.parse(startedAt) : NaN;
  if (Number.isNaN(ms)) return false;
  return (query.fromMs === undefined || ms >= query.fromMs) && (query.toMs === undefined || ms <= query.toMs);
}

/**
 * Cursors: the page's first document id behind a tag of the endpoint, in
 * base64url. Opaque to clients; decoded strictly, so a cursor of another
 * endpoint or a made-up id is refused.
 */
export function listCursor(tag: string, idPattern: RegExp): { encode: (id: string) => string; decode: (cursor: string) => string | undefined } {
  const encode = (id: string): string => Buffer.from(`${tag}:${id}`, 'utf8').toString('base64url');
  return {
    encode,
    decode: (cursor) => {
      if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined;
      const text = Buffer.from(cursor, 'base64url').toString('utf8');
      if (!text.startsWith(`${tag}:`)) return undefined;
      const id = text.slice(tag.length + 1);
      return idPattern.test(id) && encode(id) === cursor ? id : undefined;
    },
  };
}
