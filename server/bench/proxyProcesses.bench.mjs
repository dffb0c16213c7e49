// @ts-check
// `_bulk_docs` through the gateway with each part in a process of its own, as
// deployed: the client here, the store in one child, the gateway in another.
// So the gateway's CPU and its garbage collection per request are measured
// apart from the client's and the store's. Interleaved rounds on fresh
// one-minute sessions (20 per request, about 1 MB): direct (client → store)
// and gateway (client → gateway → store); with `--baseline <dist>` (repeatable) a further
// gateway runs another build's `server/dist` (a copy kept beside this one) in
// the same rounds, for a before/after on the same store (the copy's imports of
// other packages, @m2m/couch among them, resolve to this checkout's unless
// rewritten to copies of their own).
// Each `--node-flags="<flags>"` (repeatable) runs every build once more with those Node/V8 flags.
// Run with `node bench/proxyProcesses.bench.mjs [--baseline <dist>]... [--node-flags="<flags>"]...` in server/ after a build.
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { storeUrlWithCredentials } from '@m2m/couch';
import { admin, adminHeader, freshSessionDocs } from './benchSessions.mjs';

const { values: args } = parseArgs({ options: { baseline: { type: 'string', multiple: true }, 'node-flags': { type: 'string', multiple: true } } });
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 24);
const WARMUP_ROUNDS = 3;
const BATCH = 20;

/** @typedef {{ cpuMs: number, gcMs?: number, gcCount?: number, majorGcCount?: number, faults?: number }} Usage */
/** @type {(child: import('node:child_process').ChildProcess, message?: string) => Promise<any>} */
const ask = (child, message) =>
  new Promise((resolve) => {
    child.once('message', resolve);
    if (message) child.send(message);
  });

const freshBody = () => JSON.stringify({ docs: freshSessionDocs(BATCH) });

const dataDir = await mkdtemp(join(os.tmpdir(), 'm2m-proxy-processes-'));
const store = fork(new URL('./storeProcess.mjs', import.meta.url), [join(dataDir, 'store')]);
const { url: storeUrl } = /** @type {{ url: string }} */ (await ask(store));
/** @type {Array<{ name: string, dist?: string, execArgv?: string[] }>} */
const plainBuilds = [{ name: 'gateway' }, ...(args.baseline ?? []).map((dist, i) => ({ name: i === 0 ? 'baseline' : `baseline${i + 1}`, dist }))];
// Each --node-flags runs every build once more, in a process started with those flags (e.g. V8's heap sizes).
const flagSets = (args['node-flags'] ?? []).map((flags) => flags.split(' ').filter(Boolean));
const builds = plainBuilds.flatMap((b) => [b, ...flagSets.map((execArgv, i) => ({ ...b, name: `${b.name}flags${flagSets.length > 1 ? i + 1 : ''}`, execArgv }))]);
const sides = ['direct', ...builds.map((b) => b.name)];
const bodies = Array.from({ length: (ROUNDS + WARMUP_ROUNDS) * sides.length }, freshBody);

