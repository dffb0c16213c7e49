import { isAscii, isUtf8 } from 'node:buffer';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { badRequest, CouchError } from './couchError.js';
import { toCouchError } from './jsonBody.js';
import { parseDocsArray, scanDocsArray } from './docsArrayParse.js';

/** A JSON body, parsed, with the bytes it was parsed from when they can be sent on as they are. */
export interface JsonBody {
  value: unknown;
  /** The body as the client sent it (inflated), set only when it is well-formed UTF-8 without a byte order mark. */
  utf8?: Buffer;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/**
 * Reads a JSON body of any content type (inflating gzip and deflate, within
 * `limitBytes`) and parses it once, keeping its bytes: a `_bulk_docs` whose
 * every document passes is forwarded as the client sent it, which spares
 * serialising it again. Answers as body-parser's strict JSON reader did: an
 * empty body is `{}`, a top level other than an object or an array is bad
 * JSON, and only UTF-8 is read.
 */
export function jsonBytesReader(limitBytes: number): (req: Request, res: Response, options?: ParseOptions) => Promise<JsonBody> {
  const read: RequestHandler = express.raw({ limit: limitBytes, type: () => true });
  return (req, res, options) =>
    new Promise((resolve, reject) => {
      const charset = CHARSET.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        reject(new CouchError('body_unsupported', 'the request body must be JSON in UTF-8'));
        return;
      }
      void read(req, res, (err?: unknown) => {
        if (err !== undefined && err !== null) return reject(toCouchError(err));
        const body: unknown = (req as { body?: unknown }).body;
        // A request without a body (no Content-Length, no chunks) has none to parse.
        if (!Buffer.isBuffer(body)) return resolve({ value: undefined });
        try {
          resolve(parseJsonBytes(body, options));
        } catch (parseErr) {
          reject(parseErr instanceof CouchError ? parseErr : toCouchError(parseErr));
        }
      });
    });
}

export interface ParseOptions {
  /**
   * A batch `{"docs": [...]}` comes back with its documents as a DocsOnDemand,
   * each parsed when asked for (a document that does not parse is then the
   * same 400 as a body that does not), for a reader that checks a document
   * and lets it go (`_bulk_docs`).
   */
  docsOnDemand?: boolean;
}

/** Parses a body's bytes as an object or array; `{}` when empty. */
export function parseJsonBytes(bytes: Buffer, options: ParseOptions = {}): JsonBody {
  if (bytes.length === 0) return { value: {} };
  const bom = bytes.subarray(0, 3).equals(UTF8_BOM);
  const text = bom ? bytes.subarray(3) : bytes;
  // Replication bodies are ASCII (sensor blocks are base64): read as Latin-1 that is a plain copy.
  const view = new Uint8Array(text.buffer, text.byteOffset, text.length);
  const ascii = isAscii(view);
  const wellFormed = ascii || isUtf8(view);
  // A batch of documents (`_bulk_docs`, `_bulk_get`) is parsed a document at a time, without a string of the whole body.
  const docs = ascii && !bom ? (options.docsOnDemand ? scanDocsArray(bytes) : parseDocsArray(bytes)) : undefined;
  if (docs !== undefined) return { value: docs, utf8: bytes };
  let value: unknown;
  try {
    // A body that is not well-formed UTF-8 is read as body-parser did (with replacement characters), never sent on as it came.
    value = JSON.parse(text.toString(ascii ? 'latin1' : 'utf8'));
  } catch {
    throw badRequest('the request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null) throw badRequest('the request body is not valid JSON: it must be an object or an array');
  return wellFormed && !bom ? { value, utf8: bytes } : { value };
}
