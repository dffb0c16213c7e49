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

/** A session write judged on everything but its size, with what would be forwarded. */
export type SessionJudgement = { ok: true; doc: Record<string, unknown>; tombstone: boolean } | { ok: false; reason: string };

/**
 * Decides whether a device may write `doc` into its sessions database: a
 * session id, no design document, no attachments, within the size limit, and
 * either a tombstone (`_deleted: true`, not schema-checked, as a delete must
 * reach the store whatever the body) or a valid session. A tombstone is
 * forwarded with its metadata only: a device's deleted document may still
 * hold its last body, which the store does not need to keep.
 */
export function checkSessionWrite(doc: unknown, maxDocBytes: number): WriteVerdict {
  const problem = structureProblem(doc);
  if (problem !== undefined) return { ok: false, reason: problem };
  // Measured before the session checks, so an oversized document costs no more than its serialising.
  const bytes = Buffer.from(JSON.stringify(doc), 'utf8');
  if (bytes.length > maxDocBytes) return { ok: false, reason: oversize(bytes.length, maxDocBytes) };
  const judged = contentVerdict(doc as Record<string, unknown>);
  if (!judged.ok) return judged;
  return { ok: true, doc: judged.doc, bytes: judged.tombstone ? Buffer.from(JSON.stringify(judged.doc), 'utf8') : bytes };
}

/**
 * `checkSessionWrite` without the size limit and without serialising: for a
 * caller that knows the document's JSON is within the limit (it is part of a
 * body no larger than the limit, sent on as it came).
 */
export function judgeSessionWrite(doc: unknown): SessionJudgement {
  const problem = structureProblem(doc);
  return problem === undefined ? contentVerdict(doc as Record<string, unknown>) : { ok: false, reason: problem };
}

/** What makes `doc` no session write at all, whatever its content: not an object, a system or foreign id, attachments, nesting. */
function structureProblem(doc: unknown): string | undefined {
  if (!isPlainObject(doc)) return 'a document must be a JSON object';
  const id = doc['_id'];
  if (typeof id === 'string' && id.startsWith('_design/')) return 'design documents cannot be written through the sync proxy';
  if (!isSessionId(id)) return `_id must be a session id (ses_ followed by 26 characters), got ${describe(id)}`;
  if ('_attachments' in doc) return 'attachments are not accepted';
  return nestingProblem(doc, 'the document');
}

/** A tombstone's metadata, or a valid session as it is. */
function contentVerdict(doc: Record<string, unknown>): SessionJudgement {
  if (doc['_deleted'] === true) return tombstone(doc);
  // The sensor block is checked whole (base64, frame, CRC, counts) but never expanded here: the
  // worker decodes it, so a small document declaring millions of samples costs the gateway nothing.
  const checked = validateSession(doc, { sensors: 'integrity' });
  if (checked.ok) return { ok: true, doc, tombstone: false };
  const shown = checked.errors.slice(0, MAX_REASONS).map((e) => `${e.path} ${e.message}`);
  const hidden = checked.errors.length - shown.length;
  return { ok: false, reason: `not a valid session: ${shown.join('; ')}${hidden > 0 ? `; and ${hidden} more` : ''}` };
}

/** A judged document as the UTF-8 JSON to forward, unless that is over the size limit. */
export function serialisedWithin(doc: Record<string, unknown>, maxDocBytes: number): WriteVerdict {
  const bytes = Buffer.from(JSON.stringify(doc), 'utf8');
  if (bytes.length > maxDocBytes) return { ok: false, reason: oversize(bytes.length, maxDocBytes) };
  return { ok: true, doc, bytes };
}

const oversize = (size: number, maxDocBytes: number): string => `the document is ${size} bytes, more than the limit of ${maxDocBytes}`;

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
  if (size > maxDocBytes) return { ok: false, reason: oversize(size, maxDocBytes) };
  return { ok: true };
}

function tombstone(doc: Record<string, unknown>): SessionJudgement {
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
  return { ok: true, doc: kept, tombstone: true };
}

function describe(value: unknown): string {
  if (typeof value !== 'string') return value === undefined ? 'none' : typeof value;
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}
