import type { Response } from 'express';

/** CouchDB 3 answers every JSON body as application/json, whatever the Accept header says. */
export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'must-revalidate');
  res.end(JSON.stringify(body) + '\n');
}

/** CouchDB's error shape: {"error": <kind>, "reason": <text>}. */
export function sendCouchError(res: Response, status: number, error: string, reason: string): void {
  sendJson(res, status, { error, reason });
}

export class CouchHttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
  ) {
    super(`${error}: ${reason}`);
  }
}

export function badRequest(reason: string): CouchHttpError {
  return new CouchHttpError(400, 'bad_request', reason);
}
