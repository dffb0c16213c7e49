// @ts-check
// End-to-end device-to-device latency: a fleet of simulated phones (real
// mobile-sdk clients on memory storage, in worker threads of this process)
// against the embedded store, the gateway and one sync worker, each in its own
// process as `npm start` runs them. Latency is from a session stored on its
// device to the server's analysis of it visible on that device.
//
// For each fleet size: a fresh server side, every device registered first,
// then each records `--sessions` 15-second sessions at one per `--rate` per
// device (jittered), and the run ends when every device has its analyses and
// progress and has checked them. Where the time goes: the devices' own split
// (recorded → uploaded → confirmed), the worker's processing time (its
// metrics), and each process's share of the CPU while the fleet records.
//
// node bench/latency.bench.mjs [--devices 100,500] [--sessions 5] [--rate 10s] [--duration-s 15]
//   [--worker-concurrency default,16]   (WORKER_CONCURRENCY of the worker; `default` leaves it unset)
//   [--warm-up on,off,full] [--rounds 1] (device threads warmed before registering, or not; every combination once per round, interleaved)
//     on: the recording code on throwaway sessions (warmUp); full: that and one throwaway device per thread
//     through a whole session round trip (warmRoundTrip): the SDK and RxDB path a phone's running app has warm
// Run with `npm run bench` (here or at the root); figures go to BENCHMARKS.md.
import os from 'node:os';
import { DEFAULT_OPTIONS, distribution, formatSummary, parseRate, runFleet } from '@m2m/fleet';
import { freePort, startStack } from '../test/support/stack.mjs';

const args = process.argv.slice(2);
/** @param {string} name @param {string} fallback */
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
};
const SIZES = arg('devices', '100,500').split(',').map(Number);
const SESSIONS = Number(arg('sessions', '5'));
const INTERVAL_MS = parseRate(arg('rate', '10s'), 10_000);
const DURATION_S = Number(arg('duration-s', '15'));
const CONCURRENCIES = arg('worker-concurrency', 'default').split(',');
const WARM_UPS = arg('warm-up', 'on').split(',');
const ROUNDS = Number(arg('rounds', '1'));
if (WARM_UPS.some((w) => w !== 'on' && w !== 'off' && w !== 'full')) throw new Error('--warm-up takes off, on and full, or a list of them');
for (const n of [...SIZES, SESSIONS, DURATION_S, ROUNDS]) if (!(Number.isInteger(n) && n > 0)) throw new Error('--devices, --sessions and --duration-s take positive whole numbers');

const FIRST_SECONDS_MS = 10_000;
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`fleet latency bench: node ${process.version}, ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'unknown cpu'}), load ${load()}`);
console.log(`each device: ${SESSIONS} sessions of ${DURATION_S} s, one per ${INTERVAL_MS / 1000} s (jittered ±50%); analysis inline on the devices; worker pool = cores`);