/** @type {Record<string, { url: string, auth: string, child?: import('node:child_process').ChildProcess }>} */
const targets = { direct: { url: `${storeUrl}/bench-direct/_bulk_docs`, auth: adminHeader } };
try {
  await fetch(`${storeUrl}/bench-direct`, { method: 'PUT', headers: { authorization: adminHeader } });
  for (const build of builds) {
    const child = fork(new URL('./gatewayProcess.mjs', import.meta.url), [storeUrlWithCredentials(storeUrl, admin), join(dataDir, build.name), ...(build.dist ? [build.dist] : [])], { execArgv: build.execArgv ?? [] });
    const { url } = /** @type {{ url: string }} */ (await ask(child));
    const registered = await fetch(`${url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: `bench-${build.name}`, password: 'a long enough password' }),
    }).then((r) => /** @type {Promise<{ accessToken: string }>} */ (r.json()));
    targets[build.name] = { url: `${url}/sync/sessions/_bulk_docs`, auth: `Bearer ${registered.accessToken}`, child };
  }

  /** @type {Record<string, number[]>} */
  const samples = {};
  const record = (/** @type {string} */ name, /** @type {number} */ value) => (samples[name] ??= []).push(value);
  let next = 0;
  for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
    /** @type {Record<string, number>} */
    const walls = {};
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      const target = /** @type {{ url: string, auth: string, child?: import('node:child_process').ChildProcess }} */ (targets[side]);
      const storeBefore = /** @type {Usage} */ (await ask(store, 'cpu'));
      const gatewayBefore = target.child ? /** @type {Usage} */ (await ask(target.child, 'cpu')) : undefined;
      const started = performance.now();
      const rows = await fetch(target.url, {
        method: 'POST',
        headers: { authorization: target.auth, accept: 'application/json', 'content-type': 'application/json' },
        body: /** @type {string} */ (bodies[next++]),
      }).then((r) => /** @type {Promise<Array<{ ok?: boolean }>>} */ (r.json()));
      const wall = performance.now() - started;
      const gatewayAfter = target.child ? /** @type {Usage} */ (await ask(target.child, 'cpu')) : undefined;
      const storeAfter = /** @type {Usage} */ (await ask(store, 'cpu'));
      if (!Array.isArray(rows) || rows.length !== BATCH || !rows.every((row) => row.ok)) throw new Error(`${side}: a write failed: ${JSON.stringify(rows).slice(0, 300)}`);
      if (round < 0) continue;
      walls[side] = wall;
      record(`${side} wall`, wall);
      record(`${side} store`, storeAfter.cpuMs - storeBefore.cpuMs);
      if (gatewayBefore && gatewayAfter) {
        record(`${side} cpu`, gatewayAfter.cpuMs - gatewayBefore.cpuMs);
        record(`${side} gc`, (gatewayAfter.gcMs ?? 0) - (gatewayBefore.gcMs ?? 0));
        record(`${side} gcs`, (gatewayAfter.gcCount ?? 0) - (gatewayBefore.gcCount ?? 0));
        record(`${side} majors`, (gatewayAfter.majorGcCount ?? 0) - (gatewayBefore.majorGcCount ?? 0));
        record(`${side} faults`, (gatewayAfter.faults ?? 0) - (gatewayBefore.faults ?? 0));
      }
    }
    // Each side against direct in the same round: the machine's slow spells then weigh on both.
    if (round >= 0) for (const side of sides) record(`${side} paired`, /** @type {number} */ (walls[side]) / /** @type {number} */ (walls['direct']));
  }

  const median = (/** @type {string} */ name) => {
    const sorted = [...(samples[name] ?? [])].sort((a, b) => a - b);
    return sorted.length === 0 ? Number.NaN : /** @type {number} */ (sorted[Math.floor(sorted.length / 2)]);
  };
  const mean = (/** @type {string} */ name) => {
    const values = samples[name] ?? [];
    return values.reduce((sum, v) => sum + v, 0) / values.length;
  };
  const f = (/** @type {number} */ ms) => (Number.isNaN(ms) ? '' : ms.toFixed(1));
  console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}; ${ROUNDS} rounds after ${WARMUP_ROUNDS}, interleaved; ${BATCH} one-minute sessions (${(Buffer.byteLength(/** @type {string} */ (bodies[0])) / 1e6).toFixed(2)} MB) per request; client, store and each gateway in processes of their own`);
  console.table(
    sides.map((side) => ({
      side,
      'wall ms': f(median(`${side} wall`)),
      'wall vs direct': `${((median(`${side} wall`) / median('direct wall') - 1) * 100).toFixed(0)}%`,
      'paired, per round': `${((median(`${side} paired`) - 1) * 100).toFixed(0)}%`,
      'gateway CPU ms (median)': f(median(`${side} cpu`)),
      'gateway CPU ms (mean)': side === 'direct' ? '' : f(mean(`${side} cpu`)),
      'gateway GC ms (mean)': side === 'direct' ? '' : f(mean(`${side} gc`)),
      'collections per request': side === 'direct' ? '' : mean(`${side} gcs`).toFixed(2),
      'of which full': side === 'direct' ? '' : mean(`${side} majors`).toFixed(2),
      'page faults per request': side === 'direct' ? '' : f(median(`${side} faults`)),
      'store CPU ms': f(median(`${side} store`)),
    })),
  );
  console.log(`load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
} finally {
  const stopping = Object.values(targets).flatMap(({ child }) => (child ? [new Promise((resolve) => child.once('exit', resolve))] : []));
  for (const { child } of Object.values(targets)) child?.send('stop');
  await Promise.all(stopping);
  store.send('stop');
  await new Promise((resolve) => store.once('exit', resolve));
  await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
}
