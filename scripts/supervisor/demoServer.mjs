// @ts-check
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import sirv from 'sirv';
import { StartError } from './startError.mjs';

/**
 * @typedef {object} DemoServer
 * @property {string} url
 * @property {boolean} built  false when the demo's files are missing (only config.json is served)
 * @property {() => Promise<void>} close
 */

const NOT_BUILT_PAGE = `<!doctype html>
<meta charset="utf-8"><title>M2M Sync demo</title>
<p>The demo is not built yet: run <code>npm run build --workspace demo</code>, then <code>npm start</code> again.</p>
`;

/**
 * Serves the demo's built files and, beside them, a generated `/config.json`
 * that tells the demo where the gateway is.
 * @param {{ host: string, port: number, distDir: string, config: { gatewayUrl: string }, variable: string }} options
 * @returns {Promise<DemoServer>}
 */
export async function startDemoServer({ host, port, distDir, config, variable }) {
  const built = existsSync(join(distDir, 'index.html'));
  // `single`: the demo routes in the browser, so unknown paths get index.html.
  const statics = built ? sirv(distDir, { single: true, etag: true }) : undefined;
  const configJson = JSON.stringify(config);

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/config.json') {
      // Generated per start (ports change), so never cached.
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : configJson);
    } else if (statics) {
      statics(req, res, () => {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('not found');
      });
    } else {
      res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(NOT_BUILT_PAGE);
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', (/** @type {NodeJS.ErrnoException} */ err) => {
      const reason = err.code === 'EADDRINUSE' ? `port ${port} is in use: set ${variable} to a free port` : `the demo cannot listen on ${host}:${port} (${err.code ?? err.message}): check ${variable}`;
      reject(new StartError('port', reason, { cause: err }));
    });
    server.listen(port, host, () => resolve(undefined));
  });
  const address = server.address();
  return {
    url: `http://${host}:${typeof address === 'object' && address ? address.port : port}`,
    built,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
