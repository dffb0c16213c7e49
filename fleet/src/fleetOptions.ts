/** A fleet run, as the command line or a test describes it. */
export interface FleetOptions {
  /** The gateway's base URL. */
  url: string;
  devices: number;
  /** Sessions each device records. */
  sessions: number;
  /** Mean time between two sessions of one device. */
  intervalMs: number;
  /** Share of time a device spends offline, 0..1. */
  offlineProb: number;
  /** Length of one online/offline period. */
  flapMs: number;
  seed: number;
  /** Length of each synthetic session. */
  sessionDurationS: number;
  /** Devices per worker thread, 1..7. */
  perThread: number;
  analysis: 'inline' | 'worker';
  /** Each device thread runs the recording code on throwaway sessions before registering, so cold code does not slow the server while first sessions are timed. */
  warmUp: boolean;
  /** Each device thread also takes one throwaway device (its own account) through a whole session round trip before its measured devices register: the SDK and RxDB path a phone's running app has warm. */
  warmRoundTrip: boolean;
  /** The SDK's replication retry time. */
  retryMs: number;
  /** Device i's clock is off by clockSkewHours[i % length] hours. */
  clockSkewHours: number[];
  syncOnReconnect: boolean;
  /** Devices registering at once across the fleet (each costs the gateway a password hash). */
  registerConcurrency: number;
  /** How long registration of the whole fleet may take. */
  registerTimeoutMs: number;
  /** How long a device waits, after its last recording, for everything to be confirmed. */
  settleTimeoutMs: number;
}

/** RxDB's free version opens 13 collections per realm, a 14th after waiting 1.8 s for one to close (at registration, not timed), none beyond; two per client. */
export const MAX_DEVICES_PER_THREAD = 7;

export const DEFAULT_OPTIONS: Omit<FleetOptions, 'url'> = {
  devices: 10,
  sessions: 5,
  intervalMs: 2_000,
  offlineProb: 0,
  flapMs: 5_000,
  seed: 1,
  sessionDurationS: 15,
  perThread: MAX_DEVICES_PER_THREAD,
  analysis: 'inline',
  warmUp: true,
  warmRoundTrip: false,
  retryMs: 1_000,
  clockSkewHours: [],
  syncOnReconnect: true,
  registerConcurrency: 8,
  registerTimeoutMs: 600_000,
  settleTimeoutMs: 120_000,
};

/** A fleet option out of range: the message names it. */
export class FleetOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FleetOptionError';
  }
}

/** Throws FleetOptionError naming the first option out of range. */
export function checkFleetOptions(options: FleetOptions): FleetOptions {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new FleetOptionError(`url must be the gateway's http(s) URL, got ${JSON.stringify(options.url)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FleetOptionError(`url must be http or https, got ${url.protocol}`);
  const whole = (name: keyof FleetOptions, min: number, max: number): void => {
    const value = options[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new FleetOptionError(`${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
    }
  };
  whole('devices', 1, 100_000);
  whole('sessions', 1, 10_000);
  whole('perThread', 1, MAX_DEVICES_PER_THREAD);
  whole('registerConcurrency', 1, 1000);
  whole('seed', 0, Number.MAX_SAFE_INTEGER);
  const positive = (name: keyof FleetOptions, max: number): void => {
    const value = options[name];
    if (typeof value !== 'number' || !(value > 0) || value > max) throw new FleetOptionError(`${name} must be a number above 0 and at most ${max}, got ${String(value)}`);
  };
  positive('intervalMs', 86_400_000);
  positive('flapMs', 86_400_000);
  positive('sessionDurationS', 600);
  positive('retryMs', 600_000);
  positive('registerTimeoutMs', 86_400_000);
  positive('settleTimeoutMs', 86_400_000);
  if (!(options.offlineProb >= 0 && options.offlineProb < 1)) throw new FleetOptionError(`offlineProb must be at least 0 and below 1, got ${options.offlineProb}`);
  if (options.analysis !== 'inline' && options.analysis !== 'worker') throw new FleetOptionError(`analysis must be inline or worker, got ${String(options.analysis)}`);
  for (const h of options.clockSkewHours) {
    if (!Number.isFinite(h) || Math.abs(h) > 24 * 365) throw new FleetOptionError(`clock skews must be hours within a year, got ${h}`);
  }
  return { ...options, url: url.href.replace(/\/+$/, '') };
}
