import type { Response } from 'express';
import { HttpError, sendError } from '../http/errors.js';

/** A refusal or failure sent as CouchDB's `{error, reason}` body, with its code and the request id. */
export { HttpError as CouchError };

export const badRequest = (reason: string): HttpError => new HttpError('invalid_request', reason);
/** The request reaches for something devices may not (a server endpoint, a design document, a filter…). */
export const refused = (reason: string): HttpError => new HttpError('request_refused', reason);
/** CouchDB's answer when a request names more than its configured maximum (e.g. `max_bulk_get_count`). */
export const tooMany = (reason: string): HttpError => new HttpError('too_many_entries', reason);
export const notFound = (reason: string): HttpError => new HttpError('route_not_found', reason);

export function methodNotAllowed(allowed: readonly string[]): HttpError {
  return new HttpError('method_not_allowed', `Only ${allowed.join(',')} allowed`, { headers: { Allow: allowed.join(', ') } });
}

export function sendCouchError(res: Response, err: HttpError): void {
  sendError(res, err);
}
