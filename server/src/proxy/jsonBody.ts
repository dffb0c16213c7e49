import express, { type Request, type RequestHandler, type Response } from 'express';
import { badRequest, CouchError } from './couchError.js';

/**
 * A JSON body parser for any content type (a body the proxy forwards is
 * always re-serialised from what it parsed and checked, never passed raw).
 * A body an earlier parser already read is left as it is.
 */
export function jsonBodyReader(limitBytes: number): (req: Request, res: Response) => Promise<unknown> {
  const parse: RequestHandler = express.json({ limit: limitBytes, type: () => true, strict: true });
  return (req, res) =>
    new Promise((resolve, reject) => {
      void parse(req, res, (err?: unknown) => {
        if (err === undefined || err === null) resolve((req as { body?: unknown }).body);
        else reject(toCouchError(err));
      });
    });
}

/** Maps body-parser's failures to CouchDB's answers. */
export function toCouchError(err: unknown): CouchError {
  if (err instanceof CouchError) return err;
  const type = (err as { type?: unknown }).type;
  if (type === 'entity.parse.failed') return badRequest('the request body is not valid JSON');
  if (type === 'entity.too.large') return new CouchError(413, 'too_large', 'the request body is larger than the gateway accepts');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new CouchError(415, 'bad_content_type', 'the request body must be JSON in UTF-8');
  }
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) return new CouchError(status, 'bad_request', 'the request body could not be read');
  return new CouchError(500, 'internal_server_error', 'the request body could not be read');
}
