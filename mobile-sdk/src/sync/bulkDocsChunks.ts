export interface BulkDocsRow {
  id?: unknown;
  rev?: unknown;
  ok?: unknown;
  error?: unknown;
  reason?: unknown;
}

/**
 * Bytes of one `_bulk_docs` request. The gateway's body limit is 8 MiB by
 * default and a session may be up to 4 MiB; 1 MiB keeps well inside any
 * sensible limit and a document larger than that goes alone.
 */
export const MAX_CHUNK_BYTES = 1024 * 1024;

export interface BulkDocsChunk {
  body: string;
  ids: string[];
}

/** Splits a `_bulk_docs` body into requests of at most `maxBytes` (a larger document alone), in order. */
export function splitBulkDocs(body: string, maxBytes: number = MAX_CHUNK_BYTES): BulkDocsChunk[] {
  const { docs, ...rest } = JSON.parse(body) as { docs: Array<Record<string, unknown>> };
  const encoder = new TextEncoder();
  const chunks: BulkDocsChunk[] = [];
  let current: Array<Record<string, unknown>> = [];
  let size = 0;
  const flush = () => {
    if (current.length > 0) chunks.push({ body: JSON.stringify({ ...rest, docs: current }), ids: current.map((d) => String(d['_id'])) });
    current = [];
    size = 0;
  };
  for (const doc of docs) {
    // Bytes, not UTF-16 units: a body limit counts bytes.
    const bytes = encoder.encode(JSON.stringify(doc)).length + 1;
    if (size + bytes > maxBytes) flush();
    current.push(doc);
    size += bytes;
  }
  flush();
  return chunks;
}

/** A chunk of two or more documents as two chunks of about half as many. */
export function halve(chunk: BulkDocsChunk): [BulkDocsChunk, BulkDocsChunk] {
  const { docs, ...rest } = JSON.parse(chunk.body) as { docs: Array<Record<string, unknown>> };
  const middle = Math.ceil(docs.length / 2);
  const part = (list: Array<Record<string, unknown>>): BulkDocsChunk => ({ body: JSON.stringify({ ...rest, docs: list }), ids: list.map((d) => String(d['_id'])) });
  return [part(docs.slice(0, middle)), part(docs.slice(middle))];
}
