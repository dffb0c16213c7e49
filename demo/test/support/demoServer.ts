import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

/** The built demo, as `npm start` serves it. */
export const DEMO_DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

export interface DemoServer {
  /** `http://127.0.0.1:<port>`: also the origin the gateway's CORS must admit. */
  url: string;
  /** Where `/config.json` sends the demo; set before the first page load. */
  gatewayUrl: string;
  /** false: every request is cut off unanswered, as when `npm start` is stopped. */
  reachable: boolean;
  /** Appended to `/sw.js`: what a browser sees when a new build of the app is deployed. */
  serviceWorkerSuffix: string;
  close(): Promise<void>;
}

/** Serves demo/dist and a `/config.json` naming the gateway, like the `npm start` supervisor. */
export async function startDemoServer(): Promise<DemoServer> {
  if (!existsSync(`${DEMO_DIST}index.html`)) {
    throw new Error('demo/dist is missing: build the demo first (`npm run build`, or `npm run build --workspace demo`)');
  }
  const statics = sirv(DEMO_DIST, { single: true, dev: true });
  const server = createServer((req, res) => {
    if (!demo.reachable) {
      req.socket.destroy();
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/sw.js' && demo.serviceWorkerSuffix) {
      res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-cache' });
      res.end(readFileSync(`${DEMO_DIST}sw.js`, 'utf8') + demo.serviceWorkerSuffix);
      return;
    }
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ gatewayUrl: demo.gatewayUrl }));
      return;
    }
    statics(req, res, () => {
      res.writeHead(404).end('not found');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const demo: DemoServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    gatewayUrl: '',
    reachable: true,
    serviceWorkerSuffix: '',
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return demo;
}
