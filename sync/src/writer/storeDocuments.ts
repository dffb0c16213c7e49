import type { StoredDoc } from './documentForms.js';
import { allDocs, bulkDocs, findDoc, type StoreClient } from '@m2m/couch';

/** The current revision of each key: its document, a tombstone's revision, or nothing. */
export interface CurrentDoc {
  doc: StoredDoc | undefined;
  /** Revision of a deleted document (its tombstone), when there is one. */
  deletedRev: string | undefined;
}

/** Reads several documents at once (POST _all_docs with keys). */
export async function readDocuments(store: StoreClient, db: string, ids: string[]): Promise<Map<string, CurrentDoc>> {
  const found = new Map<string, CurrentDoc>();
  if (ids.length === 0) return found;
  const answer = await allDocs<StoredDoc>(store, db, { include_docs: true, keys: ids }, { retry: true });
  for (const row of answer.rows) {
    const deleted = row.value?.deleted === true;
    found.set(row.key, { doc: !deleted && row.doc ? row.doc : undefined, deletedRev: deleted ? row.value?.rev : undefined });
  }
  return found;
}

/** One document, undefined when missing or deleted. */
export function readDocument(store: StoreClient, db: string, id: string): Promise<StoredDoc | undefined> {
  return findDoc<StoredDoc>(store, db, id, { retry: true });
}

const RANGE_PAGE = 1000;

/** Every live document whose id starts with `idPrefix`, page by page. */
export async function readRange(store: StoreClient, db: string, idPrefix: string): Promise<StoredDoc[]> {
  const docs: StoredDoc[] = [];
  let startkey = idPrefix;
  let skip = 0;
  for (;;) {
    const page = await allDocs<StoredDoc>(
      store,
      db,
      { startkey, endkey: `${idPrefix}\ufff0`, include_docs: true, limit: RANGE_PAGE, ...(skip ? { skip } : {}) },
      { retry: true },
    );
    for (const row of page.rows) if (row.doc) docs.push(row.doc);
    const last = page.rows[page.rows.length - 1];
    if (page.rows.length < RANGE_PAGE || !last) return docs;
    startkey = last.key;
    skip = 1;
  }
}

export type BulkResult = { id: string; rev: string; ok: true } | { id: string; error: string; reason?: string };

export function bulkWrite(store: StoreClient, db: string, docs: StoredDoc[]): Promise<BulkResult[]> {
  return bulkDocs(store, db, docs, { retry: true }) as Promise<BulkResult[]>;
}

/** Ids of every live document of a database except design documents, page by page. */
export async function readIds(store: StoreClient, db: string): Promise<string[]> {
  const ids: string[] = [];
  let startkey: string | undefined;
  for (;;) {
    const page = await allDocs(store, db, { limit: RANGE_PAGE, ...(startkey === undefined ? {} : { startkey, skip: 1 }) }, { retry: true });
    for (const row of page.rows) if (!row.id.startsWith('_design/')) ids.push(row.id);
    const last = page.rows[page.rows.length - 1];
    if (page.rows.length < RANGE_PAGE || !last) return ids;
    startkey = last.key;
  }
}
