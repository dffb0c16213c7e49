import { CouchError } from '../proxy/couchError.js';
import { storeErrorKind, storeStatus } from '../storeAccess/storeErrors.js';

/**
 * Turns a failed store call into the answer for the client: the store's own
 * 4xx verdicts pass on, anything else (no answer, 5xx) is the gateway's 502.
 */
export function storeFailure(err: unknown): CouchError {
  if (err instanceof CouchError) return err;
  const status = storeStatus(err);
  if (status !== undefined && status >= 400 && status < 500 && status !== 401) {
    const reason = (err as { reason?: unknown }).reason;
    return new CouchError('store_refused', typeof reason === 'string' ? reason : 'the store refused the request', { status, error: storeErrorKind(err) ?? 'error' });
  }
  return new CouchError('store_failed', 'the store did not answer as expected');
}
