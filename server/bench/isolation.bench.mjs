// @ts-check
// One user cannot slow down another (issue #14), measured on the gateway:
// 1. `/health` latency while a batch of 1,000 amplifying sessions (about 600
//    bytes each, declaring 4 channels x 2,000,000 samples) is refused;
// 2. a PouchDB client pushing 200 one-minute sessions through the gateway vs
//    straight to the store, interleaved pairs, medians and the median of
//    each pair's own ratio.
// Run with `npm run bench` (here or at the root); figures go to BENCHMARKS.md.
// It measures the built package (dist/) under plain node; store, gateway and
// clients share one process, so a blocked event loop shows in every probe.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeSensors, sessionIdAt, synthesizeSession } from '@m2m/analysis-core';
import PouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { loadConfig } from '../dist/config.js';
import { startGateway } from '../dist/gateway.js';
import { startEmbeddedStore } from '@m2m/embedded-store';
import { storeUrlWithCredentials } from '@m2m/couch';
import { admin, adminHeader, sessionDoc } from './benchSessions.mjs';

PouchDB.plugin(memoryAdapter);

const AMPLIFYING_DOCS = 1000;
const HEALTH_EVERY_MS = 5;
const PUSH_PAIRS = Number(process.env['BENCH_PUSH_PAIRS'] ?? 12);
const PUSH_SESSIONS = 200;

const dataDir = await mkdtemp(join(os.tmpdir(), 'm2m-isolation-bench-'));
const store = await startEmbeddedStore({ dataDir: join(dataDir, 'store'), port: 0, admin });
const config = loadConfig({
  NODE_ENV: 'test',
  PORT: '0',
  DATA_DIR: dataDir,
  COUCHDB_URL: storeUrlWithCredentials(store.url, admin),
  JWT_SECRET: 'bench-secret-0123456789-abcdefghijklmnop',
  LOG_LEVEL: 'silent',
  SHUTDOWN_GRACE_MS: '500',
  AUTH_RATE_LIMIT_PER_CLIENT: '100000',
});
const gateway = await startGateway(config);

