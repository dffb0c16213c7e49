// @ts-check
// What a second store URL costs the gateway's store connection: reads of one
// database's info through createStoreConnection with the live store alone,
// with a refusing URL first (nothing listens on its port), and with a silent
// URL first (accepts connections, never answers) once it has been set aside;
// plus the first read that finds the silent URL (it waits its share of the
// timeout). Interleaved rounds, medians. Run with `npm run bench -w server`;
// figures go to BENCHMARKS.md.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmbeddedStore } from '@m2m/embedded-store';
import { StoreClient, storeUrlWithCredentials } from '@m2m/couch';
import { admin } from './benchSessions.mjs';

const ROUNDS = 5;
const READS_PER_ROUND = 300;
const TIMEOUT_MS = 2_000;

/** @param {number[]} values @param {number} q */
const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

const dataDir = await mkdtemp(join(os.tmpdir(), 'm2m-failover-bench-'));
const store = await startEmbeddedStore({ dataDir, port: 0, admin });
const silentSockets = new Set();
const silent = createServer((socket) => {
  silentSockets.add(socket);
  socket.on('error', () => undefined);
});
await new Promise((resolve) => silent.listen(0, '127.0.0.1', () => resolve(undefined)));
const refusing = createServer();
await new Promise((resolve) => refusing.listen(0, '127.0.0.1', () => resolve(undefined)));
const refusedPort = /** @type {import('node:net').AddressInfo} */ (refusing.address()).port;
await new Promise((resolve) => refusing.close(() => resolve(undefined)));

const live = storeUrlWithCredentials(store.url, admin);
const silentUrl = storeUrlWithCredentials(`http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (silent.address()).port}`, admin);
const refusedUrl = storeUrlWithCredentials(`http://127.0.0.1:${refusedPort}`, admin);

try {
  const connections = {
    'live only': new StoreClient(live, { timeoutMs: TIMEOUT_MS }),
    'refusing URL first': new StoreClient(`${refusedUrl},${live}`, { timeoutMs: TIMEOUT_MS, endpointCooldownMs: 60_000 }),
    'silent URL first (set aside)': new StoreClient(`${silentUrl},${live}`, { timeoutMs: TIMEOUT_MS, endpointCooldownMs: 60_000 }),
  };
  await connections['live only'].request({ db: 'bench', method: 'PUT' });
  const firstSilent = new StoreClient(`${silentUrl},${live}`, { timeoutMs: TIMEOUT_MS });
  let started = performance.now();
  await firstSilent.request({ db: 'bench' });
  const firstSilentMs = performance.now() - started;
  await firstSilent.close();
  // Warm-up; it also sets the silent URL aside (that first read waits, as measured above).
  for (const connection of Object.values(connections)) for (let i = 0; i < 50; i++) await connection.request({ db: 'bench' });

  /** @type {Record<string, number[]>} */
  const times = Object.fromEntries(Object.keys(connections).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, connection] of Object.entries(connections)) {
      for (let i = 0; i < READS_PER_ROUND; i++) {
        started = performance.now();
        await connection.request({ db: 'bench' });
        times[name]?.push(performance.now() - started);
      }
    }
  }
  const base = quantile(times['live only'] ?? [], 0.5);
  console.log(`store failover: ${ROUNDS} interleaved rounds of ${READS_PER_ROUND} sequential GET /{db} per setup; STORE_TIMEOUT_MS ${TIMEOUT_MS}; loadavg ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.table(
    Object.entries(times).map(([setup, values]) => ({
      setup,
      'p50 ms': quantile(values, 0.5).toFixed(3),
      'p99 ms': quantile(values, 0.99).toFixed(3),
      'p50 / live only': (quantile(values, 0.5) / base).toFixed(2),
    })),
  );
  console.log(`first read that meets the silent URL: ${firstSilentMs.toFixed(0)} ms (its share: ${TIMEOUT_MS / 2} ms, then the live URL)`);
  for (const connection of Object.values(connections)) await connection.close();
} finally {
  for (const socket of silentSockets) socket.destroy();
  silent.close();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}
