// @ts-check
// Where the replication proxy's `_bulk_docs` time goes. The store runs in a
// process of its own (as `npm start` and CouchDB run it), so each side's CPU is
// measured apart: this process holds the client and the gateway, the child the
// store. Three sides, interleaved, on fresh one-minute sessions each time:
//   direct  client → store
//   hop     client → a bare HTTP pass-through (buffers the body, sends it on; no
//           parse, no check) → store: the floor of any proxy over HTTP
//   proxy   client → gateway (token, parse, checks, quota) → store
// and, in this process without HTTP, the gateway's body pipeline on the same
// bodies: gathering the chunks, finding the documents in the bytes, and planBulkDocs (which parses each document as it judges it).
// Run with `node bench/proxyCost.bench.mjs` in server/ after a build; figures go to BENCHMARKS.md.
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { storeUrlWithCredentials } from '@m2m/couch';
import { planBulkDocs } from '../dist/proxy/bulkDocs.js';
import { parseJsonBytes } from '../dist/proxy/jsonBytes.js';
import { loadConfig } from '../dist/config.js';
import { startGateway } from '../dist/gateway.js';
import { admin, adminHeader, freshSessionDocs } from './benchSessions.mjs';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 20);
const WARMUP_ROUNDS = 3;
const BATCH = 20;
const SIDES = /** @type {const} */ (['direct', 'hop', 'proxy']);
const cpuMs = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
};

const freshBody = () => JSON.stringify({ docs: freshSessionDocs(BATCH) });
// Made before the servers start: generating sessions is not part of any side.
const bodies = Array.from({ length: (ROUNDS + WARMUP_ROUNDS) * SIDES.length }, freshBody);

const dataDir = await mkdtemp(join(os.tmpdir(), 'm2m-proxy-cost-'));
const child = fork(new URL('./storeProcess.mjs', import.meta.url), [join(dataDir, 'store')]);
/** @type {(message?: string) => Promise<any>} */
const ask = (message) =>
  new Promise((resolve) => {
    child.once('message', resolve);
    if (message) child.send(message);
  });
const { url: storeUrl } = /** @type {{ url: string }} */ (await ask());
const storeCpuMs = async () => /** @type {{ cpuMs: number }} */ (await ask('cpu')).cpuMs;

const config = loadConfig({
  NODE_ENV: 'test',
  PORT: '0',
  DATA_DIR: dataDir,
  COUCHDB_URL: storeUrlWithCredentials(storeUrl, admin),
  JWT_SECRET: 'bench-secret-0123456789-abcdefghijklmnop',
  LOG_LEVEL: 'silent',
  SHUTDOWN_GRACE_MS: '500',
});
const gateway = await startGateway(config);

const store = new URL(storeUrl);
const hopAgent = new http.Agent({ keepAlive: true });
const hop = http.createServer((req, res) => {
  /** @type {Uint8Array[]} */
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const upstream = http.request(
      {
        hostname: store.hostname,
        port: store.port,
        method: 'POST',
        path: '/bench-hop/_bulk_docs',
        agent: hopAgent,
        headers: { authorization: adminHeader, accept: 'application/json', 'content-type': 'application/json', 'content-length': body.length },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' });
        answer.pipe(res);
      },
    );
    upstream.end(body);
  });
});
await new Promise((resolve) => hop.listen(0, '127.0.0.1', () => resolve(undefined)));
const hopAddress = /** @type {import('node:net').AddressInfo} */ (hop.address());

