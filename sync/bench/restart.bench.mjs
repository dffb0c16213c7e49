// @ts-check
// Worker start-up against the embedded store with many users (N sessions
// databases and N progress databases):
//   1. a first start (no saved state): it visits all N and leaves a checkpoint
//      per database and the saved `_db_updates` position. By default each
//      database holds one new session, analysed here; with
//      --skip-first-start each holds only a design document (nothing to
//      analyse, the checkpoint is still the worker's own), so large N fit.
//   2. a start without a saved position (the full start-up sweep);
//   3. restarts from the saved position, --restarts rounds, each twice: the
//      worker's components started again in this process (as before), and
//      `m2m-sync run` as a new process (from spawn to its "caught up" line);
//   4. the paced safety-net sweep over all N (WORKER_SWEEP_RATE per second).
// Each reports the time until the worker says it is caught up (`caughtUp()`,
// what GET /ready reports), the sessions databases it visited, and per phase
// the store requests (counted as the store receives them) and database opens.
// The store keeps --max-open databases open (LevelDB); more are closed and
// reopened least recently used first.
//
// node bench/restart.bench.mjs [--databases 1000] [--skip-first-start] [--restarts 3]
//   [--sweep-rate 100] [--max-open 200] [--parallel 16] [--max-minutes 20]
import { spawn } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { synthesizeSession, userDatabases } from '@m2m/analysis-core';
import { loadWorkerConfig, startWorker } from '@m2m/sync';
import { medianOf, numberArg, sleep, startBenchStore, userId } from './benchSupport.mjs';

const args = process.argv.slice(2);
const DATABASES = Math.round(numberArg('databases', 1000));
const SKIP_FIRST_START = args.includes('--skip-first-start');
const RESTARTS = Math.round(numberArg('restarts', 3));
const SWEEP_RATE = numberArg('sweep-rate', 100);
const MAX_OPEN = Math.round(numberArg('max-open', 200));
const PARALLEL = Math.round(numberArg('parallel', 16));
const MAX_MINUTES = numberArg('max-minutes', 20);
const PREFIX = 'm2m-';
const POSITION_ID = encodeURIComponent('checkpoint:_db_updates:0-1');
const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

const { store, dataDir, adminUrl, authorization, call } = await startBenchStore('m2m-restart-bench-', { maxOpenDatabases: MAX_OPEN });
const config = loadWorkerConfig({ COUCHDB_URL: adminUrl, LOG_LEVEL: 'silent', WORKER_SWEEP_RATE: String(SWEEP_RATE) });

// Every request the store receives, by the kind of database it names (the worker's requests and ours alike).
/** @type {Record<string, number>} */
let requests = {};
subscribe('http.server.request.start', (message) => {
  const url = /** @type {{ request: { url?: string } }} */ (message).request.url ?? '/';
  const db = decodeURIComponent(url.split('?')[0]?.split('/')[1] ?? '');
  const kind = db.endsWith('-sessions') ? 'sessions' : db.endsWith('-progress') ? 'progress' : db === `${PREFIX}worker` ? 'worker' : db.startsWith('_') ? db : 'other';
  requests[kind] = (requests[kind] ?? 0) + 1;
});

