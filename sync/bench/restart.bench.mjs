// @ts-check
// Worker start-up against the embedded store with many users: N sessions
// databases (one session each, already analysed by a first run), then
//   1. a first start (no saved position): the start-up sweep visits all N;
//   2. a restart (saved _db_updates position): no sweep;
//   3. the paced safety-net sweep over all N (WORKER_SWEEP_RATE per second).
// Each reports the time until the worker says it is caught up (`caughtUp()`,
// what GET /ready reports) and the sessions databases it visited.
//
// node bench/restart.bench.mjs [--databases 1000] [--sweep-rate 200]
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { synthesizeSession, userDatabases } from '@m2m/analysis-core';
import { startEmbeddedStore } from '@m2m/embedded-store';
import { loadWorkerConfig, startWorker } from '@m2m/sync';

const args = process.argv.slice(2);
/** @param {string} name @param {number} fallback */
const numberArg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
};
const DATABASES = numberArg('databases', 1000);
const SWEEP_RATE = numberArg('sweep-rate', 200);
const PREFIX = 'm2m-';

const admin = { username: 'admin', password: 'bench-admin-password' };
const authorization = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
const dataDir = await mkdtemp(join(os.tmpdir(), 'm2m-restart-bench-'));
const store = await startEmbeddedStore({ dataDir, port: 0, admin, maxOpenDatabases: 200 });
const adminUrl = (() => {
  const url = new URL(store.url);
  url.username = admin.username;
  url.password = admin.password;
  return url.toString().replace(/\/$/, '');
})();

/** @param {string} method @param {string} path @param {unknown} [body] */
async function call(method, path, body) {
  const res = await fetch(store.url + path, {
    method,
    headers: { authorization, accept: 'application/json', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok && res.status !== 412) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A valid user id (26 of [a-z2-7]) from a number. */
function userIdFor(/** @type {number} */ n) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let id = '';
  for (let k = 0, v = n; k < 26; k++, v = Math.floor(v / 32)) id = alphabet[v % 32] + id;
  return id;
}

const config = loadWorkerConfig({ COUCHDB_URL: adminUrl, LOG_LEVEL: 'silent', WORKER_SWEEP_RATE: String(SWEEP_RATE) });

/** @param {import('@m2m/sync').WorkerOptions} [options] */
async function timedStart(options = {}) {
  const t = performance.now();
  const worker = await startWorker(config, { sweepIntervalMs: 0, ...options });
  await worker.caughtUp();
  const ms = performance.now() - t;
  return { worker, ms };
}

try {
  console.log(`restart bench: node ${process.version}, ${os.availableParallelism()} cores, ${DATABASES} users, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  let t = performance.now();
  const { id, ...session } = synthesizeSession({ seed: 1, durationS: 5 });
  for (let i = 0; i < DATABASES; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, DATABASES - i) }, async (_, k) => {
        const names = userDatabases(PREFIX, userIdFor(i + k));
        await call('PUT', `/${names.sessions}`);
        await call('PUT', `/${names.progress}`);
        await call('PUT', `/${names.sessions}/${id}`, session);
      }),
    );
  }
  console.log(`created ${DATABASES} users with one session each in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // 0. Analyse everything once (a first start with one new session each), so later starts find nothing to do.
  const zero = await timedStart();
  console.log(`first start, ${DATABASES} new sessions: caught up and idle in ${(zero.ms / 1000).toFixed(1)} s (visited ${zero.worker.stats().databases.length} databases, ${zero.worker.stats().processed} analysed)`);
  // The position is saved once everything it announced is processed (a 2 s delay).
  for (;;) {
    const res = await fetch(`${store.url}/${PREFIX}worker/${encodeURIComponent('checkpoint:_db_updates:0-1')}`, { headers: { authorization } });
    await res.text();
    if (res.ok) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await zero.worker.stop();

  // 1. Start without a saved position: the full start-up sweep (what every restart did before).
  await call('DELETE', `/${PREFIX}worker/${encodeURIComponent('checkpoint:_db_updates:0-1')}?rev=${(await call('GET', `/${PREFIX}worker/${encodeURIComponent('checkpoint:_db_updates:0-1')}`))._rev}`);
  const sweepStart = await timedStart();
  console.log(`start without a saved position (full sweep): ${sweepStart.ms.toFixed(0)} ms, visited ${sweepStart.worker.stats().sweepVisits} databases`);
  for (;;) {
    const res = await fetch(`${store.url}/${PREFIX}worker/${encodeURIComponent('checkpoint:_db_updates:0-1')}`, { headers: { authorization } });
    await res.text();
    if (res.ok) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await sweepStart.worker.stop();

  // 2. Restart from the saved position.
  const restart = await timedStart();
  console.log(`restart from the saved position: ${restart.ms.toFixed(0)} ms, visited ${restart.worker.stats().databases.length} databases, sweeps ${JSON.stringify(restart.worker.stats().sweeps)}`);
  await restart.worker.stop();

  // 3. The paced safety-net sweep.
  t = performance.now();
  const paced = await startWorker(config, { sweepIntervalMs: 1 });
  await paced.caughtUp();
  while (paced.stats().sweepVisits < DATABASES) await new Promise((resolve) => setTimeout(resolve, 100));
  const pacedS = (performance.now() - t) / 1000;
  console.log(`paced safety-net sweep at ${SWEEP_RATE}/s: ${DATABASES} databases in ${pacedS.toFixed(1)} s (${(DATABASES / pacedS).toFixed(0)}/s)`);
  await paced.stop();
  console.log(`load at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}
