// @ts-check
// Logins per second, and registration and login latency, at the old password
// cost (scrypt N = 2^15) and the new (N = 2^17), side by side in one run: two
// gateways over one embedded store, measured in interleaved rounds; medians.
// Each round fires CONCURRENT logins at once (a login storm) and times until
// the last answers. The store runs in its own process, as under `npm start`
// (in-process, its LevelDB work would wait behind the hashes in libuv's pool).
// Run: `npx tsc -b && node server/bench/login.bench.mjs`.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../dist/config.js';
import { startGateway } from '../dist/gateway.js';
import { storeUrlWithCredentials } from '@m2m/couch';
import { admin } from './benchSessions.mjs';

const ROUNDS = 5;
const CONCURRENT = 16;
const PASSWORD = 'a long enough bench password';

const dataDir = await mkdtemp(join(os.tmpdir(), 'm2m-login-bench-'));
// The store's own process, through its package's bin (m2m-store).
const storeManifest = new URL(import.meta.resolve('@m2m/embedded-store/package.json'));
const storeBin = fileURLToPath(new URL(JSON.parse(readFileSync(storeManifest, 'utf8')).bin['m2m-store'], storeManifest));
const storePort = 40_000 + (process.pid % 20_000);
const storeProcess = spawn(process.execPath, [storeBin], {
  env: { ...process.env, DATA_DIR: dataDir, STORE_PORT: String(storePort), STORE_ADMIN: `${admin.username}:${admin.password}`, LOG_LEVEL: 'silent' },
  stdio: 'inherit',
});
const store = { url: `http://127.0.0.1:${storePort}` };
for (let tries = 0; ; tries++) {
  const up = await fetch(store.url).then((r) => r.status > 0, () => false);
  if (up) break;
  if (tries > 100) throw new Error('the store did not start');
  await new Promise((resolve) => setTimeout(resolve, 100));
}
/** @param {string} log2N */
const gatewayAt = (log2N) =>
  startGateway(
    loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      DATA_DIR: dataDir,
      COUCHDB_URL: storeUrlWithCredentials(store.url, admin),
      JWT_SECRET: 'bench-secret-0123456789-abcdefghijklmnop',
      LOG_LEVEL: 'silent',
      SHUTDOWN_GRACE_MS: '500',
      AUTH_RATE_LIMIT_PER_CLIENT: '1000000',
      AUTH_RATE_LIMIT_PER_USERNAME: '1000000',
      LOGIN_GUESSES_PER_HOUR: '1000000',
      SCRYPT_LOG2_N: log2N,
    }),
  );

/** @param {string} url @param {string} path @param {unknown} body */
async function post(url, path, body) {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const median = (/** @type {number[]} */ values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const sides = [
  { name: 'N=2^15 (before)', gateway: await gatewayAt('15'), perSecond: /** @type {number[]} */ ([]), registerMs: /** @type {number[]} */ ([]), loginMs: /** @type {number[]} */ ([]) },
  { name: 'N=2^17 (after)', gateway: await gatewayAt('17'), perSecond: /** @type {number[]} */ ([]), registerMs: /** @type {number[]} */ ([]), loginMs: /** @type {number[]} */ ([]) },
];

try {
  let n = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of sides) {
      const username = `bench-${process.pid}-${(n += 1)}`;
      let started = performance.now();
      await post(side.gateway.url, '/auth/register', { username, password: PASSWORD });
      side.registerMs.push(performance.now() - started);
      started = performance.now();
      await post(side.gateway.url, '/auth/login', { username, password: PASSWORD });
      side.loginMs.push(performance.now() - started);
      started = performance.now();
      await Promise.all(Array.from({ length: CONCURRENT }, () => post(side.gateway.url, '/auth/login', { username, password: PASSWORD })));
      side.perSecond.push(CONCURRENT / ((performance.now() - started) / 1000));
    }
  }
  console.log(`load average at the end: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}; ${os.cpus().length} cores, Node ${process.version}`);
  for (const side of sides) {
    console.log(
      `${side.name}: ${median(side.perSecond).toFixed(1)} logins/s (${CONCURRENT} at once), one registration ${median(side.registerMs).toFixed(0)} ms, one login ${median(side.loginMs).toFixed(0)} ms`,
    );
  }
  const [before, after] = sides.map((side) => median(side.perSecond));
  console.log(`ratio after/before logins/s: ${((after ?? NaN) / (before ?? NaN)).toFixed(2)}`);
} finally {
  for (const side of sides) await side.gateway.close();
  storeProcess.kill('SIGTERM');
  await new Promise((resolve) => storeProcess.once('exit', resolve));
  await rm(dataDir, { recursive: true, force: true });
}
