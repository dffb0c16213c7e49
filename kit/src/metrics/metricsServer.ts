import { createServer, type Server } from 'node:http';
import { listen, urlOf } from '../http/listen.js';

/** What the server needs of a prom-client Registry. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

/** What GET /ready answers: 200 when ready, else 503; the body says why. */
export interface ReadinessReport {
  ready: boolean;
  [detail: string]: unknown;
}

/**
 * GET /metrics (Prometheus text), GET /health (the process is up) and
 * GET /ready (the service says it is ready, e.g. a worker caught up) on their own port.
 */
export async function startMetricsServer(
  registry: MetricsSource,
  port: number,
  host: string,
  readiness: () => ReadinessReport = () => ({ ready: true }),
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
    } else if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    } else if (req.method === 'GET' && path === '/ready') {
      const report = readiness();
      res.writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: report.ready ? 'ok' : 'not ready', ...report }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not_found","reason":"GET /metrics, /health or /ready"}');
    }
  });
  await listen(server, port, host);
  return {
    url: urlOf(server, host),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
