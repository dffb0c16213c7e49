import Nano, { type RequestOptions, type ServerScope } from 'nano';
import {
  attemptBudgetMs,
  EndpointHealth,
  neverDelivered,
  splitStoreUrls,
  type StoreEndpoint,
} from './storeEndpoints.js';
import { storeStatus } from './storeErrors.js';

/** The gateway's admin connection to CouchDB (or the embedded store), through one or several URLs. */
export interface StoreConnection {
  /** Base URLs without credentials and without a trailing slash, comma-separated when several. */
  url: string;
  /** `Basic …` header value of the first URL, for direct HTTP calls. */
  authorization: string;
  /** Every URL, in the configured order, and which of them answer: shared by every client of the store. */
  health: EndpointHealth<StoreEndpoint>;
  /** Default timeout of one store call, in milliseconds. */
  timeoutMs: number;
  /** Aborted when the connection closes: hand it to long requests (feeds) too. */
  closed: AbortSignal;
  /** A signal that fires after `timeoutMs` (or the given time) or when the connection closes. */
  signal(timeoutMs?: number): AbortSignal;
  /**
   * nano.request with the connection's timeout (and an optional caller
   * signal), failing over to the next URL when one does not answer: a
   * request that never reached a node (connection refused) goes to the next
   * whatever its method; a read that got no answer does too, each attempt
   * getting a share of the timeout so the whole call ends within it. A write
   * without an answer is not sent again (it may have been applied).
   */
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

/** How long the probe of a node that was down may take. */
const PROBE_TIMEOUT_MS = 2_000;

export interface StoreConnectionOptions {
  timeoutMs?: number;
  /** A URL stopped or started answering (its base URL only: never the credentials). */
  onEndpointChange?(url: string, up: boolean): void;
  /** How long a URL that failed is set aside before it is probed again. */
  endpointCooldownMs?: number;
}

/** `urlsWithCredentials`: one URL, or several separated by commas (nodes or load balancers of one cluster). */
export function createStoreConnection(urlsWithCredentials: string, options: StoreConnectionOptions = {}): StoreConnection {
  const endpoints = splitStoreUrls(urlsWithCredentials).map((url) => parseStoreUrl(url));
  const first = endpoints[0];
  if (!first) throw new Error('the store URL must not be empty');
  // nano reads credentials from the header we give it, never from a URL that could end up in a log.
  const nanos = new Map<StoreEndpoint, ServerScope>(
    endpoints.map((endpoint) => [endpoint, Nano({ url: endpoint.url, headers: { Authorization: endpoint.authorization } })]),
  );
  const lifetime = new AbortController();
  const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  const health = new EndpointHealth(endpoints, {
    ...(options.endpointCooldownMs === undefined ? {} : { cooldownMs: options.endpointCooldownMs }),
    probe: async (endpoint) => {
      const res = await fetch(`${endpoint.url}/_up`, {
        headers: { authorization: endpoint.authorization, accept: 'application/json' },
        signal: AbortSignal.any([lifetime.signal, AbortSignal.timeout(Math.min(timeoutMs, PROBE_TIMEOUT_MS))]),
      });
      await res.body?.cancel();
      return res.status === 200;
    },
    ...(options.onEndpointChange ? { onChange: (endpoint: StoreEndpoint, up: boolean) => options.onEndpointChange?.(endpoint.url, up) } : {}),
  });

  const signal = (ms = timeoutMs, extra?: AbortSignal): AbortSignal => {
    const signals = [lifetime.signal, AbortSignal.timeout(ms)];
    if (extra) signals.push(extra);
    return AbortSignal.any(signals);
  };

  async function request<T>(requestOptions: StoreRequestOptions): Promise<T> {
    const { timeoutMs: explicitMs, signal: callerSignal, ...rest } = requestOptions;
    const deadline = Date.now() + (explicitMs ?? timeoutMs);
    const method = (rest.method ?? 'GET').toUpperCase();
    const idempotent = method === 'GET' || method === 'HEAD';
    // A call that sets its own time (a wait on purpose) keeps all of it on each node.
    const sharesTime = idempotent && explicitMs === undefined;
    const candidates = health.candidates();
    let failure: unknown = new Error('The operation was aborted due to timeout');
    for (const [index, endpoint] of candidates.entries()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const budget = attemptBudgetMs(remaining, health.sharersFrom(candidates, index), sharesTime);
      const nano = nanos.get(endpoint) as ServerScope;
      const attemptSignal = signal(budget, callerSignal);
      try {
        // nano passes `signal` on to fetch although its RequestOptions type does not list it.
        const result = (await nano.request({ ...rest, signal: attemptSignal } as RequestOptions)) as T;
        // nano resolves '' when the signal cuts a 2xx answer's body short: that is no answer (worded as nano's, see storeErrors).
        if (attemptSignal.aborted) {
          throw new Error(`error happened in your connection. Reason: ${String(attemptSignal.reason)}`, { cause: attemptSignal.reason });
        }
        health.markUp(endpoint);
        return result;
      } catch (err) {
        if (storeStatus(err) !== undefined) {
          health.markUp(endpoint); // it answered
          throw err;
        }
        if (lifetime.signal.aborted || callerSignal?.aborted) throw err;
        failure = err;
        health.markDown(endpoint);
        if (!idempotent && !neverDelivered(err)) throw err;
      }
    }
    throw failure;
  }

  return {
    url: endpoints.map((endpoint) => endpoint.url).join(','),
    authorization: first.authorization,
    health,
    timeoutMs,
    closed: lifetime.signal,
    signal: (ms) => signal(ms),
    request,
    close() {
      lifetime.abort(new Error('store connection closed'));
      return Promise.resolve();
    },
  };
}