for (let round = 1; round <= ROUNDS; round++) for (const devices of SIZES) for (const concurrency of CONCURRENCIES) for (const warmUp of WARM_UPS) {
  const metricsPort = await freePort();
  const workerEnv = { WORKER_METRICS_PORT: String(metricsPort), WORKER_METRICS_HOST: '127.0.0.1', ...(concurrency === 'default' ? {} : { WORKER_CONCURRENCY: concurrency }) };
  const stack = await startStack({ workerEnv });
  try {
    /** @type {Promise<Record<string, number>> | undefined} */
    let cpuAtStart;
    /** @type {Promise<number> | undefined} */
    let firstSeconds;
    const cpuNow = async () => ({
      simulator: cpuMs(process.cpuUsage()),
      // CPU only: a full collection in each server as recording starts would delay the first sessions.
      gateway: (await stack.probe('gateway', { gc: false })).cpuMs,
      store: (await stack.probe('store', { gc: false })).cpuMs,
      worker: (await stack.probe('worker', { gc: false })).cpuMs,
    });
    const started = Date.now();
    /** Latencies of every session but each device's first (the first sessions all fall in the run's first seconds). */
    const later = /** @type {number[]} */ ([]);
    /** Each device's first session alone. */
    const first = /** @type {number[]} */ ([]);
    /** The threads' throwaway devices (warm-up full). */
    const warmTrips = /** @type {number[]} */ ([]);
    const summary = await runFleet(
      { ...DEFAULT_OPTIONS, url: stack.gatewayUrl, warmUp: warmUp !== 'off', warmRoundTrip: warmUp === 'full', devices, sessions: SESSIONS, intervalMs: INTERVAL_MS, sessionDurationS: DURATION_S, settleTimeoutMs: 600_000 },
      {
        onProgress: (p) => {
          if (p.phase === 'running' && !cpuAtStart) {
            cpuAtStart = cpuNow();
            // The simulator's own share while the first sessions are timed: cold device code competes with the server here.
            const at = cpuMs(process.cpuUsage());
            firstSeconds = new Promise((resolve) => setTimeout(() => resolve((cpuMs(process.cpuUsage()) - at) / FIRST_SECONDS_MS), FIRST_SECONDS_MS));
          }
        },
        onWarmRoundTrip: (ms) => warmTrips.push(ms),
        onReport: (report) => {
          for (const s of report.sessions.slice(1)) if (s.confirmedAt !== null) later.push(s.confirmedAt - s.recordedAt);
          const s = report.sessions[0];
          if (s && s.confirmedAt !== null) first.push(s.confirmedAt - s.recordedAt);
        },
      },
    );
    const cpuAtEnd = await cpuNow();
    const runMs = summary.seconds.run * 1000;
    console.log(`\n=== round ${round}: ${devices} devices (${summary.threads} threads), WORKER_CONCURRENCY ${concurrency}, warm-up ${warmUp}, ${((Date.now() - started) / 1000).toFixed(0)} s in all, load ${load()}`);
    console.log(formatSummary(summary));
    const rest = distribution(later);
    console.log(`  without each device's first session: p50 ${rest.p50} ms, p95 ${rest.p95} ms, p99 ${rest.p99} ms, max ${rest.max} ms (${rest.count} sessions)`);
    const firsts = distribution(first);
    console.log(`  each device's first session only: p50 ${firsts.p50} ms, p95 ${firsts.p95} ms, p99 ${firsts.p99} ms, max ${firsts.max} ms (${firsts.count} sessions)`);
    if (warmTrips.length > 0) {
      const trips = distribution(warmTrips);
      console.log(`  warm-up: ${trips.count} of ${summary.threads} threads took a throwaway device through a session before registering (round trip p50 ${trips.p50} ms, max ${trips.max} ms; not counted above)`);
    }
    const worker = await workerMetrics(metricsPort);
    console.log(`worker: ${worker.processed} sessions; change read → analysis written, mean ${worker.meanMs} ms, ${worker.underHalfSecond}% within 0.5 s`);
    if (cpuAtStart) {
      const start = await cpuAtStart;
      const shares = Object.entries(cpuAtEnd).map(([name, ms]) => `${name} ${((ms - (start[name] ?? 0)) / runMs).toFixed(2)}`);
      console.log(`CPU while recording and settling, in cores (of ${os.availableParallelism()}): ${shares.join(', ')}`);
      if (firstSeconds) console.log(`simulator CPU in the first ${FIRST_SECONDS_MS / 1000} s of recording: ${(await firstSeconds).toFixed(2)} cores`);
    }
  } finally {
    await stack.close();
  }
}

/** @param {NodeJS.CpuUsage} usage */
function cpuMs(usage) {
  return (usage.user + usage.system) / 1000;
}

/** The worker's processing lag from its Prometheus metrics. @param {number} port */
async function workerMetrics(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  /** @param {string} name */
  const value = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const count = value('m2m_sync_processing_lag_seconds_count');
  const sum = value('m2m_sync_processing_lag_seconds_sum');
  const half = Number(/^m2m_sync_processing_lag_seconds_bucket\{[^}]*le="0\.5"[^}]*\} (\S+)$/m.exec(text)?.[1] ?? NaN);
  return {
    processed: count,
    meanMs: count > 0 ? Math.round((sum / count) * 1000) : null,
    underHalfSecond: count > 0 ? Math.round((half / count) * 100) : null,
  };
}
