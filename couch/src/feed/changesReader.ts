import { changes } from '../endpoints.js';
import type { StoreClient } from '../storeClient.js';
import { sinceParam, type Seq } from './seq.js';

export interface Change {
  /** Null on the rows CouchDB skips with `seq_interval`. */
  seq: Seq | null;
  id: string;
  changes: Array<{ rev: string }>;
  deleted?: boolean;
  doc?: Record<string, unknown> | null;
}

export interface ChangesBatch {
  results: Change[];
  lastSeq: Seq;
  /** Changes after this batch as the store reports them (an estimate on both stores); undefined when not told. */
  pending: number | undefined;
}

/**
 * One page of a database's changes after `since` (feed=normal: answers at
 * once). The winning revision only; with `includeDocs`, each change carries
 * its document (a deletion, CouchDB's `{_id, _rev, _deleted}`).
 */
export async function readChanges(
  store: StoreClient,
  db: string,
  since: Seq | undefined,
  options: { limit: number; includeDocs: boolean; signal?: AbortSignal },
): Promise<ChangesBatch> {
  const answer = await changes<{ results?: Change[]; last_seq?: Seq; pending?: number }>(
    store,
    db,
    { since: sinceParam(since), limit: options.limit, include_docs: options.includeDocs, style: 'main_only' },
    { retry: true, ...(options.signal ? { signal: options.signal } : {}) },
  );
  const results = Array.isArray(answer.results) ? answer.results : [];
  const lastSeq = answer.last_seq ?? results[results.length - 1]?.seq ?? since ?? 0;
  return { results, lastSeq, pending: typeof answer.pending === 'number' ? answer.pending : undefined };
}
