// @ts-check
// The replication proxy against the store it fronts, in the same run: `_bulk_docs`
// of realistic one-minute sessions and paged `_changes` reads with documents,
// once through the gateway (JWT check, path and query allow-lists, validation of
// every document, streaming) and once straight to the store as its admin.
// Run with `npm run bench` (here or at the root); figures go to BENCHMARKS.md.
// It measures the built package (dist/) under plain node.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { validateSession } from '@m2m/analysis-core';
import { userDatabases } from '../dist/accounts/userDatabases.js';
import { loadConfig } from '../dist/config.js';
import { startGateway } from '../dist/gateway.js';
import { startEmbeddedStore } from '@m2m/embedded-store';
import { storeUrlWithCredentials } from '@m2m/couch';
import { admin, adminHeader, freshSessionDocs } from './benchSessions.mjs';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 30);
/** Feed reads take longer and vary less: fewer rounds. */
const READ_ROUNDS = Math.min(ROUNDS, 10);
/** Rounds run first and not counted, so both sides are measured with warm code. */
const WARMUP_ROUNDS = 2;
const BATCH = 20;
const CHANGES_PAGE = 50;

const dataDir = await mkdtemp(join(os.tmpdir(), 'm2m-proxy-bench-'));
const store = await startEmbeddedStore({ dataDir: join(dataDir, 'store'), port: 0, admin });
const config = loadConfig({
  NODE_ENV: 'test',
  PORT: '0',
  DATA_DIR: dataDir,
  COUCHDB_URL: storeUrlWithCredentials(store.url, admin),
  JWT_SECRET: 'bench-secret-0123456789-abcdefghijklmnop',
  LOG_LEVEL: 'silent',
  SHUTDOWN_GRACE_MS: '500',
});
const gateway = await startGateway(config);

