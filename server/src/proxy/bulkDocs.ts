import type { ErrorCode } from '@m2m/contract';
import { badRequest, tooMany } from './couchError.js';
import { checkSessionWrite, judgeSessionWrite, serialisedWithin, type WriteVerdict } from './documentGate.js';
import { DocsOnDemand } from './docsOnDemand.js';
import { jsonSizeBound } from './jsonSizeBound.js';
import { loopTurns } from './loopTurns.js';

/** Most documents one `_bulk_docs` may carry; replication pushes batches of about 100. */
export const MAX_DOCS_PER_BULK = 1000;

/** One row of a `_bulk_docs` answer, as CouchDB writes it. */
export interface BulkDocsRow {
  id?: unknown;
  rev?: unknown;
  ok?: unknown;
  error?: unknown;
  reason?: unknown;
  /** The gateway's code on a document it refused (`RefusedDocumentRow`); the store's rows have none. */
  code?: ErrorCode;
}

/**
 * What to send to the store, and the refusals to answer without asking it.
 * It holds no parsed document: each is let go once judged, so a batch's
 * documents are not kept (and copied by the garbage collector) while the
 * store works.
 */
export interface BulkDocsPlan {
  /**
   * The body for the store, `{"docs": [...], "new_edits": ...}` with only the
   * documents that passed, as UTF-8 JSON: the client's own bytes when every
   * document passed as it came, else put together from each forwarded
   * document's bytes, encoded once when it was measured.
   */
  upstreamBytes: Buffer;
  /** For each forwarded document, its index in the client's batch. */
  forwardedIndices: number[];
  /** For each forwarded document, its `_id` ('' when none). */
  forwardedIds: string[];
  refused: Array<{ index: number; row: BulkDocsRow }>;
  newEdits: boolean;
}

const COMMA = Buffer.from(',');

const idOf = (doc: unknown): string => {
  const id = typeof doc === 'object' && doc !== null ? (doc as { _id?: unknown })._id : undefined;
  return typeof id === 'string' ? id : '';
};

/** What a user may still store, and the reason a document over it is refused with. */
export interface StorageLeft {
  bytesLeft: number;
  refusal: string;
}

const UNLIMITED: StorageLeft = { bytesLeft: Number.POSITIVE_INFINITY, refusal: '' };

/**
 * One document's verdict, without the document: `bytes` is its JSON to
 * forward when it was serialised (a tombstone, one measured exactly, or any
 * document of a body not sent as it came); without `bytes` it passed as it
 * came and is within the size limit.
 */
type Judged = { ok: true; id: string; deleted: boolean; bytes?: Buffer } | { ok: false; id: string; reason: string };

const judged = (id: string, verdict: WriteVerdict): Judged =>
  verdict.ok ? { ok: true, id, deleted: verdict.doc['_deleted'] === true, bytes: verdict.bytes } : { ok: false, id, reason: verdict.reason };

/** A document of a body sent on as it came: checked without serialising unless its size bound is near the limit. */
function judgeAsSent(doc: unknown, maxDocBytes: number): Judged {
  const id = idOf(doc);
  const verdict = judgeSessionWrite(doc);
  if (!verdict.ok) return { ok: false, id, reason: verdict.reason };
  // A tombstone goes on with its metadata only; near the limit, the exact size decides.
  if (verdict.tombstone || jsonSizeBound(verdict.doc, maxDocBytes) > maxDocBytes) return judged(id, serialisedWithin(verdict.doc, maxDocBytes));
  return { ok: true, id, deleted: false };
}

/**
 * Splits a `_bulk_docs` body into documents to store and per-document
 * refusals, each document judged on its own, giving the event loop a turn
 * between documents whenever the checks have run a slice. `docs` may be a
 * DocsOnDemand: each document is then parsed when its turn comes and let go
 * once judged.
 *
 * `utf8`, the body's bytes as the client sent them (well-formed UTF-8), lets
 * a batch whose every document passes unchanged go to the store as it came:
 * no document is serialised again, and a document's size is bounded without
 * serialising it (serialised only when the bound is over the limit). That is
 * sound because CouchDB reads JSON as JSON.parse does (a repeated key keeps
 * its last value; CouchDB decodes with jiffy's `dedupe_keys`), so the store
 * stores what was checked, and measures what it stores as we do.
 */
