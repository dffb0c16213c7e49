// @ts-check
// Memory soak: the gateway's and the store's resident memory while live
// replications connect and disconnect for two minutes. 21 simulated devices
// lose their network for about half of every second-long period, which breaks
// their two long-polls each time, while they record a session every 3 s.
// Memory is read in each process after a full GC, every 5 s.
//
// node bench/soak.bench.mjs [--seconds 120] [--devices 21]
// Run with `npm run bench` (here or at the root); figures go to BENCHMARKS.md.
// The test suite runs a 40-second version (test/fleet-memory.test.ts).
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_OPTIONS, formatSummary, runFleet } from '@m2m/fleet';
import { startStack } from '../test/support/stack.mjs';

const args = process.argv.slice(2);
/** @param {string} name @param {number} fallback */
const numberArg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} takes a positive whole number`);
  return value;
};
const SECONDS = numberArg('seconds', 120);
const DEVICES = numberArg('devices', 21);
const INTERVAL_MS = 3_000;
const MiB = 1024 * 1024;

console.log(`fleet soak bench: node ${process.version}, ${os.availableParallelism()} cores, ${DEVICES} devices flapping for ${SECONDS} s, load ${os.loadavg()[0]?.toFixed(1)}`);
const stack = await startStack();
try {
  const probe = async () => ({ at: Date.now(), gateway: await stack.probe('gateway'), store: await stack.probe('store') });
  const before = await probe();
  /** @type {Array<Awaited<ReturnType<typeof probe>>>} */
  const samples = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push(await probe());
      await sleep(5_000);
    }
  })();
  const summary = await runFleet({
    ...DEFAULT_OPTIONS,
    url: stack.gatewayUrl,
    devices: DEVICES,
    sessions: Math.ceil((SECONDS * 1000) / INTERVAL_MS),
    intervalMs: INTERVAL_MS,
    offlineProb: 0.5,
    flapMs: 1_000,
    sessionDurationS: 10,
    retryMs: 500,
  });
  sampling = false;
  await sampler;
  await sleep(3_000);
  const after = await probe();
  console.log(formatSummary(summary));
  console.log('\n| since start | gateway RSS | gateway heap | store RSS | store heap | store feeds | store open databases |');
  console.log('|---|---|---|---|---|---|---|');
  /** @param {string} label @param {Awaited<ReturnType<typeof probe>>} s */
  const row = (label, s) =>
    console.log(
      `| ${label} | ${mb(s.gateway.rss)} | ${mb(s.gateway.heapUsed)} | ${mb(s.store.rss)} | ${mb(s.store.heapUsed)} | ${s.store.store?.feeds.feeds ?? '?'} | ${s.store.store?.openDatabases ?? '?'} |`,
    );
  row('before', before);
  for (const s of samples.filter((_, i) => i % 3 === 0)) row(`${Math.round((s.at - before.at) / 1000)} s`, s);
  row('after, devices closed', after);
  const peak = (/** @type {'gateway' | 'store'} */ role) => mb(Math.max(...samples.map((s) => s[role].rss)));
  console.log(`\npeak RSS: gateway ${peak('gateway')}, store ${peak('store')}; gateway sockets after: ${after.gateway.handles['TCPSocketWrap'] ?? 0}`);
} finally {
  await stack.close();
}

/** @param {number} bytes */
function mb(bytes) {
  return `${(bytes / MiB).toFixed(0)} MB`;
}
