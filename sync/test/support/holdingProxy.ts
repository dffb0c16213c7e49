import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HoldingProxy {
  /** The proxy's base URL (no credentials). */
  url: string;
  /** Requests matching `match` wait at the proxy until `release` (the store behind it is untouched). */
  hold(match: (req: IncomingMessage) => boolean): void;
  /** Requests matching `match` are answered `status` at once (the store behind it is untouched), until `release`. */
  fail(match: (req: IncomingMessage) => boolean, status: number): void;
  /** Requests matching `match` whose body contains `text` are answered `status`; the others go on to the store. */
  failBody(match: (req: IncomingMessage) => boolean, text: string, status: number): void;
  /** The next request matching `match` gets a 200 JSON answer with an empty body (a proxy's empty answer); the store is untouched. */
  emptyOnce(match: (req: IncomingMessage) => boolean): void;
  /** Requests answered by `emptyOnce` so far. */
  readonly emptied: number;
  /** Forwards the held requests and holds or fails no more. */
  release(): void;
  /** Requests refused by `fail` so far. */
  readonly refused: number;
  /** Requests held so far. */
  readonly held: number;
  close(): Promise<void>;
}

/**
 * A plain HTTP forwarder on loopback in front of the test store, that can
 * hold back chosen requests: a store whose writes to one database are slow,
 * while every other database answers at once.
 */
export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  const upstream = new URL(target);
  let match: ((req: IncomingMessage) => boolean) | undefined;
  let waiting: Array<() => void> = [];
  let held = 0;
  let refused = 0;
  let failing: { match: (req: IncomingMessage) => boolean; status: number } | undefined;
  let failingBody: { match: (req: IncomingMessage) => boolean; text: string; status: number } | undefined;
  let emptying: ((req: IncomingMessage) => boolean) | undefined;
  let emptied = 0;
  const server = createServer((req, res) => {
    const up = (): ReturnType<typeof request> => {
      const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => res.destroy());
      return out;
    };
    const forward = (): void => {
      req.pipe(up());
    };
    const refuse = (status: number): void => {
      refused += 1;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'refused_by_test', reason: 'the test proxy refuses this request' }));
    };
    const byBody = failingBody;
    if (emptying?.(req)) {
      emptying = undefined;
      emptied += 1;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end();
    } else if (failing?.match(req)) {
      req.resume();
      refuse(failing.status);
    } else if (byBody?.match(req)) {
      const chunks: Uint8Array[] = [];
      req.on('data', (c: Uint8Array) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (body.toString('utf8').includes(byBody.text)) refuse(byBody.status);
        else up().end(body);
      });
    } else if (match?.(req)) {
      held += 1;
      waiting.push(forward);
    } else {
      forward();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hold(m) {
      match = m;
    },
    fail(m, status) {
      failing = { match: m, status };
    },
    failBody(m, text, status) {
      failingBody = { match: m, text, status };
    },
    emptyOnce(m) {
      emptying = m;
    },
    get emptied() {
      return emptied;
    },
    release() {
      match = undefined;
      failing = undefined;
      failingBody = undefined;
      const go = waiting;
      waiting = [];
      for (const forward of go) forward();
    },
    get refused() {
      return refused;
    },
    get held() {
      return held;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