const median = (/** @type {number[]} */ values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? /** @type {number} */ (sorted[mid]) : (/** @type {number} */ (sorted[mid - 1]) + /** @type {number} */ (sorted[mid])) / 2;
};
const percentile = (/** @type {number[]} */ values, /** @type {number} */ p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return /** @type {number} */ (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
};

/** @param {string} name */
async function register(name) {
  const answer = await fetch(`${gateway.url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: name, password: 'a long enough password' }),
  });
  return /** @type {{ userId: string, accessToken: string }} */ (await answer.json());
}

try {
  // 1. /health while the amplification batch is judged.
  const attacker = await register('bench-attacker');
  const base = /** @type {Record<string, unknown>} */ ({ ...synthesizeSession({ seed: 1, durationS: 5 }) });
  delete base['id'];
  const missing = new Float64Array(2_000_000).fill(NaN);
  const sensors = encodeSensors({ sampleRateHz: 1000, channels: Array.from({ length: 4 }, (_, i) => ({ id: `c${i}`, unit: 'deg', scale: 0.1, values: missing })) });
  const docs = Array.from({ length: AMPLIFYING_DOCS }, (_, i) => ({
    ...base,
    _id: sessionIdAt(Date.UTC(2026, 0, 1) + i, new Uint8Array(10).fill(i % 256)),
    durationMs: 2_000_000,
    events: [],
    sensors,
  }));
  const body = JSON.stringify({ docs });
  /** @type {number[]} */
  const healthMs = [];
  /** @type {number[]} */
  const batchMs = [];
  for (let round = 0; round < 5; round++) {
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const started = performance.now();
        await (await fetch(`${gateway.url}/health`)).text();
        healthMs.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, HEALTH_EVERY_MS));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    const answer = await fetch(`${gateway.url}/sync/sessions/_bulk_docs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${attacker.accessToken}`, 'content-type': 'application/json' },
      body,
    });
    const rows = /** @type {Array<{ error?: string }>} */ (await answer.json());
    batchMs.push(performance.now() - started);
    if (rows.filter((row) => row.error === 'forbidden').length !== AMPLIFYING_DOCS) throw new Error('the amplifying documents were not all refused');
    probing = false;
    await prober;
  }
  console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.table([
    {
      task: `/health every ${HEALTH_EVERY_MS} ms while ${AMPLIFYING_DOCS} amplifying documents (${(body.length / 1e6).toFixed(2)} MB) are refused, 5 batches`,
      probes: healthMs.length,
      'health median ms': median(healthMs).toFixed(1),
      'health p99 ms': percentile(healthMs, 99).toFixed(1),
      'health max ms': Math.max(...healthMs).toFixed(1),
      'batch median ms': median(batchMs).toFixed(0),
    },
  ]);

  // 2. PouchDB pushing 200 one-minute sessions, through the gateway and straight to the store.
  const sessions = Array.from({ length: PUSH_SESSIONS }, (_, i) => sessionDoc(1000 + i));
  /** @type {Record<'gateway' | 'direct', number[]>} */
  const pushMs = { gateway: [], direct: [] };
  /** Each pair's gateway time over its direct one: a slow spell of the machine then weighs on both. */
  /** @type {number[]} */
  const pushPaired = [];
  // Accounts and databases are made before any push: signing up (scrypt, two databases) is not part of one.
  /** @type {string[]} */
  const pusherTokens = [];
  for (let pair = 0; pair < PUSH_PAIRS; pair++) {
    pusherTokens.push((await register(`bench-pusher-${pair}`)).accessToken);
    await fetch(`${store.url}/bench-direct-${pair}`, { method: 'PUT', headers: { authorization: adminHeader } });
  }
  for (let pair = 0; pair < PUSH_PAIRS; pair++) {
    /** @type {Record<string, number>} */
    const walls = {};
    for (const side of pair % 2 === 0 ? /** @type {const} */ (['gateway', 'direct']) : /** @type {const} */ (['direct', 'gateway'])) {
      const source = new PouchDB(`push-${pair}-${side}`, { adapter: 'memory' });
      await source.bulkDocs(sessions.map((doc) => ({ ...doc })));
      /** @type {string} */
      let url;
      /** @type {string} */
      let auth;
      if (side === 'gateway') {
        url = `${gateway.url}/sync/sessions`;
        auth = `Bearer ${pusherTokens[pair]}`;
      } else {
        url = `${store.url}/bench-direct-${pair}`;
        auth = adminHeader;
      }
      const target = new PouchDB(url, {
        skip_setup: true,
        fetch: (input, init = {}) => {
          const headers = new Headers(init.headers);
          headers.set('authorization', auth);
          return PouchDB.fetch(input, { ...init, headers });
        },
      });
      const started = performance.now();
      const result = await source.replicate.to(target);
      const elapsed = performance.now() - started;
      if (result.docs_written !== PUSH_SESSIONS) throw new Error(`${side}: wrote ${result.docs_written} of ${PUSH_SESSIONS}`);
      if (pair > 0) pushMs[side].push(elapsed); // the first pair warms both paths up
      walls[side] = elapsed;
      await source.destroy();
    }
    if (pair > 0) pushPaired.push(/** @type {number} */ (walls['gateway']) / /** @type {number} */ (walls['direct']));
  }
  console.table([
    {
      task: `PouchDB replicate() of ${PUSH_SESSIONS} one-minute sessions, ${PUSH_PAIRS - 1} pairs after one warm-up pair, alternating`,
      'direct median ms': median(pushMs.direct).toFixed(0),
      'gateway median ms': median(pushMs.gateway).toFixed(0),
      'gateway / direct': (median(pushMs.gateway) / median(pushMs.direct)).toFixed(2),
      'per pair (median)': median(pushPaired).toFixed(2),
    },
  ]);
  console.log(`load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await gateway.close();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}
