// @ts-check
// Fair analysis: a normal user's session latency while heavy users' backlogs
// are processed. The embedded store runs in this process; the worker runs as
// its own process (`m2m-sync run`, pool = number of cores, defaults
// otherwise), once per variant and round, each round on fresh databases (its
// own DB_PREFIX).
//
// Per round: two heavy users each hold a backlog of two-minute sessions at
// 1000 Hz (1,320,000 samples × channels each). The worker starts; once it
// is analysing (the first heavy analysis written, or 3 s), normal users write
// one-minute 100 Hz sessions at a steady rate while the backlogs are
// processed, and each analysis is seen arriving on the user's progress feed:
// session written (PUT answered) → analysis readable.
//
// node bench/fairness.bench.mjs [--rounds 3] [--heavy 12] [--normal 20] [--baseline path/to/dist/cli/main.js]
// With --baseline (a build of an earlier version of this package), the
// variants run interleaved (baseline, current, baseline, …) and medians of
// each variant's per-round p50/p99 are printed side by side.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sessionIdAt, synthesizeSession, userDatabases } from '@m2m/analysis-core';
import { medianOf, numberArg, pct, sleep, startBenchStore, userId } from './benchSupport.mjs';

const args = process.argv.slice(2);
const ROUNDS = numberArg('rounds', 3);
const HEAVY_PER_USER = numberArg('heavy', 12);
const NORMAL_SESSIONS = numberArg('normal', 20);
const NORMAL_INTERVAL_MS = 500;
const HEAVY_USERS = 2;
const NORMAL_USERS = 4;
const baselineIndex = args.indexOf('--baseline');
const current = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
/** @type {Array<{ name: string, cli: string }>} */
const variants = baselineIndex >= 0 ? [{ name: 'before', cli: resolve(String(args[baselineIndex + 1])) }, { name: 'after', cli: current }] : [{ name: 'current', cli: current }];

const { store, dataDir, adminUrl, call, follow } = await startBenchStore('m2m-sync-fair-bench-');

/** @type {import('node:child_process').ChildProcess | undefined} */
let worker;
/** @type {AbortController[]} */
let feeds = [];

