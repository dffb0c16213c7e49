// @ts-check
// The care team's cost in the sync worker: a clinician follows 200 patients.
// The store runs in this process; the worker (`m2m-sync run`, the built
// dist/cli/main.js) runs as its own process and reaches the store through a
// counting HTTP proxy, so every request it makes is counted by database kind.
//
// 1. Linking: 200 link documents are written into `<prefix>links` as the
//    gateway writes them; time until the clinician's care database holds a
//    `patient:<P>` document for each.
// 2. Rounds, interleaved: a "linked" round writes sessions at a steady rate to
//    the 200 linked patients, a "control" round the same to 200 patients
//    nobody follows. Per round: the worker's CPU time (/proc/<pid>/stat) and
//    its store requests, per session. Linked minus control (medians over the
//    rounds) is what one link costs the worker per session.
//    Latency (linked rounds): session written (PUT answered) → its
//    `analysis:<P>:<sessionId>` on the care database's continuous feed (the
//    same `_bulk_docs` carries the patient's flags), p50/p99; and, for 20
//    patients whose progress databases are followed too, → the analysis in
//    the patient's own progress database, the pipeline's part.
//
// 3. Restart (unless --no-restart): the worker is stopped and started again; its
//    start-up reconciliation of every active link (what makes a copy lost in
//    a crash good): time from the new process's start to its log line, and
//    its store requests.
//
// node bench/care.bench.mjs [--patients 200] [--rounds 6] [--sessions 40] [--rate 10] [--no-restart]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { systemDatabases } from '@m2m/couch';
import { careDatabase, sessionIdAt, synthesizeSession, userDatabases } from '@m2m/analysis-core';
import { medianOf, numberArg, pct, sleep, startBenchStore, userId } from './benchSupport.mjs';

const PATIENTS = Math.round(numberArg('patients', 200));
const ROUNDS = Math.round(numberArg('rounds', 6));
const SESSIONS = Math.round(numberArg('sessions', 40));
const RATE = numberArg('rate', 10);
const RESTART = !process.argv.includes('--no-restart');
const WATCHED = Math.min(20, Math.floor(PATIENTS / 2));
const DISTINCT = 20;
const PREFIX = 'm2m-';
const CLOCK_TICK_MS = 10; // USER_HZ = 100 on Linux

const { store, dataDir, adminUrl, authorization, call, follow } = await startBenchStore('m2m-care-bench-');
const linksDb = systemDatabases(PREFIX).links;
const clinician = userId(100_000);
const careDb = careDatabase(PREFIX, clinician);

/** Requests the worker made, by kind of database. @type {Record<string, number>} */
const requests = {};
const proxy = await countingProxy(new URL(store.url));
/** @type {import('node:child_process').ChildProcess | undefined} */
let worker;
/** @type {AbortController[]} */
const feeds = [];