try {
  const registered = await fetch(`${gateway.url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench-user', password: 'a long enough password' }),
  }).then((r) => /** @type {Promise<{ accessToken: string }>} */ (r.json()));
  for (const db of ['bench-direct', 'bench-hop']) await fetch(`${storeUrl}/${db}`, { method: 'PUT', headers: { authorization: adminHeader } });
  const targets = {
    direct: { url: `${storeUrl}/bench-direct/_bulk_docs`, auth: adminHeader },
    hop: { url: `http://127.0.0.1:${hopAddress.port}/`, auth: adminHeader },
    proxy: { url: `${gateway.url}/sync/sessions/_bulk_docs`, auth: `Bearer ${registered.accessToken}` },
  };

  /** @type {Record<string, number[]>} */
  const samples = {};
  const record = (/** @type {string} */ name, /** @type {number} */ value) => (samples[name] ??= []).push(value);
  let next = 0;
  for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? SIDES : [...SIDES].reverse();
    /** @type {Record<string, number>} */
    const walls = {};
    for (const side of order) {
      const body = /** @type {string} */ (bodies[next++]);
      const storeBefore = await storeCpuMs();
      const started = performance.now();
      const cpuBefore = cpuMs();
      const faultsBefore = process.resourceUsage().minorPageFault;
      const rows = await fetch(targets[side].url, {
        method: 'POST',
        headers: { authorization: targets[side].auth, accept: 'application/json', 'content-type': 'application/json' },
        body,
      }).then((r) => /** @type {Promise<Array<{ ok?: boolean }>>} */ (r.json()));
      const cpu = cpuMs() - cpuBefore;
      const faults = process.resourceUsage().minorPageFault - faultsBefore;
      const wall = performance.now() - started;
      const storeCpu = (await storeCpuMs()) - storeBefore;
      if (!Array.isArray(rows) || rows.length !== BATCH || !rows.every((row) => row.ok)) throw new Error(`${side}: a write failed: ${JSON.stringify(rows).slice(0, 300)}`);
      if (round < 0) continue;
      walls[side] = wall;
      record(`${side} wall`, wall);
      record(`${side} cpu`, cpu);
      record(`${side} store cpu`, storeCpu);
      record(`${side} faults`, faults);
    }
    // Each side against direct in the same round: a slow spell of the machine then weighs on both.
    if (round >= 0) for (const side of SIDES) record(`${side} paired`, /** @type {number} */ (walls[side]) / /** @type {number} */ (walls['direct']));
    // The gateway's body pipeline alone, on a body like the ones above, in 64 kB chunks as a socket delivers them.
    const bytes = Buffer.from(freshBody());
    /** @type {Uint8Array[]} */
    const chunks = [];
    for (let at = 0; at < bytes.length; at += 65_536) chunks.push(new Uint8Array(bytes.subarray(at, at + 65_536)));
    let before = cpuMs();
    const gathered = Buffer.concat(chunks);
    const gatherMs = cpuMs() - before;
    before = cpuMs();
    const parsed = parseJsonBytes(gathered, { docsOnDemand: true });
    const parseMs = cpuMs() - before;
    before = cpuMs();
    const plan = await planBulkDocs(parsed.value, config.maxDocBytes, undefined, parsed.utf8);
    const planMs = cpuMs() - before;
    if (plan.refused.length > 0) throw new Error('a synthetic session was refused');
    if (round < 0) continue;
    record('gather', gatherMs);
    record('parse', parseMs);
    record('plan', planMs);
  }

  const median = (/** @type {string} */ name) => {
    const sorted = [...(samples[name] ?? [])].sort((a, b) => a - b);
    return /** @type {number} */ (sorted[Math.floor(sorted.length / 2)]);
  };
  const f = (/** @type {number} */ ms) => ms.toFixed(1);
  console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; ${ROUNDS} rounds after ${WARMUP_ROUNDS}, sides interleaved; ${BATCH} one-minute sessions (${(Buffer.byteLength(/** @type {string} */ (bodies[0])) / 1e6).toFixed(2)} MB) per request; store in its own process`);
  console.table(
    SIDES.map((side) => ({
      side,
      'wall ms': f(median(`${side} wall`)),
      'wall vs direct': `${((median(`${side} wall`) / median('direct wall') - 1) * 100).toFixed(0)}%`,
      'paired, per round': `${((median(`${side} paired`) - 1) * 100).toFixed(0)}%`,
      'client+proxy CPU ms': f(median(`${side} cpu`)),
      'proxy CPU ms (over direct)': f(median(`${side} cpu`) - median('direct cpu')),
      'client+proxy page faults': Math.round(median(`${side} faults`)),
      'store CPU ms': f(median(`${side} store cpu`)),
    })),
  );
  console.log(
    `gateway body pipeline without HTTP, CPU ms (median): gather chunks ${f(median('gather'))}, find the documents ${f(median('parse'))}, planBulkDocs (parse + checks) ${f(median('plan'))}`,
  );
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  hop.close();
  hopAgent.destroy();
  await gateway.close();
  child.send('stop');
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
}
