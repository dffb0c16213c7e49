import { SeededRandom } from '@m2m/analysis-core';

/** What one simulated device will do, as offsets in ms from the common start of recording. */
export interface DevicePlan {
  /** When each session is recorded, ascending. */
  recordAtMs: number[];
  /** Seeds of the synthetic recordings, one per session. */
  sessionSeeds: number[];
  /** Periods without network, [start, end), ascending and disjoint. */
  offline: Array<[number, number]>;
}

export interface PlanOptions {
  sessions: number;
  /** Mean time between two sessions of one device. */
  intervalMs: number;
  /** Share of time slots the device spends offline, 0..1. */
  offlineProb: number;
  /** Length of one online/offline slot. */
  flapMs: number;
}

/**
 * A device's schedule from the run's seed and the device's index. Sessions
 * come at jittered intervals (half to one and a half times the mean, the
 * first within one interval) so devices do not record in lock step. Time is cut into slots of `flapMs`, each
 * offline with probability `offlineProb`, up to the last recording; after the
 * last offline slot the device stays online, so every run can finish.
 */
export function planDevice(options: PlanOptions, runSeed: number, device: number): DevicePlan {
  // One stream per device: a device's plan does not depend on how many others there are.
  const rng = new SeededRandom(runSeed, device);
  const random = (): number => rng.uniform();
  const recordAtMs: number[] = [];
  const sessionSeeds: number[] = [];
  let t = random() * options.intervalMs;
  for (let i = 0; i < options.sessions; i++) {
    recordAtMs.push(Math.round(t));
    sessionSeeds.push(Math.floor(random() * 2 ** 31));
    t += options.intervalMs * (0.5 + random());
  }
  const offline: Array<[number, number]> = [];
  const last = recordAtMs[recordAtMs.length - 1] ?? 0;
  if (options.offlineProb > 0) {
    for (let start = 0; start <= last; start += options.flapMs) {
      if (random() >= options.offlineProb) continue;
      const previous = offline[offline.length - 1];
      if (previous && previous[1] === start) previous[1] = start + options.flapMs;
      else offline.push([start, start + options.flapMs]);
    }
  }
  return { recordAtMs, sessionSeeds, offline };
}

/** Whether [from, to] overlaps an offline period of the plan. */
export function touchesOffline(plan: DevicePlan, fromMs: number, toMs: number): boolean {
  return plan.offline.some(([start, end]) => start <= toMs && end >= fromMs);
}
