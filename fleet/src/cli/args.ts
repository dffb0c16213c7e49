import { parseCommandLine, UsageError } from '@m2m/service-kit';
import { checkFleetOptions, DEFAULT_OPTIONS, FleetOptionError, MAX_DEVICES_PER_THREAD, type FleetOptions } from '../fleetOptions.js';

export const USAGE = `Usage: m2m-sim --url <gateway> [options]

Simulates a fleet of phones, each a real mobile-sdk client (memory storage)
with its own account, recording synthetic sessions, losing the network at
random, and waiting for the server's analyses. Prints a summary; exits 0 when
nothing is missing, duplicated or pending, 1 otherwise, 2 on a bad command line.

  --url URL              The gateway, e.g. http://127.0.0.1:3000 (required)
  --devices N            Simulated devices (default ${DEFAULT_OPTIONS.devices})
  --sessions M           Sessions each device records (default ${DEFAULT_OPTIONS.sessions})
  --rate R               Per device: sessions per second (0.5), or one every
                         interval (2s, 500ms, 1m) (default one every ${DEFAULT_OPTIONS.intervalMs / 1000}s)
  --duration-s D         Length of each synthetic session in seconds (default ${DEFAULT_OPTIONS.sessionDurationS})
  --offline-prob P       Share of time each device is offline, 0 to <1 (default 0)
  --flap-s S             Length of one online/offline period (default ${DEFAULT_OPTIONS.flapMs / 1000})
  --seed S               Seed of the devices' plans (default ${DEFAULT_OPTIONS.seed})
  --clock-skew-h H[,H]   Device clocks off by these hours, assigned round robin (e.g. 0,-6,9)
  --per-thread K         Devices per worker thread, 1 to ${MAX_DEVICES_PER_THREAD} (default ${MAX_DEVICES_PER_THREAD})
  --analysis MODE        On-device analysis: inline (default) or worker
  --retry-ms MS          The SDK's replication retry time (default ${DEFAULT_OPTIONS.retryMs})
  --no-sync-on-reconnect Wait for the SDK's retry instead of syncing when the network returns
  --register-concurrency N  Devices registering at once (default ${DEFAULT_OPTIONS.registerConcurrency}): each costs the
                         gateway a password hash
  --register-timeout-s S How long registering the fleet may take (default ${DEFAULT_OPTIONS.registerTimeoutMs / 1000})
  --settle-timeout-s S   How long a device waits for its analyses after its last session (default ${DEFAULT_OPTIONS.settleTimeoutMs / 1000})
  --json FILE            Also write the summary as JSON to FILE
  --quiet                No progress bar
  --help                 This text`;

export { UsageError };

export type Command = { name: 'help' } | { name: 'run'; options: FleetOptions; jsonPath: string | null; quiet: boolean };

