import type { AnalysisDoc } from '@m2m/analysis-core';
import type { ListPageAnswer } from '@m2m/contract';
import { allDocs, type StoreClient } from '@m2m/couch';
import { hasFilters, listCursor, matchesStartAndGame, parseListQuery, type ListQuery } from './listQuery.js';
import { FILTERED_SCAN_ROWS } from './scanBudget.js';

export const ANALYSIS_STATUSES = ['ok', 'invalid'] as const;
export type AnalysisStatus = (typeof ANALYSIS_STATUSES)[number];

const PREFIX = 'analysis:';
/** Sorts after every analysis id (CouchDB collates ids as Unicode strings). */
const RANGE_END = `${PREFIX}\ufff0`;
const cursor = listCursor('a', /^analysis:ses_[0-9A-HJKMNP-TV-Z]{26}$/);

export const parseAnalysisQuery = (query: Record<string, unknown>): ListQuery<AnalysisStatus> =>
  parseListQuery(query, { statuses: ANALYSIS_STATUSES, cursor });

type StoredAnalysis = Partial<AnalysisDoc> & { _id: string; _rev?: string };

function matches(query: ListQuery<AnalysisStatus>, doc: StoredAnalysis): boolean {
  if (query.status !== undefined && doc.status !== query.status) return false;
  return matchesStartAndGame(query, doc.session?.startedAt, doc.session?.gameId);
}

/** Device form: `id`, no revision. */
function toDeviceForm(doc: StoredAnalysis): Record<string, unknown> {
  const { _id, _rev, ...rest } = doc;
  void _rev;
  return { id: _id, ...rest };
}

/**
 * One page of the user's analyses, latest session first: one `_all_docs`
 * read of the progress database with the documents, `limit + 1` rows
 * without filters, at most `FILTERED_SCAN_ROWS + 1` with them.
 */
export async function readAnalysisPage(store: StoreClient, db: string, query: ListQuery<AnalysisStatus>): Promise<ListPageAnswer> {
  const scan = hasFilters(query) ? Math.max(FILTERED_SCAN_ROWS, query.limit) : query.limit;
  const { rows } = await allDocs<StoredAnalysis>(store, db, {
    startkey: query.startId ?? RANGE_END,
    endkey: PREFIX,
    descending: true,
    include_docs: true,
    limit: scan + 1,
  });
  const items: Array<Record<string, unknown>> = [];
  let read = 0;
  for (const row of rows.slice(0, scan)) {
    if (items.length === query.limit) break;
    read += 1;
    if (row.doc && matches(query, row.doc)) items.push(toDeviceForm(row.doc));
  }
  const nextRow = rows[read];
  return { items, next: nextRow ? cursor.encode(nextRow.id) : null };
}
