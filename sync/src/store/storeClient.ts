import Nano, { type RequestOptions, type ServerScope } from 'nano';
import { DEFAULT_BACKOFF, withRetry, type BackoffPolicy } from './backoff.js';
import { isTransient, StoreError } from './storeErrors.js';

export type QueryValue = string | number | boolean | string[] | null;

export interface StoreRequest {
  method?: 'GET' | 'PUT' | 'POST' | 'DELETE';
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

export interface StoreClientOptions {
  timeoutMs: number;
  backoff?: BackoffPolicy;
  /** Called before each retry of a transient failure. */
  onRetry?(err: StoreError, attempt: number, delayMs: number): void;
}

/** Splits a URL with credentials into base URL and Basic header. */
export function parseStoreUrl(urlWithCredentials: string): { url: string; authorization: string } {
  const parsed = new URL(urlWithCredentials);
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = '';
  parsed.password = '';
  return {
    url: parsed.toString().replace(/\/+$/, ''),
    authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
  };
}

/** A document id as one URL path segment. */
export const docPath = (id: string): string => encodeURIComponent(id);

/**
 * The worker's admin connection to the store. `request` is one attempt with a
 * timeout; `call` retries transient failures (no answer, timeout, 5xx, 429,
 * 401/403) with exponential backoff and jitter until it succeeds, fails for
 * good, or the client is closed.
 */
export class StoreClient {
  readonly url: string;
  readonly timeoutMs: number;
  private readonly nano: ServerScope;
  private readonly lifetime = new AbortController();

  constructor(
    urlWithCredentials: string,
    private readonly options: StoreClientOptions,
  ) {
    const { url, authorization } = parseStoreUrl(urlWithCredentials);
    this.url = url;
    this.timeoutMs = options.timeoutMs;
    // Credentials travel in the header, never in a URL that could reach a log.
    this.nano = Nano({ url, headers: { Authorization: authorization } });
  }

  /** Aborted when the client closes; long waits (backoff, feeds) end with it. */
  get closed(): AbortSignal {
    return this.lifetime.signal;
  }

  async request<T>(req: StoreRequest): Promise<T> {
    const segments = [req.db === undefined ? undefined : encodeURIComponent(req.db), req.path].filter((s) => s !== undefined && s !== '');
    const target = `${req.method ?? 'GET'} /${segments.join('/')}`;
    if (this.lifetime.signal.aborted) throw new StoreError({ kind: 'aborted', target });
    const timeout = AbortSignal.timeout(req.timeoutMs ?? this.timeoutMs);
    const signals = [timeout, this.lifetime.signal];
    if (req.signal) signals.push(req.signal);
    const options: RequestOptions & { signal: AbortSignal } = { method: req.method ?? 'GET', signal: AbortSignal.any(signals) };
    if (req.db !== undefined) options.db = req.db;
    if (req.path !== undefined) options.path = req.path;
    if (req.qs !== undefined) options.qs = req.qs;
    if (req.body !== undefined) options.body = req.body;
    try {
      return (await this.nano.request(options)) as T;
    } catch (err) {
      if (this.lifetime.signal.aborted || req.signal?.aborted) throw new StoreError({ kind: 'aborted', target }, { cause: err });
      if (timeout.aborted) throw new StoreError({ kind: 'timeout', target }, { cause: err });
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

  /** `request`, retried while the failure is transient. */
  call<T>(req: StoreRequest): Promise<T> {
    const signal = req.signal ? AbortSignal.any([req.signal, this.lifetime.signal]) : this.lifetime.signal;
    return withRetry(() => this.request<T>(req), {
      signal,
      shouldRetry: isTransient,
      onRetry: (err, attempt, delayMs) => this.options.onRetry?.(err as StoreError, attempt, delayMs),
      policy: this.options.backoff ?? DEFAULT_BACKOFF,
    }).catch((err: unknown) => {
      // An abort during a backoff wait surfaces as the signal's reason: make it a StoreError.
      if (err instanceof StoreError) throw err;
      if (signal.aborted) throw new StoreError({ kind: 'aborted', target: 'retry' }, { cause: err });
      throw err;
    });
  }

  /** Cancels every request and wait in progress; later calls fail at once as aborted. */
  close(): void {
    this.lifetime.abort(new StoreError({ kind: 'aborted', target: 'client' }));
  }
}