try {
  console.log(`care bench: node ${process.version}, ${os.availableParallelism()} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}, load ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  const linked = Array.from({ length: PATIENTS }, (_, i) => userId(i));
  const control = Array.from({ length: PATIENTS }, (_, i) => userId(50_000 + i));
  await call('PUT', `/${linksDb}`);
  await call('PUT', `/${careDb}`);
  for (const user of [...linked, ...control]) for (const db of Object.values(userDatabases(PREFIX, user))) await call('PUT', `/${db}`);

  const bodies = Array.from({ length: DISTINCT }, (_, i) => synthesizeSession({ seed: i + 1, durationS: 30 }));
  let serial = 0;
  const nextSession = () => {
    const body = /** @type {import('@m2m/analysis-core').Session} */ (bodies[serial % bodies.length]);
    serial += 1;
    const startedMs = Date.now() - 3_600_000 + serial * 100;
    const bytes = new Uint8Array(10);
    new DataView(bytes.buffer).setUint32(0, serial);
    /** @type {Record<string, unknown>} */
    const rest = { ...body };
    delete rest['id'];
    return { ...rest, _id: sessionIdAt(startedMs, bytes), startedAt: new Date(startedMs).toISOString() };
  };

  /** When each care document id was first seen, and each watched progress analysis. @type {Map<string, number>} */
  const seenCare = new Map();
  /** @type {Map<string, number>} */
  const seenProgress = new Map();
  feeds.push(follow(careDb, (change) => typeof change.id === 'string' && !seenCare.has(change.id) && seenCare.set(change.id, performance.now())));
  for (const user of [...linked.slice(0, WATCHED), ...control.slice(0, WATCHED)]) {
    feeds.push(follow(userDatabases(PREFIX, user).progress, (change) => typeof change.id === 'string' && !seenProgress.has(`${user}/${change.id}`) && seenProgress.set(`${user}/${change.id}`, performance.now())));
  }
  await sleep(500);

  worker = startWorkerProcess(proxy.url);
  // Started: its status is written as its components start; the rest of the start-up is a moment.
  await waitFor(async () => (await fetchStatus(`/${PREFIX}worker/status:shard-0-of-1`)) === 200, 30_000);
  await sleep(1000);

  // 1. Linking.
  let t = performance.now();
  const at = new Date().toISOString();
  for (let i = 0; i < linked.length; i += 100) {
    const docs = linked.slice(i, i + 100).map((p) => ({
      _id: `link:${p}:${clinician}`,
      type: 'link',
      schemaVersion: 1,
      patientId: p,
      clinicianId: clinician,
      patientUsername: `patient-${p.slice(0, 6)}`,
      clinicianUsername: 'clinician',
      status: 'active',
      history: [{ event: 'linked', at, by: 'clinician' }],
    }));
    await call('POST', `/${linksDb}/_bulk_docs`, { docs });
  }
  await waitFor(() => linked.every((p) => seenCare.has(`patient:${p}`)), 120_000);
  const linkS = (performance.now() - t) / 1000;
  console.log(`linking: ${PATIENTS} links written → every patient:<P> in the care database in ${linkS.toFixed(2)} s (${(PATIENTS / linkS).toFixed(0)} links/s)`);

  // 2. Interleaved rounds.
  /** @type {{ linked: number[], control: number[] }} */
  const cpuPerSession = { linked: [], control: [] };
  /** @type {{ linked: Record<string, number>[], control: Record<string, number>[] }} */
  const requestsPerSession = { linked: [], control: [] };
  /** @type {number[]} */
  const careLatency = [];
  /** @type {number[]} */
  const progressLatencyLinked = [];
  /** @type {number[]} */
  const progressLatencyControl = [];
  const next = { linked: 0, control: 0 };
  for (let round = 0; round < ROUNDS * 2; round++) {
    const kind = round % 2 === 0 ? 'linked' : 'control';
    const group = kind === 'linked' ? linked : control;
    const cpuBefore = cpuMs(/** @type {number} */ (worker.pid));
    const requestsBefore = { ...requests };
    /** @type {Array<{ user: string, id: string, writtenAt: number }>} */
    const written = [];
    t = performance.now();
    for (let i = 0; i < SESSIONS; i++) {
      const due = t + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      // Every other session to a watched patient (whose progress database is followed too), the rest round-robin over the others.
      const user = /** @type {string} */ (i % 2 === 0 ? group[(i / 2) % WATCHED] : group[WATCHED + (next[kind]++ % (group.length - WATCHED))]);
      const doc = nextSession();
      await call('PUT', `/${userDatabases(PREFIX, user).sessions}/${doc._id}`, doc);
      written.push({ user, id: doc._id, writtenAt: performance.now() });
    }
    if (kind === 'linked') {
      await waitFor(() => written.every((w) => seenCare.has(`analysis:${w.user}:${w.id}`)), 120_000);
    } else {
      for (const w of written) await waitFor(async () => (await fetchStatus(`/${userDatabases(PREFIX, w.user).progress}/analysis:${w.id}`)) === 200, 120_000);
    }
    await sleep(300); // the batch's checkpoint and the care writes after the last analysis
    const cpu = cpuMs(/** @type {number} */ (worker.pid)) - cpuBefore;
    cpuPerSession[kind].push(cpu / SESSIONS);
    /** @type {Record<string, number>} */
    const perSession = {};
    for (const [key, value] of Object.entries(requests)) perSession[key] = (value - (requestsBefore[key] ?? 0)) / SESSIONS;
    requestsPerSession[kind].push(perSession);
    for (const w of written) {
      const progressAt = seenProgress.get(`${w.user}/analysis:${w.id}`);
      if (kind === 'linked') {
        careLatency.push(/** @type {number} */ (seenCare.get(`analysis:${w.user}:${w.id}`)) - w.writtenAt);
        if (progressAt) progressLatencyLinked.push(progressAt - w.writtenAt);
      } else if (progressAt) {
        progressLatencyControl.push(progressAt - w.writtenAt);
      }
    }
    console.log(`round ${round + 1} (${kind}): ${(cpu / SESSIONS).toFixed(1)} CPU ms/session, requests/session ${JSON.stringify(round2(perSession))}`);
  }

  const sorted = (/** @type {number[]} */ values) => [...values].sort((a, b) => a - b);
  const care = sorted(careLatency);
  const progLinked = sorted(progressLatencyLinked);
  const progControl = sorted(progressLatencyControl);
  const cpuLinked = medianOf(cpuPerSession.linked);
  const cpuControl = medianOf(cpuPerSession.control);
  const kinds = [...new Set([...requestsPerSession.linked, ...requestsPerSession.control].flatMap((r) => Object.keys(r)))].sort();
  const reqMedian = (/** @type {'linked' | 'control'} */ kind, /** @type {string} */ key) => medianOf(requestsPerSession[kind].map((r) => r[key] ?? 0));
  console.log('');
  console.log(`latency, session written → analysis in the clinician's care database: p50 ${pct(care, 50)} ms, p99 ${pct(care, 99)} ms (n=${care.length})`);
  console.log(`  the pipeline's part, → analysis in the patient's progress database: linked p50 ${pct(progLinked, 50)} ms, p99 ${pct(progLinked, 99)} ms (n=${progLinked.length}); control p50 ${pct(progControl, 50)} ms, p99 ${pct(progControl, 99)} ms (n=${progControl.length})`);
  console.log(`worker CPU per session (median of ${ROUNDS} rounds each): linked ${cpuLinked.toFixed(1)} ms, control ${cpuControl.toFixed(1)} ms → one link ${(cpuLinked - cpuControl).toFixed(1)} ms (ratio ${(cpuLinked / cpuControl).toFixed(2)})`);
  for (const key of kinds) console.log(`  requests per session to ${key}: linked ${reqMedian('linked', key).toFixed(2)}, control ${reqMedian('control', key).toFixed(2)}`);
  const total = (/** @type {'linked' | 'control'} */ kind) => kinds.reduce((sum, key) => sum + reqMedian(kind, key), 0);
  console.log(`  all: linked ${total('linked').toFixed(2)}, control ${total('control').toFixed(2)} → one link ${(total('linked') - total('control')).toFixed(2)} requests per session`);
  if (RESTART) {
    // 3. Restart: the start-up reconciliation of every active link.
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker?.once('exit', resolve));
    const before = { ...requests };
    const startedAt = performance.now();
    worker = startWorkerProcess(proxy.url, 'info');
    /** @type {{ links: number, ms: number } | undefined} */
    let reconciled;
    let out = '';
    worker.stdout?.on('data', (chunk) => {
      out += String(chunk);
      for (const line of out.split('\n')) if (line.includes('care links reconciled at start')) reconciled ??= JSON.parse(line);
      out = out.slice(out.lastIndexOf('\n') + 1);
    });
    await waitFor(() => reconciled !== undefined, 120_000);
    const wallS = (performance.now() - startedAt) / 1000;
    const r = /** @type {{ links: number, ms: number }} */ (reconciled);
    /** @type {Record<string, number>} */
    const delta = {};
    for (const [key, value] of Object.entries(requests)) if (value - (before[key] ?? 0) > 0) delta[key] = value - (before[key] ?? 0);
    console.log(`restart: ${r.links} active links reconciled in ${(r.ms / 1000).toFixed(2)} s after the care upkeep started (${wallS.toFixed(2)} s from process start), worker CPU ${cpuMs(/** @type {number} */ (worker.pid))} ms in all; store requests meanwhile ${JSON.stringify(delta)}`);
  }
  console.log(`load average after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
} finally {
  for (const feed of feeds) feed.abort();
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker?.once('exit', resolve));
  }
  proxy.server.close();
  proxy.server.closeAllConnections();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}

/** @param {Record<string, number>} values */
function round2(values) {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Math.round(v * 100) / 100]));
}

/** @param {string} path */
async function fetchStatus(path) {
  const res = await fetch(store.url + path, { headers: { authorization } });
  await res.arrayBuffer();
  return res.status;
}

/** @param {() => boolean | Promise<boolean>} check @param {number} timeoutMs */
async function waitFor(check, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

/** The process's user + system CPU time so far, ms. @param {number} pid */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
}

/** The kind of database a request path names, for the counts. @param {string} path */
function kindOf(path) {
  const db = decodeURIComponent(path.split('?')[0]?.split('/')[1] ?? '');
  if (db.endsWith('-care')) return 'care';
  if (db.endsWith('-progress')) return 'progress';
  if (db.endsWith('-sessions')) return 'sessions';
  if (db === linksDb) return 'links';
  return db.startsWith('_') ? 'server' : 'system';
}

/** An HTTP proxy to the store that counts requests by kind of database. @param {URL} target */
async function countingProxy(target) {
  const server = http.createServer((req, res) => {
    const kind = kindOf(req.url ?? '/');
    requests[kind] = (requests[kind] ?? 0) + 1;
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    // The client gave up (a long poll cancelled): so does the upstream request.
    res.on('close', () => !res.writableFinished && upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = new URL(adminUrl);
  url.host = `127.0.0.1:${address.port}`;
  return { server, url: url.toString().replace(/\/$/, '') };
}

/** @param {string} couchdbUrl @param {string} [logLevel] */
function startWorkerProcess(couchdbUrl, logLevel = 'warn') {
  const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  return spawn(process.execPath, [cli, 'run'], { env: { PATH: process.env['PATH'] ?? '', COUCHDB_URL: couchdbUrl, LOG_LEVEL: logLevel, WORKER_POOL_SIZE: '2' }, stdio: ['ignore', logLevel === 'warn' ? 'inherit' : 'pipe', 'inherit'] });
}
