import Nano, { type RequestOptions, type ServerScope } from 'nano';
import { DEFAULT_BACKOFF, withRetry, type BackoffPolicy } from './backoff.js';
import { attemptBudgetMs, EndpointHealth, neverDelivered, splitStoreUrls, type StoreEndpoint } from './storeEndpoints.js';
import { isTransient, StoreError } from './storeErrors.js';
import { parseStoreUrl } from './storeUrl.js';

export type QueryValue = string | number | boolean | string[] | null;

export interface StoreRequest {
  method?: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** Database name (encoded here). */
  db?: string;
  /** Path below the database (or the server), already URL-encoded where needed. */
  path?: string;
  /** Query; `startkey`, `endkey`, `key` and `keys` are JSON-encoded by nano. */
  qs?: Record<string, QueryValue>;
  body?: unknown;
  /** Overrides the client's timeout (feeds that wait on purpose pass their wait plus a margin). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export const DEFAULT_STORE_TIMEOUT_MS = 10_000;

export interface StoreClientOptions {
  /** Longest wait of one call (STORE_TIMEOUT_MS); defaults to DEFAULT_STORE_TIMEOUT_MS. */
  timeoutMs?: number;
  backoff?: BackoffPolicy;
  /** Called before each retry of a transient failure. */
  onRetry?(err: StoreError, attempt: number, delayMs: number): void;
  /** A store URL stopped or started answering (its base URL only, never the credentials). */
  onEndpointChange?(url: string, up: boolean): void;
  /** How long a URL that failed is set aside before it is probed again. */
  endpointCooldownMs?: number;
}

/** How long the probe of a node that was down may take. */
const PROBE_TIMEOUT_MS = 2_000;


/**
 * The admin connection to the store of the gateway and of the worker: every
 * call goes through `request` (one funnel, as nano's own `relax()`), so the
 * timeout, the failover, the credentials and the error model live here once.
 * `request` is one call with a
 * timeout; `call` retries transient failures (no answer, timeout, 5xx, 429,
 * 401/403) with exponential backoff and jitter until it succeeds, fails for
 * good, or the client is closed.
 *
 * `COUCHDB_URL` may name several URLs of one cluster, separated by commas.
 * Within one `request`, a node that does not answer is left for the next: a
 * call that never reached it (connection refused) whatever its method, a read
 * also when it got no answer, each attempt then getting a share of the
 * timeout so the call still ends within it. A write without an answer is not
 * sent again here (it may have been applied): `call` retries it after its
 * backoff, on the nodes still answering.
 */
export class StoreClient {
  /** Base URLs without credentials, comma-separated when several. */
  readonly url: string;
  /** `Basic …` header value of the first URL, for the streaming transport; never logged. */
  readonly authorization: string;
  readonly timeoutMs: number;
  readonly health: EndpointHealth<StoreEndpoint>;
  private readonly nanos = new Map<StoreEndpoint, ServerScope>();
  private readonly lifetime = new AbortController();
  /**
   * One controller per request or call in progress, aborted by `close`.
   * Combining each request's signal with the long-lived `lifetime` through
   * AbortSignal.any would tie a composite to it on every request, which Node
   * 20 keeps until the composite's last listener goes (nodejs/node#55351): a
   * store client lives as long as its process, so nothing is tied to it.
   */
  private readonly inFlight = new Set<AbortController>();

  constructor(
    urlsWithCredentials: string,
    private readonly options: StoreClientOptions = {},
  ) {
    const endpoints = splitStoreUrls(urlsWithCredentials).map((url) => parseStoreUrl(url));
    if (endpoints.length === 0) throw new Error('the store URL must not be empty');
    this.url = endpoints.map((endpoint) => endpoint.url).join(',');
    this.authorization = (endpoints[0] as StoreEndpoint).authorization;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    // Credentials travel in the header, never in a URL that could reach a log.
    for (const endpoint of endpoints) this.nanos.set(endpoint, Nano({ url: endpoint.url, headers: { Authorization: endpoint.authorization } }));
    this.health = new EndpointHealth(endpoints, {
      ...(options.endpointCooldownMs === undefined ? {} : { cooldownMs: options.endpointCooldownMs }),
      probe: (endpoint) => this.probe(endpoint),
      ...(options.onEndpointChange ? { onChange: (endpoint: StoreEndpoint, up: boolean) => options.onEndpointChange?.(endpoint.url, up) } : {}),
    });
  }

  /** Aborted when the client closes; long waits (backoff, feeds) end with it. */
  get closed(): AbortSignal {
    return this.lifetime.signal;
  }

