// @ts-check
// The sync worker against the embedded store, as `npm start` runs them: the
// store in this process, the worker as its own process (`m2m-sync run`, the
// built dist/cli/main.js, pool = number of cores).
//
// 1. Catch-up: a backlog of one-minute synthetic sessions across 100 users is
//    written while no worker runs; the time from starting the worker to every
//    analysis and progress written (all checkpoints at the end of their feeds)
//    gives the throughput.
// 2. Latency: with the worker caught up, sessions are written at a steady rate
//    (default 20/s for 30 s, spread over 20 of the users) and each analysis is
//    seen arriving on a continuous `_changes` feed of its progress database:
//    session written (PUT answered) → analysis readable, p50/p95/p99.
//
// 3. First sessions: users with no session yet (not followed by the worker)
//    record their first one, alternately with and without the activity hint
//    the gateway writes at a sign-in, 300 ms before; needs a backlog under 100.
//
// node bench/worker.bench.mjs [--backlog 1000] [--large (5000)] [--rate 20] [--seconds 30] [--first-sessions 20]
// Environment: STORE_GLOBAL_CHANGES_MAX_WRITE_DELAY (store, default 500 as CouchDB), WORKER_* (passed to the worker).
// Run with `npm run bench` (here or at the root); figures go to BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { systemDatabases } from '@m2m/couch';
import { sessionIdAt, synthesizeSession, userDatabases } from '@m2m/analysis-core';
import { numberArg, pct, sleep, startBenchStore, userId } from './benchSupport.mjs';

const args = process.argv.slice(2);
const BACKLOG = args.includes('--large') ? 5000 : numberArg('backlog', 1000);
const RATE = numberArg('rate', 20);
const SECONDS = numberArg('seconds', 30);
const FIRST_SESSIONS = Math.round(numberArg('first-sessions', 20));
/** From the hint (a sign-in) to the first session. */
const FIRST_SESSION_GAP_MS = 300;
const USERS = 100;
const LATENCY_USERS = 20;
/** Distinct synthetic recordings; more sessions reuse them under new ids (the worker analyses each one). */
const DISTINCT = 300;
const PREFIX = 'm2m-';

// The store batches _db_updates as CouchDB 3.5 does (500 ms) unless STORE_GLOBAL_CHANGES_MAX_WRITE_DELAY says otherwise.
const writeDelay = process.env['STORE_GLOBAL_CHANGES_MAX_WRITE_DELAY'];
const { store, dataDir, adminUrl, call, follow } = await startBenchStore('m2m-sync-bench-', writeDelay ? { globalChangesMaxWriteDelayMs: Number(writeDelay) } : {});

/** @type {import('node:child_process').ChildProcess | undefined} */
let worker;
/** @type {AbortController[]} */
const feeds = [];