try {
  const registered = await fetch(`${gateway.url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench-user', password: 'a long enough password' }),
  }).then((r) => /** @type {Promise<{ userId: string, accessToken: string }>} */ (r.json()));
  const bearer = `Bearer ${registered.accessToken}`;
  const directDb = 'bench-direct';
  await call(`${store.url}/${directDb}`, adminHeader, 'PUT');

  /** Where each side writes and reads, with the credentials it uses. */
  const sides = {
    proxy: { base: `${gateway.url}/sync/sessions`, auth: bearer, db: userDatabases(config.dbPrefix, registered.userId).sessions },
    direct: { base: `${store.url}/${directDb}`, auth: adminHeader, db: directDb },
  };

  // Each round writes fresh sessions on both sides, alternating who goes first.
  /** @type {Record<'proxy' | 'direct', number[]>} */
  const writeMs = { proxy: [], direct: [] };
  /** CPU time of the whole process per batch: less swayed than wall time when the machine is shared. */
  /** @type {Record<'proxy' | 'direct', number[]>} */
  const writeCpuMs = { proxy: [], direct: [] };
  /** validateSession alone over each proxied batch: the part of the overhead that is document validation. */
  /** @type {number[]} */
  const validateMs = [];
  /** Each round's proxied wall time over its direct one: a slow spell of the machine then weighs on both. */
  /** @type {number[]} */
  const pairedWrite = [];
  // Made before any request: generating sessions (and its garbage) is not part of either side.
  const batches = Array.from({ length: 2 * (ROUNDS + WARMUP_ROUNDS) }, () => {
    const docs = freshSessionDocs(BATCH);
    return { docs, body: JSON.stringify({ docs }) };
  });
  const bytesPerBatch = /** @type {{ body: string }} */ (batches[0]).body.length;
  for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
    /** @type {Record<string, number>} */
    const walls = {};
    for (const side of round % 2 === 0 ? /** @type {const} */ (['proxy', 'direct']) : /** @type {const} */ (['direct', 'proxy'])) {
      const counted = round >= 0;
      const { docs, body } = /** @type {{ docs: unknown[], body: string }} */ (batches.pop());
      if (side === 'proxy') {
        const started = performance.now();
        for (const doc of docs) if (!validateSession(doc, { sensors: 'integrity' }).ok) throw new Error('a synthetic session is invalid');
        if (counted) validateMs.push(performance.now() - started);
      }
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const rows = /** @type {Array<{ ok?: boolean }>} */ (await call(`${sides[side].base}/_bulk_docs`, sides[side].auth, 'POST', body));
      const cpu = process.cpuUsage(cpuBefore);
      walls[side] = performance.now() - started;
      if (counted) writeMs[side].push(walls[side]);
      if (counted) writeCpuMs[side].push((cpu.user + cpu.system) / 1000);
      if (rows.length !== BATCH || !rows.every((row) => row.ok)) throw new Error(`${side}: a write failed: ${JSON.stringify(rows).slice(0, 300)}`);
    }
    if (round >= 0) pairedWrite.push(/** @type {number} */ (walls['proxy']) / /** @type {number} */ (walls['direct']));
  }

  // Reads: the whole feed with documents, page by page, several times per side.
  /** @type {Record<'proxy' | 'direct', number[]>} */
  const readMs = { proxy: [], direct: [] };
  let docsRead = 0;
  for (let round = -WARMUP_ROUNDS; round < READ_ROUNDS; round++) {
    for (const side of round % 2 === 0 ? /** @type {const} */ (['proxy', 'direct']) : /** @type {const} */ (['direct', 'proxy'])) {
      const started = performance.now();
      docsRead = await readWholeFeed(sides[side].base, sides[side].auth);
      if (round >= 0) readMs[side].push(performance.now() - started);
    }
  }

  const median = (/** @type {number[]} */ values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? /** @type {number} */ (sorted[mid]) : (/** @type {number} */ (sorted[mid - 1]) + /** @type {number} */ (sorted[mid])) / 2;
  };
  const row = (/** @type {string} */ task, /** @type {number[]} */ proxy, /** @type {number[]} */ direct, /** @type {number} */ docs) => ({
    task,
    'direct median ms': median(direct).toFixed(1),
    'proxy median ms': median(proxy).toFixed(1),
    'overhead %': ((median(proxy) / median(direct) - 1) * 100).toFixed(1),
    'proxy docs/s': Math.round(docs / (median(proxy) / 1000)),
  });
  console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; ${ROUNDS} write and ${READ_ROUNDS} read rounds per side after ${WARMUP_ROUNDS} warm-up rounds, alternating; store, gateway and client in one process`);
  console.table([
    row(`_bulk_docs, ${BATCH} one-minute sessions (${(bytesPerBatch / 1e6).toFixed(2)} MB)`, writeMs.proxy, writeMs.direct, BATCH),
    row(`_changes include_docs, ${docsRead} sessions in pages of ${CHANGES_PAGE}`, readMs.proxy, readMs.direct, docsRead),
  ]);
  console.log(
    `_bulk_docs CPU time of the process per batch (median): direct ${median(writeCpuMs.direct).toFixed(1)} ms, proxy ${median(writeCpuMs.proxy).toFixed(1)} ms, overhead ${((median(writeCpuMs.proxy) / median(writeCpuMs.direct) - 1) * 100).toFixed(1)}%`,
  );
  console.log(`_bulk_docs through the proxy over direct in the same round (median of ${pairedWrite.length} rounds): ${((median(pairedWrite) - 1) * 100).toFixed(1)}%`);
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`of the _bulk_docs overhead, validateSession of the ${BATCH} sessions alone takes ${median(validateMs).toFixed(1)} ms (median)`);
} finally {
  await gateway.close();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}

/**
 * @param {string} url
 * @param {string} authorization
 * @param {string} method
 * @param {string} [body]
 * @returns {Promise<unknown>}
 */
async function call(url, authorization, method, body) {
  /** @type {Record<string, string>} */
  const headers = { authorization, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/**
 * @param {string} base
 * @param {string} authorization
 * @returns {Promise<number>} documents read
 */
async function readWholeFeed(base, authorization) {
  /** @type {unknown} */
  let since = 0;
  let count = 0;
  for (;;) {
    const page = /** @type {{ results: Array<{ doc?: unknown }>, last_seq: unknown }} */ (
      await call(`${base}/_changes?style=all_docs&include_docs=true&limit=${CHANGES_PAGE}&since=${encodeURIComponent(String(since))}`, authorization, 'GET')
    );
    count += page.results.filter((r) => r.doc).length;
    if (page.results.length < CHANGES_PAGE) return count;
    since = page.last_seq;
  }
}
