import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

/** Where the store is and how the gateway proves it is the admin. */
export interface StoreTarget {
  url: string;
  authorization: string;
  /** Fires when the gateway shuts its store connection: every request still running is aborted. */
  closed?: AbortSignal;
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
 * silence timeout and an abort signal bound every request.
 */
export class StoreClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  constructor(private readonly target: StoreTarget) {
    this.base = new URL(target.url);
    this.transport = this.base.protocol === 'https:' ? https : http;
    this.agent = new this.transport.Agent({ keepAlive: true });
    target.closed?.addEventListener('abort', () => this.agent.destroy(), { once: true });
  }

  /**
   * A kept-alive socket the store closed (its idle timeout, or a restart)
   * fails the next request sent on it with a reset (or a broken pipe) before
   * any answer. Node's
   * documented remedy is to send it again: done once, on a new connection, and
   * only for requests that are safe to repeat.
   */
  async request(options: StoreRequest): Promise<IncomingMessage> {
    try {
      return await this.send(options, this.agent);
    } catch (err) {
      const idempotent = options.idempotent ?? (options.method === 'GET' || options.method === 'HEAD');
      if (!(err instanceof StaleSocketError) || !idempotent) throw err instanceof StaleSocketError ? err.upstream : err;
      try {
        return await this.send(options, false);
      } catch (again) {
        throw again instanceof StaleSocketError ? again.upstream : again;
      }
    }
  }

  private send(options: StoreRequest, agent: http.Agent | false): Promise<IncomingMessage> {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    const query = options.query?.toString() ?? '';
    const text = options.jsonText ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const body = options.jsonBytes ?? (text === undefined ? undefined : Buffer.from(text, 'utf8'));
    const headers: Record<string, string> = {
      ...options.headers,
      authorization: this.target.authorization,
      // CouchDB answers JSON (not multipart) for open_revs, and the embedded store JSON instead of text/plain.
      accept: 'application/json',
    };
    if (body) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(body.length);
    }

    const signals = [options.signal, this.target.closed].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];

    return new Promise((resolve, reject) => {
      const req = this.transport.request(
        {
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port,
          method: options.method,
          path: `${basePath}${options.path}${query ? `?${query}` : ''}`,
          headers,
          agent,
          ...(signal ? { signal } : {}),
        },
        resolve,
      );
      // Fires on any silence of the socket, also while the body streams (idle, not total, time).
      req.setTimeout(options.silenceMs, () => {
        req.destroy(new UpstreamError(`the store was silent for ${options.silenceMs} ms`, true));
      });
      req.on('error', (err) => {
        if (err instanceof UpstreamError || isAbort(err)) return reject(err);
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
    this.agent.destroy();
  }
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
