import type { Response } from 'express';
import { HttpError, sendError } from '../http/errors.js';

/** A refusal or failure sent as CouchDB's `{error, reason}` body (plus the request id). */
export { HttpError as CouchError };

export const badRequest = (reason: string): HttpError => new HttpError(400, 'bad_request', reason);
export const forbidden = (reason: string): HttpError => new HttpError(403, 'forbidden', reason);
/** CouchDB's answer when a request names more than its configured maximum (e.g. `max_bulk_get_count`). */
export const tooMany = (reason: string): HttpError => new HttpError(413, 'request_entity_too_large', reason);
export const notFound = (reason: string): HttpError => new HttpError(404, 'not_found', reason);

export function methodNotAllowed(allowed: readonly string[]): HttpError {
  return new HttpError(405, 'method_not_allowed', `Only ${allowed.join(',')} allowed`, { Allow: allowed.join(', ') });
}

export function sendCouchError(res: Response, err: HttpError): void {
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
  sendError(res, err.status, err.error, err.reason);
}
