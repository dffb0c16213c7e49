import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { attemptBudgetMs, EndpointHealth, neverDelivered, type StoreEndpoint } from './storeEndpoints.js';

/** Where the store is and how the gateway proves it is the admin. */
export interface StoreTarget {
  url: string;
  authorization: string;
  /** Fires when the gateway shuts its store connection: every request still running is aborted. */
  closed?: AbortSignal;
  /** Several URLs of the store and which answer (the StoreConnection's); without it, `url` alone. */
  health?: EndpointHealth<StoreEndpoint>;
  /** The store timeout: a request allowed no more silence than this shares it among the URLs. */
  timeoutMs?: number;
}

export interface StoreRequest {
  method: string;
  /** Path below the store's base URL, starting with `/`, every part already encoded. */
  path: string;
  query?: URLSearchParams;
  /** Serialised as JSON when present. */
  body?: unknown;
  /** The body already serialised as JSON, sent as it is (taken over `body`). */
  jsonText?: string;
  /** The body already serialised as UTF-8 JSON, sent as it is (taken over `jsonText` and `body`). */
  jsonBytes?: Buffer;
  /** Extra request headers (conditional GETs). Never the client's credentials. */
  headers?: Record<string, string>;
  /** The request fails when the store stays silent (no headers, no bytes) this long. */
  silenceMs: number;
  /** Aborts the request, e.g. when the client went away. */
  signal?: AbortSignal;
  /** Safe to send twice (reads); defaults to true for GET and HEAD only. */
  idempotent?: boolean;
}

/** The store could not be reached, answered garbage, or was silent too long. */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
    options?: { cause: unknown },
  ) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}

/**
 * HTTP to the store over kept-alive connections, as the admin. Responses are
 * handed back as streams so a `_changes` feed flows through unbuffered; a
 * silence timeout and an abort signal bound every request. With several
 * store URLs, a request that a node did not answer goes to the next (see
 * StoreConnection.request for which ones may).
 */
export class StoreClient {
  private readonly agents = new Map<string, http.Agent>();
  private readonly health: EndpointHealth<StoreEndpoint>;
  /** Requests not yet done, aborted when `target.closed` fires. */
  private readonly running = new Set<http.ClientRequest>();

  constructor(private readonly target: StoreTarget) {
    this.health =
      target.health ?? new EndpointHealth([{ url: target.url, authorization: target.authorization }], { probe: () => Promise.resolve(true) });
    target.closed?.addEventListener('abort', () => this.close(), { once: true });
  }

  async request(options: StoreRequest): Promise<IncomingMessage> {
    const idempotent = options.idempotent ?? (options.method === 'GET' || options.method === 'HEAD');
    // A feed may be silent longer on purpose: it keeps its whole time on each node.
    const sharesTime = idempotent && (this.target.timeoutMs === undefined || options.silenceMs <= this.target.timeoutMs);
    const deadline = Date.now() + options.silenceMs;
    const candidates = this.health.candidates();
    let failure: UpstreamError | undefined;
    for (const [index, endpoint] of candidates.entries()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const answerWithinMs = attemptBudgetMs(remaining, this.health.sharersFrom(candidates, index), sharesTime);
      try {
        const res = await this.requestOn(endpoint, options, idempotent, Math.min(answerWithinMs, options.silenceMs));
        this.health.markUp(endpoint);
        return res;
      } catch (err) {
        if (!(err instanceof UpstreamError)) throw err; // aborted by the caller or the gateway
        failure = err;
        this.health.markDown(endpoint);
        if (!idempotent && !neverDelivered(err)) throw err;
      }
    }
    throw failure ?? new UpstreamError(`the store was silent for ${options.silenceMs} ms`, true);
  }

  /**
   * A kept-alive socket the store closed (its idle timeout, or a restart)
   * fails the next request sent on it with a reset (or a broken pipe) before
   * any answer. Node's
   * documented remedy is to send it again: done once, on a new connection, and
   * only for requests that are safe to repeat.
   */
  private async requestOn(endpoint: StoreEndpoint, options: StoreRequest, idempotent: boolean, answerWithinMs: number): Promise<IncomingMessage> {
    try {
      return await this.send(endpoint, options, this.agentFor(endpoint), answerWithinMs);
    } catch (err) {
      if (!(err instanceof StaleSocketError) || !idempotent) throw err instanceof StaleSocketError ? err.upstream : err;
      try {
        return await this.send(endpoint, options, false, answerWithinMs);
      } catch (again) {
        throw again instanceof StaleSocketError ? again.upstream : again;
      }
    }
  }

