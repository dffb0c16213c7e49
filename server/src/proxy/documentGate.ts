import { isSessionId, revisionsProblem, revProblem, validateSession } from '@m2m/analysis-core';
import { nestingProblem } from './jsonDepth.js';

export type DocumentVerdict = { ok: true } | { ok: false; reason: string };

/**
 * A write's verdict, with the document to forward when it is accepted and its
 * JSON as UTF-8 bytes (measured for the size limit, so it is serialised and
 * encoded once, and the bytes are what is sent on).
 */
export type WriteVerdict = { ok: true; doc: Record<string, unknown>; bytes: Buffer } | { ok: false; reason: string };

/** How many validation errors a refusal names before it says "and N more". */
const MAX_REASONS = 8;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A document's size as CouchDB sees it: the bytes of its JSON. */
export function jsonByteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/**
 * Decides whether a device may write `doc` into its sessions database: a
 * session id, no design document, no attachments, within the size limit, and
 * either a tombstone (`_deleted: true`, not schema-checked, as a delete must
 * reach the store whatever the body) or a valid session. A tombstone is
 * forwarded with its metadata only: a device's deleted document may still
 * hold its last body, which the store does not need to keep.
 */
export function checkSessionWrite(doc: unknown, maxDocBytes: number): WriteVerdict {
  if (!isPlainObject(doc)) return { ok: false, reason: 'a document must be a JSON object' };
  const id = doc['_id'];
  if (typeof id === 'string' && id.startsWith('_design/')) {
    return { ok: false, reason: 'design documents cannot be written through the sync proxy' };
  }
  if (!isSessionId(id)) {
    return { ok: false, reason: `_id must be a session id (ses_ followed by 26 characters), got ${describe(id)}` };
  }
  if ('_attachments' in doc) return { ok: false, reason: 'attachments are not accepted' };
  const tooDeep = nestingProblem(doc, 'the document');
  if (tooDeep !== undefined) return { ok: false, reason: tooDeep };
  const bytes = Buffer.from(JSON.stringify(doc), 'utf8');
  const size = bytes.length;
  if (size > maxDocBytes) return { ok: false, reason: `the document is ${size} bytes, more than the limit of ${maxDocBytes}` };
  if (doc['_deleted'] === true) return tombstone(doc);
  // The sensor block is checked whole (base64, frame, CRC, counts) but never expanded here: the
  // worker decodes it, so a small document declaring millions of samples costs the gateway nothing.
  const checked = validateSession(doc, { sensors: 'integrity' });
  if (checked.ok) return { ok: true, doc, bytes };
  const shown = checked.errors.slice(0, MAX_REASONS).map((e) => `${e.path} ${e.message}`);
  const hidden = checked.errors.length - shown.length;
  return { ok: false, reason: `not a valid session: ${shown.join('; ')}${hidden > 0 ? `; and ${hidden} more` : ''}` };
}

/** CouchDB fields a checkpoint may carry; attachments and the rest are refused. */
const LOCAL_METADATA = new Set(['_id', '_rev', '_deleted']);

/**
 * `_local` documents are replication checkpoints: any JSON object within the
 * size limit, without attachments or other CouchDB fields. The caller pins
 * `_id` to the path.
 */
export function checkLocalWrite(doc: unknown, maxDocBytes: number): DocumentVerdict {
  if (!isPlainObject(doc)) return { ok: false, reason: 'a local document must be a JSON object' };
  const field = Object.keys(doc).find((key) => key.startsWith('_') && !LOCAL_METADATA.has(key));
  if (field !== undefined) return { ok: false, reason: `${field} is not accepted in a local document` };
  const tooDeep = nestingProblem(doc, 'the local document');
  if (tooDeep !== undefined) return { ok: false, reason: tooDeep };
  const size = jsonByteLength(doc);
  if (size > maxDocBytes) return { ok: false, reason: `the document is ${size} bytes, more than the limit of ${maxDocBytes}` };
  return { ok: true };
}

function tombstone(doc: Record<string, unknown>): WriteVerdict {
  const kept: Record<string, unknown> = { _id: doc['_id'], _deleted: true };
  if ('_rev' in doc) {
    const problem = revProblem(doc['_rev']);
    if (problem) return { ok: false, reason: `_rev ${problem}` };
    kept['_rev'] = doc['_rev'];
  }
  if ('_revisions' in doc) {
    const problem = revisionsProblem(doc['_revisions'], doc['_rev']);
    if (problem) return { ok: false, reason: `_revisions ${problem}` };
    kept['_revisions'] = doc['_revisions'];
  }
  return { ok: true, doc: kept, bytes: Buffer.from(JSON.stringify(kept), 'utf8') };
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return value === undefined ? 'none' : typeof value;
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}