  async request<T>(req: StoreRequest): Promise<T> {
    const segments = [req.db === undefined ? undefined : encodeURIComponent(req.db), req.path].filter((s) => s !== undefined && s !== '');
    const method = req.method ?? 'GET';
    const target = `${method} /${segments.join('/')}`;
    if (this.lifetime.signal.aborted) throw new StoreError({ kind: 'aborted', target });
    const deadline = Date.now() + (req.timeoutMs ?? this.timeoutMs);
    // A call that sets its own time (a feed that waits on purpose) keeps all of it on each node.
    const idempotent = method === 'GET' || method === 'HEAD';
    const sharesTime = idempotent && req.timeoutMs === undefined;
    const candidates = this.health.candidates();
    // Made when a node fails (an error captures a stack trace: not on every request).
    let failure: StoreError | undefined;
    let resends = 0;
    const scope = this.scope(req.signal);
    try {
      for (let index = 0; index < candidates.length; index += 1) {
        const endpoint = candidates[index] as StoreEndpoint;
        const remaining = deadline - Date.now();
        if (remaining <= 0) break;
        try {
          const result = await this.attempt<T>(endpoint, req, scope.signal, target, attemptBudgetMs(remaining, this.health.sharersFrom(candidates, index), sharesTime));
          this.health.markUp(endpoint);
          return result;
        } catch (err) {
          if (!(err instanceof StoreError) || err.kind === 'aborted') throw err;
          if (err.kind === 'http') {
            this.health.markUp(endpoint); // it answered
            throw err;
          }
          // A kept-alive socket the store had closed fails the next request sent on it: a read is sent
          // again to the same node (the streaming transport's rule too). The pool may hold a few such
          // sockets, each discarded once it failed, so a read is resent up to MAX_RESENDS times.
          if (idempotent && resends < MAX_RESENDS && socketReset(err.cause)) {
            resends += 1;
            index -= 1;
            continue;
          }
          failure = err;
          this.health.markDown(endpoint);
          if (!idempotent && !neverDelivered(err.cause)) throw err;
        }
      }
    } finally {
      scope.end();
    }
    throw failure ?? new StoreError({ kind: 'timeout', target });
  }

  /** A signal for one request or call: the caller's, and aborted by `close`. */
  private scope(callerSignal: AbortSignal | undefined): { signal: AbortSignal; end(): void } {
    const own = new AbortController();
    if (this.lifetime.signal.aborted) own.abort(this.lifetime.signal.reason);
    else this.inFlight.add(own);
    return { signal: callerSignal ? AbortSignal.any([own.signal, callerSignal]) : own.signal, end: () => this.inFlight.delete(own) };
  }

  /** One request to one URL, its failure as a StoreError. */
  private async attempt<T>(endpoint: StoreEndpoint, req: StoreRequest, signal: AbortSignal, target: string, timeoutMs: number): Promise<T> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const options: RequestOptions & { signal: AbortSignal } = { method: req.method ?? 'GET', signal: AbortSignal.any([timeout, signal]) };
    if (req.db !== undefined) options.db = req.db;
    if (req.path !== undefined) options.path = req.path;
    if (req.qs !== undefined) options.qs = req.qs;
    if (req.body !== undefined) options.body = req.body;
    try {
      const result = (await (this.nanos.get(endpoint) as ServerScope).request(options)) as T;
      // nano resolves '' when the signal cuts a 2xx answer's body short: that is no answer.
      if (options.signal.aborted) throw options.signal.reason;
      // nano also resolves '' when it could not read a JSON body at all (a connection cut mid-body, a proxy's
      // empty answer): that is no answer either, and a caller taking it for one (a feed's poll) would stop.
      if (result === '' && options.method !== 'HEAD') throw new Error('the answer had no readable JSON body');
      return result;
    } catch (err) {
      if (signal.aborted) throw new StoreError({ kind: 'aborted', target }, { cause: err });
      if (timeout.aborted) {
        const detail = timeout.reason instanceof Error ? timeout.reason.message : undefined;
        throw new StoreError({ kind: 'timeout', target, ...(detail ? { detail } : {}) }, { cause: err });
      }
      const status = (err as { statusCode?: unknown }).statusCode;
      if (typeof status === 'number') {
        const { error, reason } = err as { error?: unknown; reason?: unknown };
        throw new StoreError(
          {
            kind: 'http',
            status,
            target,
            ...(typeof error === 'string' ? { error } : {}),
            ...(typeof reason === 'string' ? { reason } : {}),
          },
          { cause: err },
        );
      }
      // nano wraps network failures in a sentence of its own; the cause is what helps.
      const detail = (err instanceof Error ? err.message : String(err)).replace(/^error happened in your connection\. Reason: /, '');
      throw new StoreError({ kind: 'network', target, detail }, { cause: err });
    }
  }

  private async probe(endpoint: StoreEndpoint): Promise<boolean> {
    const scope = this.scope(AbortSignal.timeout(Math.min(this.timeoutMs, PROBE_TIMEOUT_MS)));
    try {
      const res = await fetch(`${endpoint.url}/_up`, { headers: { authorization: endpoint.authorization, accept: 'application/json' }, signal: scope.signal });
      await res.body?.cancel();
      return res.status === 200;
    } finally {
      scope.end();
    }
  }

  /** `request`, retried while the failure is transient. */
  call<T>(req: StoreRequest): Promise<T> {
    const scope = this.scope(req.signal);
    const { signal } = scope;
    return withRetry(() => this.request<T>({ ...req, signal }), {
      signal,
      shouldRetry: isTransient,
      onRetry: (err, attempt, delayMs) => this.options.onRetry?.(err as StoreError, attempt, delayMs),
      policy: this.options.backoff ?? DEFAULT_BACKOFF,
    }).catch((err: unknown) => {
      // An abort during a backoff wait surfaces as the signal's reason: make it a StoreError.
      if (err instanceof StoreError) throw err;
      if (signal.aborted) throw new StoreError({ kind: 'aborted', target: 'retry' }, { cause: err });
      throw err;
    }).finally(() => scope.end());
  }

  /** Cancels every request and wait in progress; later calls fail at once as aborted. */
  close(): void {
    const reason = new StoreError({ kind: 'aborted', target: 'client' });
    this.lifetime.abort(reason);
    for (const controller of this.inFlight) controller.abort(reason);
    this.inFlight.clear();
  }
}

/** Resends of one read after a reset connection (see `request`). */
const MAX_RESENDS = 3;

/** The error of a request sent on a connection the other side had reset or closed. */
function socketReset(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return true;
    if (e instanceof Error && /\b(ECONNRESET|EPIPE)\b|other side closed/.test(e.message)) return true;
  }
  return false;
}
