import { badRequest, CouchError, refused } from '../proxy/couchError.js';
import { checkSessionWrite } from '../proxy/documentGate.js';
import { canonicalJson } from '@m2m/analysis-core';
import { findDoc, isStoreStatus, putDoc, type StoreClient } from '@m2m/couch';

export interface UploadResult {
  /** 201 when this call stored the session, 200 when the same session was there already. */
  status: 200 | 201;
  id: string;
  rev: string;
}

type Doc = Record<string, unknown>;

/** Revision bookkeeping a client may send along; an upload is about content, not history. */
const REVISION_FIELDS = ['_rev', '_revisions'];

/** The session as stored: CouchDB form (`_id`), no revision fields. */
function toStoredForm(body: unknown): Doc {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body must be one session as a JSON object');
  const given = body as Doc;
  if ('id' in given && '_id' in given && given['id'] !== given['_id']) throw badRequest('id and _id differ');
  if (given['_deleted'] !== undefined) throw refused('a session cannot be deleted through this endpoint');
  const stored: Doc = { _id: given['_id'] ?? given['id'] };
  for (const [key, value] of Object.entries(given)) {
    if (key !== 'id' && key !== '_id' && !REVISION_FIELDS.includes(key)) stored[key] = value;
  }
  return stored;
}

const contentOf = (doc: Doc): string => {
  const content: Doc = { ...doc };
  for (const key of ['_id', ...REVISION_FIELDS]) delete content[key];
  return canonicalJson(content);
};

/**
 * Stores one session, idempotently by id: the same session sent again (after
 * a lost answer, say) is answered with the stored revision; a different
 * session under an existing id is a conflict.
 */
export async function uploadSession(
  store: StoreClient,
  db: string,
  body: unknown,
  maxDocBytes: number,
  /** Throws when `bytes` more would take the user over a quota (called once the session is valid). */
  checkQuota: (bytes: number) => Promise<void> = async () => {},
): Promise<UploadResult> {
  const doc = toStoredForm(body);
  const verdict = checkSessionWrite(doc, maxDocBytes);
  if (!verdict.ok) throw new CouchError('document_invalid', verdict.reason);
  await checkQuota(verdict.bytes.length);
  const id = doc['_id'] as string;

  const existing = await readSession(store, db, id);
  if (existing === undefined) {
    try {
      const created = await putDoc(store, db, { ...doc, _id: id });
      return { status: 201, id, rev: created.rev };
    } catch (err) {
      // Another upload of this id won the race: compare with what it stored.
      if (!isStoreStatus(err, 409)) throw err;
    }
  }
  const stored = existing ?? (await readSession(store, db, id));
  if (stored === undefined) throw new CouchError('session_conflict', 'the session changed while it was being stored; send it again');
  if (contentOf(stored) !== contentOf(doc)) {
    throw new CouchError('session_conflict', `a different session with id ${id} is stored already`);
  }
  return { status: 200, id, rev: stored['_rev'] as string };
}

function readSession(store: StoreClient, db: string, id: string): Promise<Doc | undefined> {
  return findDoc<Doc>(store, db, id);
}