const OPTIONS = {
  url: { type: 'string' },
  devices: { type: 'string' },
  sessions: { type: 'string' },
  rate: { type: 'string' },
  'duration-s': { type: 'string' },
  'offline-prob': { type: 'string' },
  'flap-s': { type: 'string' },
  seed: { type: 'string' },
  'clock-skew-h': { type: 'string' },
  'per-thread': { type: 'string' },
  analysis: { type: 'string' },
  'retry-ms': { type: 'string' },
  'register-concurrency': { type: 'string' },
  'register-timeout-s': { type: 'string' },
  'settle-timeout-s': { type: 'string' },
  json: { type: 'string' },
  'no-sync-on-reconnect': { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parses the command line (after `node main.js`). Throws UsageError naming the option at fault. */
export function parseArgs(argv: readonly string[]): Command {
  // Help wins over any other problem on the line.
  if (argv.includes('-h') || argv.includes('--help')) return { name: 'help' };
  const { values: given } = parseCommandLine(argv, { options: OPTIONS });
  const values = new Map(Object.entries(given).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const url = values.get('url');
  if (url === undefined) throw new UsageError('--url is required: the gateway to simulate against, e.g. --url http://127.0.0.1:3000');

  const num = (name: string, fallback: number, check: (n: number) => boolean, rule: string): number => {
    const raw = values.get(name);
    if (raw === undefined) return fallback;
    const n = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} must be ${rule}, got ${JSON.stringify(raw)}`);
    return n;
  };
  const whole = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;
  const positive = (max: number) => (n: number) => n > 0 && n <= max;
  const d = DEFAULT_OPTIONS;

  const analysis = values.get('analysis') ?? d.analysis;
  if (analysis !== 'inline' && analysis !== 'worker') throw new UsageError(`--analysis must be inline or worker, got ${JSON.stringify(analysis)}`);
  const options: FleetOptions = {
    url,
    devices: num('devices', d.devices, whole(1, 100_000), 'a whole number from 1 to 100000'),
    sessions: num('sessions', d.sessions, whole(1, 10_000), 'a whole number from 1 to 10000'),
    intervalMs: parseRate(values.get('rate'), d.intervalMs),
    sessionDurationS: num('duration-s', d.sessionDurationS, positive(600), 'seconds above 0, at most 600'),
    offlineProb: num('offline-prob', d.offlineProb, (n) => n >= 0 && n < 1, 'a probability from 0 to below 1'),
    flapMs: num('flap-s', d.flapMs / 1000, positive(86_400), 'seconds above 0') * 1000,
    seed: num('seed', d.seed, whole(0, Number.MAX_SAFE_INTEGER), 'a whole number of at least 0'),
    clockSkewHours: parseSkews(values.get('clock-skew-h')),
    perThread: num('per-thread', d.perThread, whole(1, MAX_DEVICES_PER_THREAD), `a whole number from 1 to ${MAX_DEVICES_PER_THREAD} (RxDB opens at most 14 collections per thread, the 14th after a 1.8 s wait; 2 per device)`),
    analysis,
    warmUp: d.warmUp,
    warmRoundTrip: d.warmRoundTrip,
    retryMs: num('retry-ms', d.retryMs, positive(600_000), 'milliseconds above 0'),
    syncOnReconnect: given['no-sync-on-reconnect'] !== true,
    registerConcurrency: num('register-concurrency', d.registerConcurrency, whole(1, 1000), 'a whole number from 1 to 1000'),
    registerTimeoutMs: num('register-timeout-s', d.registerTimeoutMs / 1000, positive(86_400), 'seconds above 0') * 1000,
    settleTimeoutMs: num('settle-timeout-s', d.settleTimeoutMs / 1000, positive(86_400), 'seconds above 0') * 1000,
  };
  try {
    checkFleetOptions(options);
  } catch (err) {
    if (err instanceof FleetOptionError) throw new UsageError(err.message.replace(/^url /, '--url '));
    throw err;
  }
  return { name: 'run', options, jsonPath: values.get('json') ?? null, quiet: given.quiet === true };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** `--rate`: sessions per second per device ("0.5"), or the time between two ("2s", "500ms", "1m"); returns the interval in ms. */
export function parseRate(raw: string | undefined, fallbackMs: number): number {
  if (raw === undefined) return fallbackMs;
  const interval = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(raw.trim());
  if (interval) {
    const ms = Number(interval[1]) * (UNIT_MS[interval[2] as string] as number);
    if (ms > 0 && ms <= 86_400_000) return ms;
  } else if (/^\d+(?:\.\d+)?$/.test(raw.trim())) {
    const perSecond = Number(raw);
    if (perSecond > 0 && perSecond <= 1000) return 1000 / perSecond;
  }
  throw new UsageError(`--rate must be sessions per second per device (e.g. 0.5, at most 1000) or an interval (e.g. 2s, 500ms, 1m), got ${JSON.stringify(raw)}`);
}

function parseSkews(raw: string | undefined): number[] {
  if (raw === undefined) return [];
  return raw.split(',').map((part) => {
    const h = part.trim() === '' ? NaN : Number(part);
    if (!Number.isFinite(h) || Math.abs(h) > 24 * 365) throw new UsageError(`--clock-skew-h must be hours (within a year), comma separated, got ${JSON.stringify(raw)}`);
    return h;
  });
}
