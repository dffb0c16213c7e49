/**
 * Dropouts: moments when the glove's radio loses samples. They start as a
 * Poisson process and last an exponentially distributed time; every channel
 * is lost at once because the samples travel in one packet.
 */
import type { SeededRandom } from './random.js';

/** A run of lost samples: indices [start, end). */
export interface Dropout {
  start: number;
  end: number;
}

/**
 * The dropouts over `sampleCount` samples: start times with a rate of
 * `ratePerMinute` (inter-arrival times exponential with mean 60 / rate s),
 * lengths exponential with mean `meanMs`, each at least one sample (a loss
 * shorter than a sample interval still costs the sample in flight). Runs are
 * in order; overlapping ones are merged. None when the rate is 0.
 */
export function planDropouts(random: SeededRandom, sampleCount: number, sampleRateHz: number, ratePerMinute: number, meanMs: number): Dropout[] {
  const runs: Dropout[] = [];
  if (ratePerMinute <= 0 || sampleCount === 0) return runs;
  const meanGapS = 60 / ratePerMinute;
  const durationS = sampleCount / sampleRateHz;
  let tS = random.exponential(meanGapS);
  while (tS < durationS) {
    const start = Math.min(sampleCount - 1, Math.ceil(tS * sampleRateHz));
    const length = Math.max(1, Math.round((random.exponential(meanMs) / 1000) * sampleRateHz));
    const end = Math.min(sampleCount, start + length);
    const previous = runs[runs.length - 1];
    if (previous && start <= previous.end) previous.end = Math.max(previous.end, end);
    else runs.push({ start, end });
    tS += random.exponential(meanGapS);
  }
  return runs;
}

/** Sets the samples of every dropout to NaN in each of `channels`. */
export function applyDropouts(channels: readonly Float64Array[], dropouts: readonly Dropout[]): void {
  for (const { start, end } of dropouts) {
    for (const values of channels) values.fill(NaN, start, end);
  }
}