  private agentFor(endpoint: StoreEndpoint): http.Agent {
    let agent = this.agents.get(endpoint.url);
    if (!agent) {
      agent = new (endpoint.url.startsWith('https:') ? https : http).Agent({ keepAlive: true });
      this.agents.set(endpoint.url, agent);
    }
    return agent;
  }

  private send(endpoint: StoreEndpoint, options: StoreRequest, agent: http.Agent | false, answerWithinMs: number): Promise<IncomingMessage> {
    const base = new URL(endpoint.url);
    const transport = base.protocol === 'https:' ? https : http;
    const basePath = base.pathname.replace(/\/+$/, '');
    const query = options.query?.toString() ?? '';
    const text = options.jsonText ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const body = options.jsonBytes ?? (text === undefined ? undefined : Buffer.from(text, 'utf8'));
    const headers: Record<string, string> = {
      ...options.headers,
      authorization: endpoint.authorization,
      // CouchDB answers JSON (not multipart) for open_revs, and the embedded store JSON instead of text/plain.
      accept: 'application/json',
    };
    if (body) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    }

    // Only the caller's signal goes to the request: `closed` aborts it through `running`. Combining
    // the two with AbortSignal.any would tie a composite to the long-lived `closed` on every request,
    // which Node 20 keeps (nodejs/node#55351) and the garbage collector then carries.
    const { signal } = options;
    if (this.target.closed?.aborted) return Promise.reject(abortError());

    return new Promise((resolve, reject) => {
      let answerTimer: NodeJS.Timeout | undefined;
      const req = transport.request(
        {
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          method: options.method,
          path: `${basePath}${options.path}${query ? `?${query}` : ''}`,
          headers,
          agent,
          ...(signal ? { signal } : {}),
        },
        (res) => {
          clearTimeout(answerTimer);
          resolve(res);
        },
      );
      // Fires on any silence of the socket, also while the body streams (idle, not total, time).
      req.setTimeout(options.silenceMs, () => {
        req.destroy(new UpstreamError(`the store was silent for ${options.silenceMs} ms`, true));
      });
      // With another URL to try, a node gets only its share of the time to start answering.
      if (answerWithinMs < options.silenceMs) {
        answerTimer = setTimeout(() => {
          req.destroy(new UpstreamError(`the store did not answer within ${answerWithinMs} ms`, true));
        }, answerWithinMs);
      }
      this.running.add(req);
      req.once('close', () => this.running.delete(req));
      req.on('error', (err) => {
        clearTimeout(answerTimer);
        if (err instanceof UpstreamError || isAbort(err)) return reject(err);
        // Closing destroys a request still connecting with a socket hang-up: that is our abort, not a store failure.
        if (this.target.closed?.aborted) return reject(abortError());
        const upstream = new UpstreamError(`the store did not answer: ${err.message}`, false, { cause: err });
        const code = (err as NodeJS.ErrnoException).code;
        const stale = req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
        reject(stale ? new StaleSocketError(upstream) : upstream);
      });
      req.end(body);
    });
  }

  /** A request whose (small) answer is read whole and parsed. */
  async json(options: StoreRequest): Promise<{ status: number; body: unknown; headers: http.IncomingHttpHeaders }> {
    const res = await this.request(options);
    res.setEncoding('utf8');
    let text = '';
    try {
      for await (const chunk of res) text += chunk as string;
    } catch (err) {
      if (err instanceof UpstreamError || isAbort(err)) throw err;
      throw new UpstreamError('the store broke off its answer', false, { cause: err });
    }
    try {
      return { status: res.statusCode ?? 502, body: text ? (JSON.parse(text) as unknown) : undefined, headers: res.headers };
    } catch (err) {
      throw new UpstreamError('the store answered something that is not JSON', false, { cause: err });
    }
  }

  close(): void {
    for (const req of this.running) req.destroy(abortError());
    this.running.clear();
    for (const agent of this.agents.values()) agent.destroy();
  }
}

/** What an aborted request fails with, as when its signal fires. */
function abortError(): Error {
  return new DOMException('The operation was aborted', 'AbortError');
}

/** A request that failed on a reused connection before any answer. */
class StaleSocketError extends Error {
  constructor(readonly upstream: UpstreamError) {
    super(upstream.message);
  }
}

export function isAbort(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'AbortError';
}
