// @ts-check
// The embedded store alone (express-pouchdb over PouchDB/LevelDB, behind our
// gate and routes), straight over HTTP as its admin: `_bulk_docs` throughput
// (batches of 100 small documents) and `_changes` read throughput with
// documents, with the same work spread over 1, 100 and 1,000 databases; and
// the process's resident memory and open file handles with 1,000 databases.
// Run with `npm run bench` (here or at the root); figures go to BENCHMARKS.md.
// It measures the built package (dist/) under plain node; store and client
// share the process, so the figures include the client's side.
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmbeddedStore } from '../dist/index.js';

const SCALES = [1_000, 100, 1];
const BATCH = 100;
/** Batches per scale: at 1,000 databases, one per database. */
const BATCHES = 1_000;
const CONCURRENCY = 10;
const CHANGES_PAGE = 1_000;
const WARMUP_BATCHES = 50;
/** About the default bound under `ulimit -n 1024` (102), and the bound of the earlier figures, so 1,000 databases churn. */
const MAX_OPEN = 100;
const admin = { username: 'admin', password: 'bench-admin-password' };
const authorization = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;

const benchStarted = performance.now();
const root = await mkdtemp(join(os.tmpdir(), 'm2m-store-bench-'));

try {
  // Warm-up on a throwaway store, so the first scale measured runs warm code too.
  await withStore('warmup', async (url) => {
    await createDatabases(url, ['warmup']);
    await writeBatches(url, ['warmup'], WARMUP_BATCHES);
    await readFeeds(url, ['warmup']);
  });

  /** @type {Array<Record<string, string | number>>} */
  const throughput = [];
  /** @type {Array<Record<string, string | number>>} */
  const resources = [];
  for (const scale of SCALES) {
    await withStore(`scale-${scale}`, async (url, stats) => {
      const names = Array.from({ length: scale }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
      if (scale === 1_000) resources.push(sample('store started, no databases', stats()));

      const createStarted = performance.now();
      await createDatabases(url, names);
      const createMs = performance.now() - createStarted;
      if (scale === 1_000) resources.push(sample('1,000 databases created (empty)', stats()));

      const writeStarted = performance.now();
      const written = await writeBatches(url, names, BATCHES);
      const writeMs = performance.now() - writeStarted;

      const readStarted = performance.now();
      const read = await readFeeds(url, names);
      const readMs = performance.now() - readStarted;
      if (read !== written) throw new Error(`scale ${scale}: wrote ${written} documents, the feeds returned ${read}`);
      if (scale === 1_000) resources.push(sample(`1,000 databases after writing and reading ${written.toLocaleString('en')} documents`, stats()));

      throughput.push({
        databases: scale,
        'create dbs/s': Math.round(scale / (createMs / 1000)),
        documents: written,
        '_bulk_docs docs/s': Math.round(written / (writeMs / 1000)),
        '_bulk_docs ms per batch': ((writeMs / BATCHES) * CONCURRENCY).toFixed(1),
        '_changes docs/s': Math.round(read / (readMs / 1000)),
        'max open seen': stats().maxOpenDatabasesSeen,
      });
    });
  }

  console.log(
    `node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; store and client in one process; ` +
      `maxOpenDatabases ${MAX_OPEN}; ${CONCURRENCY} requests at a time; ${BATCHES} batches of ${BATCH} small documents per scale ` +
      `(batch i to database i mod n); _changes?include_docs=true in pages of ${CHANGES_PAGE}, every database once`,
  );
  console.table(throughput);
  console.log('resident memory and open file handles (the whole process: store and client; sockets are keep-alive HTTP connections)');
  console.table(resources);
  console.log(`total ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
} finally {
  await rm(root, { recursive: true, force: true });
}

/**
 * Starts a store on a fresh folder, runs `work`, closes the store.
 * @param {string} name
 * @param {(url: string, stats: () => { openDatabases: number, maxOpenDatabasesSeen: number }) => Promise<void>} work
 */
async function withStore(name, work) {
  const store = await startEmbeddedStore({ dataDir: join(root, name), port: 0, admin, maxOpenDatabases: MAX_OPEN });
  try {
    await work(store.url, () => store.stats());
  } finally {
    await store.close();
  }
}

/**
 * @param {string} label
 * @param {{ openDatabases: number }} stats
 */
function sample(label, stats) {
  const { rss, heapUsed } = process.memoryUsage();
  let sockets = 0;
  const fds = readdirSync('/proc/self/fd');
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) sockets += 1;
    } catch {
      // closed between the listing and the readlink
    }
  }
  return {
    state: label,
    'rss MB': (rss / 2 ** 20).toFixed(0),
    'heap used MB': (heapUsed / 2 ** 20).toFixed(0),
    'open fds': fds.length,
    'of which sockets': sockets,
    'open databases': stats.openDatabases,
  };
}

/**
 * Runs `task` for 0..count-1, at most CONCURRENCY at a time.
 * @param {number} count
 * @param {(i: number) => Promise<void>} task
 */
async function inParallel(count, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * @param {string} url
 * @param {string[]} names
 */
async function createDatabases(url, names) {
  await inParallel(names.length, async (i) => {
    await call(`${url}/${names[i]}`, 'PUT');
  });
}

/**
 * Writes `batches` batches of BATCH new documents, batch i to database i mod n.
 * @param {string} url
 * @param {string[]} names
 * @param {number} batches
 * @returns {Promise<number>} documents written
 */
async function writeBatches(url, names, batches) {
  let written = 0;
  await inParallel(batches, async (i) => {
    const docs = Array.from({ length: BATCH }, (_, j) => ({
      _id: `doc-${String(i).padStart(5, '0')}-${String(j).padStart(3, '0')}`,
      type: 'bench',
      batch: i,
      n: j,
      value: Math.round(Math.sin(i * BATCH + j) * 1e6) / 1e6,
    }));
    const rows = /** @type {Array<{ ok?: boolean }>} */ (
      await call(`${url}/${names[i % names.length]}/_bulk_docs`, 'POST', JSON.stringify({ docs }))
    );
    if (rows.length !== BATCH || !rows.every((row) => row.ok)) throw new Error(`a write failed: ${JSON.stringify(rows).slice(0, 300)}`);
    written += rows.length;
  });
  return written;
}

/**
 * Reads every database's whole `_changes` feed with documents, page by page.
 * @param {string} url
 * @param {string[]} names
 * @returns {Promise<number>} documents read
 */
async function readFeeds(url, names) {
  let read = 0;
  await inParallel(names.length, async (i) => {
    /** @type {unknown} */
    let since = 0;
    for (;;) {
      const page = /** @type {{ results: Array<{ doc?: unknown }>, last_seq: unknown }} */ (
        await call(`${url}/${names[i]}/_changes?include_docs=true&limit=${CHANGES_PAGE}&since=${encodeURIComponent(String(since))}`, 'GET')
      );
      read += page.results.filter((r) => r.doc).length;
      if (page.results.length < CHANGES_PAGE) return;
      since = page.last_seq;
    }
  });
  return read;
}

/**
 * @param {string} url
 * @param {string} method
 * @param {string} [body]
 * @returns {Promise<unknown>}
 */
async function call(url, method, body) {
  /** @type {Record<string, string>} */
  const headers = { authorization, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}
