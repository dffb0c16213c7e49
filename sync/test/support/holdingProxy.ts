import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HoldingProxy {
  /** The proxy's base URL (no credentials). */
  url: string;
  /** Requests matching `match` wait at the proxy until `release` (the store behind it is untouched). */
  hold(match: (req: IncomingMessage) => boolean): void;
  /** Forwards the held requests and holds no more. */
  release(): void;
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
  const server = createServer((req, res) => {
    const forward = (): void => {
      const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (match?.(req)) {
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
    release() {
      match = undefined;
      const go = waiting;
      waiting = [];
      for (const forward of go) forward();
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
