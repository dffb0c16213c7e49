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

/** The GatewayError for a non-2xx answer, with the gateway's own `{error, reason}` when it sent one. */
export async function gatewayError(response: Response): Promise<GatewayError> {
  let code = 'http_error';
  let reason = response.statusText || `status ${response.status}`;
  try {
    const body = (await response.json()) as { error?: unknown; reason?: unknown };
    if (typeof body.error === 'string') code = body.error;
    if (typeof body.reason === 'string') reason = body.reason;
  } catch {
    // Not JSON (a proxy's HTML page): the status says enough.
  }
  return new GatewayError(response.status, code, reason);
}
