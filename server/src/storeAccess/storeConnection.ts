import Nano, { type RequestOptions, type ServerScope } from 'nano';

/** The gateway's admin connection to CouchDB (or the embedded store). */
export interface StoreConnection {
  /** Base URL without credentials and without a trailing slash. */
  url: string;
  /** `Basic …` header value for direct HTTP calls. */
  authorization: string;
  /**
   * nano bound to the store. nano's helpers (db.get, db.insert, …) take no
   * abort signal: call through `request` (or pass `signal()` to nano.request)
   * so that every call has a timeout.
   */
  nano: ServerScope;
  /** Default timeout of one store call, in milliseconds. */
  timeoutMs: number;
  /** Aborted when the connection closes: hand it to long requests (feeds) too. */
  closed: AbortSignal;
  /** A signal that fires after `timeoutMs` (or the given time) or when the connection closes. */
  signal(timeoutMs?: number): AbortSignal;
  /** nano.request with the connection's timeout (and an optional caller signal). */
  request<T = unknown>(options: StoreRequestOptions): Promise<T>;
  /** Aborts requests still running; later calls fail at once. */
  close(): Promise<void>;
}

export interface StoreRequestOptions extends RequestOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Splits a URL with credentials into base URL and Basic header; throws without credentials. */
export function parseStoreUrl(urlWithCredentials: string): { url: string; authorization: string } {
  const parsed = new URL(urlWithCredentials);
  if (!parsed.username || !parsed.password) throw new Error('the store URL must carry admin credentials');
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return {
    url: parsed.toString().replace(/\/+$/, ''),
    authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
  };
}

/** Builds a store URL with credentials from a base URL and an admin. */
export function storeUrlWithCredentials(baseUrl: string, admin: { username: string; password: string }): string {
  const parsed = new URL(baseUrl);
  parsed.username = encodeURIComponent(admin.username);
  parsed.password = encodeURIComponent(admin.password);
  return parsed.toString().replace(/\/+$/, '');
}

export const DEFAULT_STORE_TIMEOUT_MS = 10_000;

export function createStoreConnection(
  urlWithCredentials: string,
  options: { timeoutMs?: number } = {},
): StoreConnection {
  const { url, authorization } = parseStoreUrl(urlWithCredentials);
  // nano reads credentials from the header we give it, never from a URL that could end up in a log.
  const nano = Nano({ url, headers: { Authorization: authorization } });
  const lifetime = new AbortController();
  const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;

  const signal = (ms = timeoutMs, extra?: AbortSignal): AbortSignal => {
    const signals = [lifetime.signal, AbortSignal.timeout(ms)];
    if (extra) signals.push(extra);
    return AbortSignal.any(signals);
  };

  return {
    url,
    authorization,
    nano,
    timeoutMs,
    closed: lifetime.signal,
    signal: (ms) => signal(ms),
    request<T>(requestOptions: StoreRequestOptions): Promise<T> {
      const { timeoutMs: ms, signal: callerSignal, ...rest } = requestOptions;
      // nano passes `signal` on to fetch although its RequestOptions type does not list it.
      const withSignal = { ...rest, signal: signal(ms, callerSignal) } as RequestOptions;
      return nano.request(withSignal) as Promise<T>;
    },
    close() {
      lifetime.abort(new Error('store connection closed'));
      return Promise.resolve();
    },
  };
}
