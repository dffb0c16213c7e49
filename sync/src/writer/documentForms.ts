import { canonicalJson, type AnalysisDoc, type ProgressDoc } from '@m2m/analysis-core';

/** A document as CouchDB holds it. */
export type StoredDoc = Record<string, unknown> & { _id: string; _rev?: string };

/**
 * The CouchDB form of an analysis: analyzeSession's body with its `id` as
 * `_id` and no `id` field. RxDB's CouchDB replication maps `_id` back to the
 * collection's primary key `id` on the device.
 */
export function storedAnalysisBody(analysis: AnalysisDoc): StoredDoc {
  const { id, ...rest } = analysis;
  return { _id: id, ...rest };
}

/** The CouchDB form of the progress document (`_id: 'progress'`). */
export function storedProgressBody(progress: ProgressDoc): StoredDoc {
  const { id, ...rest } = progress;
  return { _id: id, ...rest };
}

/** The progress document to write over `current` (carrying its revision), or undefined when `current` already holds it. */
export function progressWrite(current: StoredDoc | undefined, progress: ProgressDoc): StoredDoc | undefined {
  const body = storedProgressBody(progress);
  if (current && sameContent(current, body)) return undefined;
  return current?._rev ? { ...body, _rev: current._rev } : body;
}

/** The device form of a stored document: `id` from `_id`, CouchDB's own `_` fields dropped. */
export function deviceForm(doc: StoredDoc): Record<string, unknown> {
  const out: Record<string, unknown> = { id: doc._id };
  for (const [key, value] of Object.entries(doc)) if (!key.startsWith('_')) out[key] = value;
  return out;
}

/** Whether a stored document already holds `body` (revision and other `_` metadata aside). */
export function sameContent(stored: StoredDoc, body: StoredDoc): boolean {
  const strip = (doc: StoredDoc): Record<string, unknown> => {
    const out: Record<string, unknown> = { _id: doc._id };
    for (const [key, value] of Object.entries(doc)) if (!key.startsWith('_')) out[key] = value;
    return out;
  };
  return canonicalJson(strip(stored)) === canonicalJson(strip(body));
}