/** What a phase cost the store: requests by kind and database opens, per visited database. */
function phaseCounter() {
  requests = {};
  const opens = store.stats().databaseOpens;
  const cpu = process.cpuUsage();
  return {
    /** CPU of this process (the store, and the worker when it runs here) per visited database, ms. @param {number} visited */
    cpuPerDb(visited) {
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / 1000 / Math.max(1, visited);
    },
    /** @param {number} visited */
    report(visited) {
      const per = (/** @type {number} */ n) => (visited > 0 ? (n / visited).toFixed(2) : '-');
      const kinds = Object.entries(requests)
        .sort((a, b) => b[1] - a[1])
        .map(([kind, n]) => `${kind} ${n} (${per(n)}/db)`)
        .join(', ');
      return `store requests: ${kinds || 'none'}; database opens ${store.stats().databaseOpens - opens} (${per(store.stats().databaseOpens - opens)}/db); CPU here ${this.cpuPerDb(visited).toFixed(1)} ms/db`;
    },
  };
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const seconds = (/** @type {number} */ ms) => (ms / 1000).toFixed(2);

/** @type {import('@m2m/sync').RunningWorker | undefined} */
let running;
/** @type {import('node:child_process').ChildProcess | undefined} */
let child;

async function cleanUp() {
  child?.kill('SIGKILL');
  await running?.stop().catch(() => undefined);
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}

// The machine is shared: a bench that runs too long stops and leaves nothing behind.
const watchdog = setTimeout(() => {
  console.error(`time limit of ${MAX_MINUTES} min reached; stopping`);
  void cleanUp().finally(() => process.exit(1));
}, MAX_MINUTES * 60_000);
watchdog.unref();

/** @param {import('@m2m/sync').WorkerOptions} [options] */
async function timedStart(options = {}) {
  const t = performance.now();
  running = await startWorker(config, { sweepIntervalMs: 0, ...options });
  await running.caughtUp();
  return { worker: running, ms: performance.now() - t };
}

async function stopWorker() {
  await running?.stop();
  running = undefined;
}

/** Waits until the worker has saved its `_db_updates` position (it does once every announced database is processed). */
async function positionSaved() {
  for (;;) {
    const res = await fetch(`${store.url}/${PREFIX}worker/${POSITION_ID}`, { headers: { authorization } });
    await res.text();
    if (res.ok) return;
    await sleep(200);
  }
}

/** `m2m-sync run` as its own process: ms from spawn to its "caught up" log line; then stopped (SIGTERM). */
async function processRestart() {
  const t = performance.now();
  child = spawn(process.execPath, [CLI, 'run'], {
    env: { PATH: process.env['PATH'] ?? '', COUCHDB_URL: adminUrl, LOG_LEVEL: 'info', WORKER_SWEEP_RATE: String(SWEEP_RATE) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const proc = child;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const ms = await new Promise((resolve, reject) => {
    let buffered = '';
    proc.stdout?.on('data', (chunk) => {
      buffered += String(chunk);
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.includes('"sync worker caught up"')) resolve(performance.now() - t);
      }
    });
    void exited.then(() => reject(new Error('the worker process ended before it was caught up')));
  });
  proc.kill('SIGTERM');
  await exited;
  child = undefined;
  return /** @type {number} */ (ms);
}

try {
  console.log(`restart bench: node ${process.version}, ${os.availableParallelism()} cores, ${DATABASES} users, store bound ${MAX_OPEN} open databases, load ${load()}`);
  const started = performance.now();

  // 0. Set-up: each user's two databases and one document in the sessions database, PARALLEL users at a time.
  let t = performance.now();
  const { id, ...session } = synthesizeSession({ seed: 1, durationS: 5 });
  const seed = SKIP_FIRST_START ? { path: '_design/bench-seed', body: { language: 'javascript' } } : { path: id, body: session };
  let nextUser = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (nextUser < DATABASES) {
        const names = userDatabases(PREFIX, userId(nextUser++));
        await Promise.all([call('PUT', `/${names.sessions}`).then(() => call('PUT', `/${names.sessions}/${seed.path}`, seed.body)), call('PUT', `/${names.progress}`)]);
      }
    }),
  );
  console.log(`set-up: ${DATABASES} users (${SKIP_FIRST_START ? 'a design document' : 'one new session'} each) in ${seconds(performance.now() - t)} s, load ${load()}`);

  // 1. First start: no saved state. It leaves the checkpoints and the position the restarts resume from.
  let counter = phaseCounter();
  const first = await timedStart();
  const firstStats = first.worker.stats();
  await positionSaved();
  await stopWorker();
  console.log(
    `first start (${SKIP_FIRST_START ? 'nothing to analyse' : `${DATABASES} new sessions`}): caught up in ${seconds(first.ms)} s, visited ${firstStats.sweepVisits}, analysed ${firstStats.processed}; ${counter.report(firstStats.sweepVisits)}; load ${load()}`,
  );

  // 2. Start without a saved position (the full sweep every restart did before): the position is deleted, the checkpoints kept.
  await call('DELETE', `/${PREFIX}worker/${POSITION_ID}?rev=${(await call('GET', `/${PREFIX}worker/${POSITION_ID}`))._rev}`);
  counter = phaseCounter();
  const sweep = await timedStart();
  const sweepStats = sweep.worker.stats();
  const sweepReport = counter.report(sweepStats.sweepVisits);
  await positionSaved();
  await stopWorker();
  console.log(`start without a saved position (full sweep): caught up in ${seconds(sweep.ms)} s, visited ${sweepStats.sweepVisits} (${(sweep.ms / Math.max(1, sweepStats.sweepVisits)).toFixed(1)} ms/db); ${sweepReport}; load ${load()}`);

  // 3. Restarts from the saved position, interleaved: in this process, and as a new process.
  /** @type {number[]} */
  const inProcess = [];
  /** @type {number[]} */
  const newProcess = [];
  /** @type {number[]} */
  const checkpointReads = [];
  for (let round = 1; round <= RESTARTS; round++) {
    counter = phaseCounter();
    const restart = await timedStart();
    const stats = restart.worker.stats();
    await stopWorker();
    inProcess.push(restart.ms);
    console.log(`round ${round}: restart in this process: caught up in ${seconds(restart.ms)} s, visited ${stats.databases.length}, sweeps ${JSON.stringify(stats.sweeps)}; ${counter.report(DATABASES)} (per user); load ${load()}`);
    counter = phaseCounter();
    const ms = await processRestart();
    newProcess.push(ms);
    console.log(`round ${round}: restart as a new process (m2m-sync run): caught up ${seconds(ms)} s after spawn; ${counter.report(DATABASES)} (per user)`);
    // What grows with the users in a restart: reading every checkpoint at once (CheckpointStore.loadAll).
    t = performance.now();
    const page = await call('GET', `/${PREFIX}worker/_all_docs?include_docs=true&startkey=${encodeURIComponent('"checkpoint:"')}&endkey=${encodeURIComponent('"checkpoint:\ufff0"')}`);
    checkpointReads.push(performance.now() - t);
    if (round === 1) console.log(`the checkpoints: ${page.rows.length} documents, read in ${(performance.now() - t).toFixed(0)} ms`);
  }
  console.log(
    `restarts from the saved position, median of ${RESTARTS}: in this process ${seconds(medianOf(inProcess))} s [${inProcess.map(seconds).join(', ')}], new process ${seconds(medianOf(newProcess))} s [${newProcess.map(seconds).join(', ')}]; reading all checkpoints ${medianOf(checkpointReads).toFixed(0)} ms`,
  );

  // 4. The paced safety-net sweep (a restart, then a periodic sweep 1 ms later), timed from the restart's caught up.
  running = await startWorker(config, { sweepIntervalMs: 1 });
  await running.caughtUp();
  counter = phaseCounter();
  t = performance.now();
  while (running.stats().sweepVisits < DATABASES) await sleep(100);
  const pacedS = (performance.now() - t) / 1000;
  const pacedReport = counter.report(DATABASES);
  await stopWorker();
  console.log(`paced safety-net sweep asked ${SWEEP_RATE}/s: ${DATABASES} databases in ${pacedS.toFixed(1)} s (${(DATABASES / pacedS).toFixed(0)}/s reached); ${pacedReport}`);
  console.log(`done in ${((performance.now() - started) / 60_000).toFixed(1)} min; load at the end ${load()}`);
} finally {
  clearTimeout(watchdog);
  await cleanUp();
}