try {
  console.log(`fairness bench: node ${process.version}, ${os.availableParallelism()} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const heavyBodies = [1, 2].map((seed) => synthesizeSession({ seed, durationS: 120, sampleRateHz: 1000 }));
  const normalBodies = [3, 4, 5, 6].map((seed) => synthesizeSession({ seed, durationS: 60 }));
  let serial = 0;
  /** A session document (CouchDB form) of `body` under a fresh id and start time. @param {import('@m2m/analysis-core').Session} body */
  const copy = (body) => {
    serial += 1;
    const startedMs = Date.parse('2026-01-05T09:00:00.000Z') + serial * 60_000;
    const bytes = new Uint8Array(10);
    new DataView(bytes.buffer).setUint32(0, serial);
    /** @type {Record<string, unknown>} */
    const rest = { ...body };
    delete rest['id'];
    return { ...rest, _id: sessionIdAt(startedMs, bytes), startedAt: new Date(startedMs).toISOString() };
  };

  /** @type {Map<string, Array<{ p50: number, p99: number, max: number, heavyS: number }>>} */
  const results = new Map(variants.map((v) => [v.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of variants) {
      const prefix = `r${round}${variant.name[0]}-`;
      const heavyUsers = Array.from({ length: HEAVY_USERS }, (_, i) => userId(round * 100 + i));
      const normalUsers = Array.from({ length: NORMAL_USERS }, (_, i) => userId(round * 100 + 50 + i));
      for (const user of [...heavyUsers, ...normalUsers]) {
        for (const db of Object.values(userDatabases(prefix, user))) await call('PUT', `/${db}`);
      }
      for (const [u, user] of heavyUsers.entries()) {
        const docs = Array.from({ length: HEAVY_PER_USER }, (_, i) => copy(/** @type {any} */ (heavyBodies[(i + u) % heavyBodies.length])));
        await call('POST', `/${userDatabases(prefix, user).sessions}/_bulk_docs`, { docs });
      }

      /** @type {Map<string, number>} */
      const seen = new Map();
      let heavyAnalyses = 0;
      /** @type {() => void} */
      let firstHeavy = () => {};
      const heavyStarted = new Promise((resolve) => (firstHeavy = () => resolve(undefined)));
      /** @type {() => void} */
      let heavyDone = () => {};
      const allHeavy = new Promise((resolve) => (heavyDone = () => resolve(undefined)));
      for (const user of heavyUsers) {
        feeds.push(
          follow(userDatabases(prefix, user).progress, (change) => {
            if (typeof change.id !== 'string' || !change.id.startsWith('analysis:') || seen.has(change.id)) return;
            seen.set(change.id, performance.now());
            heavyAnalyses += 1;
            if (heavyAnalyses === 1) firstHeavy();
            if (heavyAnalyses === HEAVY_USERS * HEAVY_PER_USER) heavyDone();
          }),
        );
      }
      for (const user of normalUsers) {
        feeds.push(
          follow(userDatabases(prefix, user).progress, (change) => {
            if (typeof change.id === 'string' && !seen.has(change.id)) seen.set(change.id, performance.now());
          }),
        );
      }
      await sleep(300); // the feeds are open

      const workerStart = performance.now();
      worker = startWorkerProcess(variant.cli, prefix);
      await Promise.race([heavyStarted, sleep(3000)]);

      /** @type {Map<string, number>} */
      const written = new Map();
      const start = performance.now();
      /** @type {Promise<void>[]} */
      const writes = [];
      for (let i = 0; i < NORMAL_SESSIONS; i++) {
        const wait = start + i * NORMAL_INTERVAL_MS - performance.now();
        if (wait > 0) await sleep(wait);
        const doc = copy(/** @type {any} */ (normalBodies[i % normalBodies.length]));
        const db = userDatabases(prefix, /** @type {string} */ (normalUsers[i % NORMAL_USERS])).sessions;
        writes.push(call('PUT', `/${db}/${doc._id}`, doc).then(() => void written.set(`analysis:${doc._id}`, performance.now())));
      }
      await Promise.all(writes);
      const deadline = performance.now() + 300_000;
      while (performance.now() < deadline && [...written.keys()].some((id) => !seen.has(id))) await sleep(50);
      // The deadline's timer is cleared once the backlog is done: a pending one kept the bench from exiting.
      /** @type {NodeJS.Timeout | undefined} */
      let timer;
      await Promise.race([allHeavy, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - performance.now()))))]);
      clearTimeout(timer);
      const heavyS = (performance.now() - workerStart) / 1000;

      /** @type {number[]} */
      const latencies = [];
      for (const [id, at] of written) {
        const arrived = seen.get(id);
        if (arrived === undefined) throw new Error(`${variant.name}: analysis ${id} not seen within 300 s`);
        latencies.push(Math.max(0, arrived - at));
      }
      latencies.sort((a, b) => a - b);
      const figures = { p50: pct(latencies, 50), p99: pct(latencies, 99), max: Math.round(latencies[latencies.length - 1] ?? NaN), heavyS };
      results.get(variant.name)?.push(figures);
      console.log(
        `round ${round} ${variant.name}: normal session latency p50 ${figures.p50} ms, p99 ${figures.p99} ms, max ${figures.max} ms; ` +
          `heavy backlog (${HEAVY_USERS * HEAVY_PER_USER} sessions) done ${heavyS.toFixed(1)} s after the worker started; load ${os.loadavg()[0]?.toFixed(2)}`,
      );

      for (const feed of feeds) feed.abort();
      feeds = [];
      await stopWorker();
    }
  }

  console.log(`\nmedians over ${ROUNDS} rounds (normal sessions: ${NORMAL_SESSIONS} one-minute 100 Hz sessions, one every ${NORMAL_INTERVAL_MS} ms, over ${NORMAL_USERS} users):`);
  for (const [name, rows] of results) {
    const median = (/** @type {(r: { p50: number, p99: number, max: number, heavyS: number }) => number} */ pick) => medianOf(rows.map(pick));
    console.log(`  ${name}: p50 ${median((r) => r.p50)} ms, p99 ${median((r) => r.p99)} ms, max ${median((r) => r.max)} ms, heavy backlog done in ${median((r) => r.heavyS).toFixed(1)} s`);
  }
} finally {
  for (const feed of feeds) feed.abort();
  await stopWorker();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}

/** @param {string} cli @param {string} prefix */
function startWorkerProcess(cli, prefix) {
  return spawn(process.execPath, [cli, 'run'], {
    env: { PATH: process.env['PATH'] ?? '', COUCHDB_URL: adminUrl, DB_PREFIX: prefix, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function stopWorker() {
  const child = worker;
  worker = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
