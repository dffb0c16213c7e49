import express, { type Request, type RequestHandler, type Response } from 'express';
import { describeBodyError } from '../http/bodyErrors.js';
import { CouchError } from './couchError.js';

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
  const problem = describeBodyError(err);
  if (problem) return new CouchError(problem.code, problem.reason, { status: problem.status });
  return new CouchError('internal_error', 'the request body could not be read');
}