export async function planBulkDocs(body: unknown, maxDocBytes: number, storage: StorageLeft = UNLIMITED, utf8?: Buffer): Promise<BulkDocsPlan> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body must be {"docs": [...]}');
  const { docs, new_edits: newEdits, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) throw badRequest(`${JSON.stringify(extra[0])} is not allowed in a _bulk_docs body`);
  if (!Array.isArray(docs) && !(docs instanceof DocsOnDemand)) throw badRequest('docs must be an array');
  if (docs.length > MAX_DOCS_PER_BULK) throw tooMany(`docs holds ${docs.length} documents, more than the ${MAX_DOCS_PER_BULK} one request may`);
  if (newEdits !== undefined && typeof newEdits !== 'boolean') throw badRequest('new_edits must be true or false');
  const docAt = (index: number): unknown => (docs instanceof DocsOnDemand ? docs.at(index) : (docs as unknown[])[index]);

  const plan: BulkDocsPlan = { upstreamBytes: Buffer.alloc(0), forwardedIndices: [], forwardedIds: [], refused: [], newEdits: newEdits !== false };
  const turn = loopTurns();
  const asSent = utf8 !== undefined && utf8.length <= storage.bytesLeft;
  const verdicts: Judged[] = [];
  for (let index = 0; index < docs.length; index++) {
    const doc = docAt(index);
    verdicts.push(asSent ? judgeAsSent(doc, maxDocBytes) : judged(idOf(doc), checkSessionWrite(doc, maxDocBytes)));
    await turn();
  }
  if (asSent && verdicts.every((v) => v.ok && !v.deleted && v.bytes === undefined)) {
    // The whole body is charged to the quota: a little more than its documents, never less.
    storage.bytesLeft -= utf8.length;
    plan.forwardedIndices = verdicts.map((_, index) => index);
    plan.forwardedIds = verdicts.map((v) => v.id);
    plan.upstreamBytes = utf8;
    return plan;
  }

  const parts: Buffer[] = [Buffer.from('{"docs":[')];
  for (const [index, judgement] of verdicts.entries()) {
    let verdict = judgement;
    // A document that passed as it came is serialised now that the body is put together (parsed again: it was let go).
    if (verdict.ok && verdict.bytes === undefined) verdict = judged(verdict.id, serialisedWithin(docAt(index) as Record<string, unknown>, maxDocBytes));
    let code: ErrorCode = 'document_invalid';
    if (verdict.ok && !verdict.deleted && verdict.bytes !== undefined) {
      // Deletions always pass: they are how a user over the quota makes room.
      if (verdict.bytes.length > storage.bytesLeft) {
        verdict = { ok: false, id: verdict.id, reason: storage.refusal };
        code = 'quota_stored_bytes';
      } else storage.bytesLeft -= verdict.bytes.length;
    }
    if (verdict.ok && verdict.bytes !== undefined) {
      if (parts.length > 1) parts.push(COMMA);
      parts.push(verdict.bytes);
      plan.forwardedIndices.push(index);
      plan.forwardedIds.push(verdict.id);
    } else if (!verdict.ok) {
      plan.refused.push({ index, row: { id: verdict.id, error: 'forbidden', reason: verdict.reason, code } });
    }
    await turn();
  }
  parts.push(Buffer.from(`]${newEdits === undefined ? '' : `,"new_edits":${String(newEdits)}`}}`));
  plan.upstreamBytes = joinBytes(parts);
  return plan;
}

/** The parts one after another in one buffer (a single copy of each). */
function joinBytes(parts: Buffer[]): Buffer {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const part of parts) at += part.copy(out, at);
  return out;
}

/**
 * Puts the store's rows and the refusals together in the client's order. With
 * `new_edits: true` the store answers one row per document, in order; with
 * `new_edits: false` it lists only failures, matched back by id.
 */
export function mergeBulkDocsRows(plan: BulkDocsPlan, upstreamRows: BulkDocsRow[]): BulkDocsRow[] {
  const placed: Array<{ index: number; row: BulkDocsRow }> = [...plan.refused];
  if (plan.newEdits && upstreamRows.length === plan.forwardedIndices.length) {
    upstreamRows.forEach((row, i) => placed.push({ index: plan.forwardedIndices[i] ?? Number.MAX_SAFE_INTEGER, row }));
  } else {
    const unmatched = new Map<string, number[]>();
    plan.forwardedIndices.forEach((index, i) => {
      const id = plan.forwardedIds[i] ?? '';
      unmatched.set(id, [...(unmatched.get(id) ?? []), index]);
    });
    for (const row of upstreamRows) {
      const index = typeof row.id === 'string' ? unmatched.get(row.id)?.shift() : undefined;
      placed.push({ index: index ?? Number.MAX_SAFE_INTEGER, row });
    }
  }
  // A stable sort keeps unmatched rows in the store's order, after the rest.
  return placed.sort((a, b) => a.index - b.index).map(({ row }) => row);
}
