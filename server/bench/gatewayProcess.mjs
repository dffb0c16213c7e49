// @ts-check
// The gateway in a process of its own, for benches that measure its CPU and
// garbage collection apart from the client's. Sends `{ url }` once listening;
// answers `'cpu'` with `{ cpuMs, gcMs, gcCount, majorGcCount, faults }` (this
// process's CPU time, its garbage collections, full ones apart, and its minor
// page faults so far); closes on `'stop'`. Arguments: the store URL
// with credentials, the data directory; a third, optional, names another
// build's `dist` directory to run instead of this one (a before/after).
import { pathToFileURL } from 'node:url';
import { constants, PerformanceObserver } from 'node:perf_hooks';

const [storeUrl, dataDir, dist] = process.argv.slice(2);
if (!storeUrl || !dataDir || !process.send) throw new Error('run me with fork(gatewayProcess.mjs, [storeUrl, dataDir, dist?])');
const send = process.send.bind(process);
const base = dist ? `${pathToFileURL(dist).href}/` : new URL('../dist/', import.meta.url).href;
const { loadConfig } = /** @type {typeof import('../dist/config.js')} */ (await import(`${base}config.js`));
const { startGateway } = /** @type {typeof import('../dist/gateway.js')} */ (await import(`${base}gateway.js`));

let gcMs = 0;
let gcCount = 0;
let majorGcCount = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    gcCount += 1;
    if (/** @type {{ detail?: { kind?: number } }} */ (entry).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcCount += 1;
  }
}).observe({ entryTypes: ['gc'] });

const gateway = await startGateway(
  loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATA_DIR: dataDir,
    COUCHDB_URL: storeUrl,
    JWT_SECRET: 'bench-secret-0123456789-abcdefghijklmnop',
    LOG_LEVEL: 'silent',
    SHUTDOWN_GRACE_MS: '500',
  }),
);
send({ url: gateway.url });
process.on('message', (message) => {
  if (message === 'cpu') {
    const used = process.cpuUsage();
    send({ cpuMs: (used.user + used.system) / 1000, gcMs, gcCount, majorGcCount, faults: process.resourceUsage().minorPageFault });
  } else if (message === 'stop') {
    void gateway.close().then(() => process.exit(0));
  }
});
