import type { ProgressPageAnswer } from '@m2m/contract';
import { badRequest } from '../proxy/couchError.js';
import { allDocs, findDoc, type StoreClient } from '@m2m/couch';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

const ANALYSIS_PREFIX = 'analysis:';
/** Sorts after every analysis id (CouchDB collates ids as Unicode strings). */
const ANALYSIS_RANGE_END = `${ANALYSIS_PREFIX}\ufff0`;

export interface PageRequest {
  limit: number;
  /** The first analysis id of the page, decoded from a cursor. */
  startId: string | undefined;
}

/** Reads `limit` and `cursor` from a query; refuses anything else. */
export function parsePageRequest(query: Record<string, unknown>): PageRequest {
  for (const key of Object.keys(query)) {
    if (key !== 'limit' && key !== 'cursor') throw badRequest(`query parameter ${JSON.stringify(key)} is not allowed here`);
  }
  const { limit, cursor } = query;
  let size = DEFAULT_PAGE_SIZE;
  if (limit !== undefined) {
    if (typeof limit !== 'string' || !/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE_SIZE) {
      throw badRequest(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
    }
    size = Number(limit);
  }
  if (cursor === undefined) return { limit: size, startId: undefined };
  if (typeof cursor !== 'string') throw badRequest('cursor must be given once');
  return { limit: size, startId: decodeCursor(cursor) };
}

export function encodeCursor(analysisId: string): string {
  return Buffer.from(analysisId, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const id = /^[A-Za-z0-9_-]{1,400}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!id.startsWith(ANALYSIS_PREFIX) || encodeCursor(id) !== cursor) throw badRequest('cursor is not one this server handed out');
  return id;
}

/** Stored documents go out in the device form: `id`, no revision. */
function toDeviceForm(doc: Record<string, unknown>): Record<string, unknown> {
  const { _id, ...rest } = doc;
  delete rest['_rev'];
  return { id: _id, ...rest };
}

/** The user's progress document and one page of analyses, latest first (analysis ids embed the session id, which sorts by start time). */
export async function readProgressPage(store: StoreClient, db: string, page: PageRequest): Promise<ProgressPageAnswer> {
  const [progress, listing] = await Promise.all([
    findDoc<Record<string, unknown>>(store, db, 'progress').then((doc) => doc ?? null),
    allDocs<Record<string, unknown>>(store, db, {
      startkey: page.startId ?? ANALYSIS_RANGE_END,
      endkey: ANALYSIS_PREFIX,
      descending: true,
      include_docs: true,
      limit: page.limit + 1,
    }),
  ]);
  const rows = listing.rows.filter((row) => row.doc);
  const next = rows.length > page.limit ? rows[page.limit] : undefined;
  return {
    progress: progress ? toDeviceForm(progress) : null,
    analyses: rows.slice(0, page.limit).map((row) => toDeviceForm(row.doc as Record<string, unknown>)),
    nextCursor: next ? encodeCursor(next.id) : null,
  };
}
