import { GatewayError, NetworkError } from '../errors.js';

/** `fetch`, with a failure to reach the gateway turned into a NetworkError. */
export async function reach(fetchImpl: typeof fetch, url: string, init?: RequestInit): Promise<Response> {
  try {
    return init === undefined ? await fetchImpl(url) : await fetchImpl(url, init);
  } catch (err) {
    if (err instanceof Error && err.name === 'AbortError') throw err;
    if (err instanceof Error && err.name === 'TimeoutError') throw new NetworkError('no answer in time');
    throw new NetworkError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * The GatewayError for a non-2xx answer: the gateway's stable `code` when it
 * sent one, else CouchDB's `error` (a store answer the proxy streamed as it
 * was), else `http_error`; `reason` is for people only.
 */
export async function gatewayError(response: Response): Promise<GatewayError> {
  let code: string | undefined;
  let error = 'http_error';
  let reason = response.statusText || `status ${response.status}`;
  try {
    const body = (await response.json()) as { error?: unknown; reason?: unknown; code?: unknown };
    if (typeof body.code === 'string') code = body.code;
    if (typeof body.error === 'string') error = body.error;
    if (typeof body.reason === 'string') reason = body.reason;
  } catch {
    // Not JSON (a proxy's HTML page): the status says enough.
  }
  return new GatewayError(response.status, code ?? error, reason, error);
}
