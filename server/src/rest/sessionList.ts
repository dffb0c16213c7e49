import type { AnalysisDoc } from '@m2m/analysis-core';
import type { ListPageAnswer } from '@m2m/contract';
import { allDocs, type AllDocsRow, type StoreClient } from '@m2m/couch';
import { hasFilters, listCursor, matchesStartAndGame, parseListQuery, type ListQuery } from './listQuery.js';
import { FILTERED_SCAN_ROWS, PENDING_SESSION_READS } from './scanBudget.js';

/** analysed: the worker's analysis of this revision is `ok`; invalid: it is `invalid`; pending: none yet for this revision. */
export const SESSION_STATUSES = ['analysed', 'pending', 'invalid'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

const PREFIX = 'ses_';
const RANGE_END = `${PREFIX}\ufff0`;
const cursor = listCursor('s', /^ses_[0-9A-HJKMNP-TV-Z]{26}$/);

export const parseSessionQuery = (query: Record<string, unknown>): ListQuery<SessionStatus> =>
  parseListQuery(query, { statuses: SESSION_STATUSES, cursor });

type Doc = Record<string, unknown>;
type StoredAnalysis = Partial<AnalysisDoc> & { _id: string };

interface Candidate {
  id: string;
  status: SessionStatus;
  /** Whether the analysis's session summary already decided the date and game filters. */
  decided: boolean;
}

/** A session in device form without its sensor block (and without `_rev`), with its status. */
function listedSession(doc: Doc, status: SessionStatus): Doc {
  const { _id, _rev, sensors, ...rest } = doc;
  void _rev;
  void sensors;
  return { id: _id, ...rest, status };
}

function statusOf(rev: string | undefined, analysis: StoredAnalysis | null | undefined): SessionStatus {
  if (!analysis || analysis.sessionRev !== rev) return 'pending';
  return analysis.status === 'ok' ? 'analysed' : 'invalid';
}

/**
 * One page of the user's sessions, latest first, without sensor blocks.
 * Reads per page: the sessions database's `_all_docs` without documents
 * (`limit + 1` rows, at most `FILTERED_SCAN_ROWS + 1` with filters), the
 * progress database's analyses of those rows (`_all_docs` by keys), and the
 * session documents of the page: its items plus, with a date or game
 * filter, at most `PENDING_SESSION_READS` sessions whose analysis has no
 * summary of this revision (pending ones) that then fail the filter.
 */
export async function readSessionPage(
  store: StoreClient,
  dbs: { sessions: string; progress: string },
  query: ListQuery<SessionStatus>,
): Promise<ListPageAnswer> {
  const scan = hasFilters(query) ? Math.max(FILTERED_SCAN_ROWS, query.limit) : query.limit;
  const listing = await allDocs<never>(store, dbs.sessions, { startkey: query.startId ?? RANGE_END, endkey: PREFIX, descending: true, limit: scan + 1 });
  const scanned = listing.rows.slice(0, scan);
  const analyses = scanned.length === 0
    ? []
    : (await allDocs<StoredAnalysis>(store, dbs.progress, { keys: scanned.map((row) => `analysis:${row.id}`), include_docs: true })).rows;

  const items: Doc[] = [];
  let read = 0;
  let batch: Candidate[] = [];
  // Session documents are fetched in batches of what the page still needs, so a page reads few beyond its items.
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const { rows } = await allDocs<Doc>(store, dbs.sessions, { keys: batch.map((c) => c.id), include_docs: true });
    rows.forEach((row: AllDocsRow<Doc>, i) => {
      const candidate = batch[i]!;
      const doc = row.doc;
      if (!doc || items.length === query.limit) return;
      if (candidate.decided || matchesStartAndGame(query, doc['startedAt'], doc['gameId'])) items.push(listedSession(doc, candidate.status));
    });
    batch = [];
  };

  const filtersOnDocument = query.fromMs !== undefined || query.toMs !== undefined || query.game !== undefined;
  let judged = 0;
  for (let i = 0; i < scanned.length; i++) {
    if (items.length + batch.length === query.limit) await flush();
    if (items.length === query.limit) break;
    const row = scanned[i]!;
    read = i + 1;
    const analysis = analyses[i]?.doc;
    const status = statusOf(row.value?.rev, analysis);
    if (query.status !== undefined && status !== query.status) continue;
    const summary = status === 'pending' ? null : analysis?.session;
    if (summary) {
      if (matchesStartAndGame(query, summary.startedAt, summary.gameId)) batch.push({ id: row.id, status, decided: true });
    } else if (!filtersOnDocument) {
      batch.push({ id: row.id, status, decided: true });
    } else {
      // Judged by its own document: bounded, or a page of pending sessions could read FILTERED_SCAN_ROWS whole sessions.
      if (judged === PENDING_SESSION_READS) {
        read = i;
        break;
      }
      judged += 1;
      batch.push({ id: row.id, status, decided: false });
    }
  }
  await flush();
  const nextRow = listing.rows[read];
  return { items, next: nextRow ? cursor.encode(nextRow.id) : null };
}
