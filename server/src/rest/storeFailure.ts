import { CouchError } from '../proxy/couchError.js';
import { isStoreUnavailable, storeErrorKind, storeStatus } from '@m2m/couch';

/**
 * Turns a failed store call into the answer for the client: the store's own
 * 4xx verdicts pass on; a store that is down, silent or failing (no answer
 * in time, 5xx) is a 503 to retry later, as on the gateway's other routes;
 * anything else is the gateway's 502.
 */
export function storeFailure(err: unknown): CouchError {
  if (err instanceof CouchError) return err;
  const status = storeStatus(err);
  if (status !== undefined && status >= 400 && status < 500 && status !== 401) {
    const reason = (err as { reason?: unknown }).reason;
    return new CouchError('store_refused', typeof reason === 'string' ? reason : 'the store refused the request', { status, error: storeErrorKind(err) ?? 'error' });
  }
  if (isStoreUnavailable(err)) return new CouchError('store_unavailable', 'the store is unavailable; retry later', { headers: { 'Retry-After': '5' } });
  return new CouchError('store_failed', 'the store did not answer as expected');
}
