// @ts-check
// One part of the server side in a process of its own, as `npm start` runs
// them, so that a test can SIGKILL it, restart it, and read its resident
// memory: `node serverProcess.mjs store|gateway|worker`, configured from the
// environment (the same variables as the real commands), forked with an IPC
// channel. It sends {ready, url} once listening and answers {probe} requests
// with its resident memory and heap (after a full GC when node runs with
// --expose-gc), its CPU time, its active handles by type, and the store's own
// counters.
import { join } from 'node:path';
import { startEmbeddedStore } from '@m2m/embedded-store';
import { loadConfig, startGateway } from '@m2m/server';
import { createLogger, loadWorkerConfig, startWorker } from '@m2m/sync';

const role = process.argv[2];
const env = process.env;

/** @returns {Promise<{ url: string, close(): Promise<void>, stats?: () => unknown }>} */
async function start() {
  switch (role) {
    case 'store': {
      const [username, password] = (env['STORE_ADMIN'] ?? '').split(':');
      if (!username || !password) throw new Error('STORE_ADMIN=user:password is required');
      const store = await startEmbeddedStore({
        dataDir: join(env['DATA_DIR'] ?? '.', 'store'),
        port: Number(env['STORE_PORT'] ?? 0),
        admin: { username, password },
        maxOpenDatabases: Number(env['STORE_MAX_OPEN_DATABASES'] ?? 100),
      });
      return { url: store.url, close: () => store.close(), stats: () => store.stats() };
    }
    case 'gateway': {
      const gateway = await startGateway(loadConfig(env));
      return { url: gateway.url, close: () => gateway.close() };
    }
    case 'worker': {
      const config = loadWorkerConfig(env);
      const worker = await startWorker(config, { logger: createLogger(config.logLevel), feedTimeoutMs: Number(env['FEED_TIMEOUT_MS'] ?? 30_000) });
      return { url: '', close: () => worker.stop() };
    }
    default:
      throw new Error(`role must be store, gateway or worker, got ${role}`);
  }
}

const running = await start();
const send = (/** @type {unknown} */ message) => process.send?.(message);
process.on('message', (/** @type {{ kind?: string, gc?: boolean }} */ message) => {
  if (message.kind !== 'probe') return;
  const gc = /** @type {{ gc?: () => void }} */ (globalThis).gc;
  // A full collection pauses the server: a probe taken while devices are timed skips it.
  if (message.gc !== false) gc?.();
  /** @type {Record<string, number>} */
  const handles = {};
  for (const type of process.getActiveResourcesInfo()) handles[type] = (handles[type] ?? 0) + 1;
  const { rss, heapUsed } = process.memoryUsage();
  const cpu = process.cpuUsage();
  send({ kind: 'probe', rss, heapUsed, cpuMs: (cpu.user + cpu.system) / 1000, handles, store: running.stats?.() ?? null });
});
// The parent going away must not leave a server behind.
process.on('disconnect', () => process.exit(0));
process.once('SIGTERM', () => {
  running.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
send({ kind: 'ready', url: running.url });