try {
  console.log(`sync worker bench: node ${process.version}, ${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}`);
  const users = Array.from({ length: USERS }, (_, i) => userId(i));
  for (const user of users) {
    for (const db of Object.values(userDatabases(PREFIX, user))) await call('PUT', `/${db}`);
  }

  let t = performance.now();
  const bodies = Array.from({ length: Math.min(DISTINCT, BACKLOG) }, (_, i) => synthesizeSession({ seed: i + 1, durationS: 60 }));
  console.log(`synthesized ${bodies.length} one-minute sessions in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  let serial = 0;
  /** A session document (CouchDB form) with a fresh id; its start time moves on so the ids stay unique. */
  const nextSession = () => {
    const body = /** @type {import('@m2m/analysis-core').Session} */ (bodies[serial % bodies.length]);
    serial += 1;
    const startedMs = Date.parse('2026-01-05T09:00:00.000Z') + serial * 60_000;
    const bytes = new Uint8Array(10);
    new DataView(bytes.buffer).setUint32(0, serial);
    /** @type {Record<string, unknown>} */
    const rest = { ...body };
    delete rest['id'];
    return { ...rest, _id: sessionIdAt(startedMs, bytes), startedAt: new Date(startedMs).toISOString() };
  };

  // 1. Catch-up of a backlog.
  t = performance.now();
  /** @type {Map<string, object[]>} */
  const backlog = new Map();
  for (let i = 0; i < BACKLOG; i++) {
    const user = /** @type {string} */ (users[i % USERS]);
    backlog.set(user, [...(backlog.get(user) ?? []), nextSession()]);
  }
  for (const [user, docs] of backlog) {
    for (let i = 0; i < docs.length; i += 100) await call('POST', `/${userDatabases(PREFIX, user).sessions}/_bulk_docs`, { docs: docs.slice(i, i + 100) });
  }
  console.log(`wrote a backlog of ${BACKLOG} sessions across ${USERS} users in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // Caught up = every sessions database's checkpoint at its update_seq, watched on the worker database's feed (no polling load).
  /** @type {Map<string, string>} */
  const targets = new Map();
  // Only the users given a backlog: a database without sessions gets no checkpoint to wait for.
  for (const user of backlog.keys()) {
    const db = userDatabases(PREFIX, user).sessions;
    const info = /** @type {{ update_seq: unknown }} */ (await call('GET', `/${db}`));
    targets.set(db, String(info.update_seq));
  }
  await call('PUT', `/${PREFIX}worker`).catch(() => undefined);
  let behind = targets.size;
  /** @type {() => void} */
  let caughtUp = () => {};
  const allCaughtUp = new Promise((resolve) => (caughtUp = () => resolve(undefined)));
  feeds.push(
    follow(`${PREFIX}worker`, (change) => {
      const doc = change.doc;
      if (!doc || doc.type !== 'checkpoint' || !targets.has(doc.db)) return;
      if (String(doc.seq) === targets.get(doc.db)) {
        targets.delete(doc.db);
        behind -= 1;
        if (behind === 0) caughtUp();
      }
    }, { includeDocs: true }),
  );
  await sleep(300); // the feed is open
  t = performance.now();
  worker = startWorkerProcess();
  await allCaughtUp;
  const catchUpS = (performance.now() - t) / 1000;
  let analyses = 0;
  for (const user of users) {
    const page = /** @type {{ total_rows: number }} */ (await call('GET', `/${userDatabases(PREFIX, user).progress}/_all_docs?limit=0`));
    analyses += page.total_rows - (backlog.has(user) ? 1 : 0); // the progress document, once the user has analyses
  }
  if (analyses !== BACKLOG) throw new Error(`expected ${BACKLOG} analyses, found ${analyses}`);
  console.log(`catch-up: ${BACKLOG} sessions analysed and written in ${catchUpS.toFixed(1)} s (from starting the worker process) = ${(BACKLOG / catchUpS).toFixed(1)} sessions/s`);

  // 2. Latency at a steady rate.
  const latencyUsers = users.slice(0, LATENCY_USERS);
  /** @type {Map<string, number>} */
  const seen = new Map();
  for (const user of latencyUsers) {
    feeds.push(
      follow(userDatabases(PREFIX, user).progress, (change) => {
        if (typeof change.id === 'string' && !seen.has(change.id)) seen.set(change.id, performance.now());
      }),
    );
  }
  await sleep(500); // the feeds are open
  /** @type {Map<string, number>} */
  const written = new Map();
  const total = Math.round(RATE * SECONDS);
  const start = performance.now();
  /** @type {Promise<void>[]} */
  const writes = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const doc = nextSession();
    const db = userDatabases(PREFIX, /** @type {string} */ (latencyUsers[i % LATENCY_USERS])).sessions;
    writes.push(call('PUT', `/${db}/${doc._id}`, doc).then(() => void written.set(`analysis:${doc._id}`, performance.now())));
  }
  await Promise.all(writes);
  const offered = total / ((performance.now() - start) / 1000);
  const deadline = performance.now() + 15_000;
  while (performance.now() < deadline && [...written.keys()].some((id) => !seen.has(id))) await sleep(50);

  /** @type {number[]} */
  const latencies = [];
  let missing = 0;
  for (const [id, at] of written) {
    const arrived = seen.get(id);
    if (arrived === undefined) missing += 1;
    else latencies.push(Math.max(0, arrived - at));
  }
  latencies.sort((a, b) => a - b);
  console.log(
    `latency at ${offered.toFixed(1)} sessions/s for ${SECONDS} s over ${LATENCY_USERS} users (write answered → analysis on the progress feed): ` +
      `p50 ${pct(latencies, 50)} ms, p95 ${pct(latencies, 95)} ms, p99 ${pct(latencies, 99)} ms, max ${Math.round(latencies[latencies.length - 1] ?? NaN)} ms` +
      (missing ? `, ${missing} not seen within 15 s` : ''),
  );

  // 3. First sessions: users the worker does not follow yet (no session so far) record their first one,
  //    alternately with and without the gateway's activity hint written first (as at a sign-in).
  const newcomers = users.filter((user) => !backlog.has(user)).slice(0, FIRST_SESSIONS);
  if (newcomers.length > 0) {
    await call('PUT', `/${systemDatabases(PREFIX).activity}`).catch(() => undefined);
    /** @type {Map<string, number>} */
    const firstSeen = new Map();
    for (const user of newcomers) {
      feeds.push(
        follow(userDatabases(PREFIX, user).progress, (change) => {
          if (typeof change.id === 'string' && !firstSeen.has(change.id)) firstSeen.set(change.id, performance.now());
        }),
      );
    }
    await sleep(500); // the feeds are open
    /** @type {Array<{ id: string, hinted: boolean, at: number }>} */
    const firsts = [];
    for (const [i, user] of newcomers.entries()) {
      const hinted = i % 2 === 0;
      if (hinted) await call('PUT', `/${systemDatabases(PREFIX).activity}/${user}`, { at: new Date().toISOString() });
      await sleep(FIRST_SESSION_GAP_MS); // the device signs in, then the game is played
      const doc = nextSession();
      await call('PUT', `/${userDatabases(PREFIX, user).sessions}/${doc._id}`, doc);
      firsts.push({ id: `analysis:${doc._id}`, hinted, at: performance.now() });
    }
    const until = performance.now() + 15_000;
    while (performance.now() < until && firsts.some((f) => !firstSeen.has(f.id))) await sleep(50);
    for (const hinted of [true, false]) {
      const times = firsts
        .filter((f) => f.hinted === hinted && firstSeen.has(f.id))
        .map((f) => Math.max(0, /** @type {number} */ (firstSeen.get(f.id)) - f.at))
        .sort((a, b) => a - b);
      const lost = firsts.filter((f) => f.hinted === hinted).length - times.length;
      console.log(
        `first sessions ${hinted ? 'with' : 'without'} an activity hint (${times.length}): p50 ${pct(times, 50)} ms, p95 ${pct(times, 95)} ms, max ${Math.round(times[times.length - 1] ?? NaN)} ms` +
          (lost ? `, ${lost} not seen within 15 s` : ''),
      );
    }
  }
} finally {
  for (const feed of feeds) feed.abort();
  if (worker && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker?.once('exit', resolve));
    worker.kill('SIGTERM');
    await exited;
  }
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}

function startWorkerProcess() {
  const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  const child = spawn(process.execPath, [cli, 'run'], { env: { PATH: process.env['PATH'] ?? '', COUCHDB_URL: adminUrl, LOG_LEVEL: 'warn', ...passedWorkerSettings() }, stdio: ['ignore', 'inherit', 'inherit'] });
  return child;
}






/** WORKER_* settings of this process's environment reach the worker (e.g. WORKER_LIVE_FEEDS=0 for the path without followed feeds). */
function passedWorkerSettings() {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('WORKER_')));
}
