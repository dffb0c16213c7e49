import type { QualityReport } from '../model/types.js';
import type { ChannelLayout } from '../codec/sensorCodec.js';

/** 'missing-data' is flagged when more than this share of sample indices is missing. */
export const MISSING_SHARE_LIMIT = 0.05;
/** 'long-gap' is flagged when the longest run of missing samples lasts more than this, in ms. */
export const LONG_GAP_MS = 250;
/** 'saturation' is flagged when more than this share of ranged values sits at a range end. */
export const SATURATED_SHARE_LIMIT = 0.01;
/** 'low-sample-rate' is flagged when the effective rate is below this share of the nominal rate. */
export const LOW_SAMPLE_RATE_RATIO = 0.9;
/** 'short-session' is flagged when the recording lasts less than this, in s. */
export const SHORT_SESSION_S = 10;

/** The flags `dataQuality` can raise (alphabetical, the order they appear in). */
export const QUALITY_FLAGS = [
  'long-gap',
  'low-sample-rate',
  'missing-data',
  'no-samples',
  'saturation',
  'short-session',
] as const;
export type QualityFlag = (typeof QUALITY_FLAGS)[number];

/** One channel as `dataQuality` needs it: samples (NaN = missing), quantisation step, optional measuring range. */
export interface QualityChannel {
  values: ArrayLike<number>;
  /** The sensor's measuring range [low, high] in the channel's unit, when known. */
  range?: [number, number];
  /** Quantisation step in the channel's unit. */
  scale: number;
}

/**
 * Data quality of a recording (all channels sampled together at
 * `sampleRateHz`). It looks at the raw samples, before any cleaning.
 *
 * - sampleCount: the longest channel's length (a shorter channel counts as
 *   missing past its end). A sample index is missing when any channel is NaN
 *   (or otherwise not finite) there.
 * - missingShare = missing indices / sampleCount (0 when there are no samples).
 * - gapCount: number of maximal runs of consecutive missing indices.
 * - longestGapMs: length of the longest run · 1000 / sampleRateHz (a run of
 *   k missing samples lasts k sample periods); 0 when nothing is missing.
 * - effectiveSampleRateHz = non-missing indices / (sampleCount / sampleRateHz),
 *   in Hz; null when there are no samples.
 * - saturatedShare: among the finite values of the channels that declare a
 *   `range`, the share at or within one `scale` step of either end (at or
 *   beyond; a relative tolerance of 1e-6 step absorbs rounding of quantised
 *   values); null when no channel declares a range or those channels hold no
 *   finite value.
 * - flags (see the exported limits), alphabetical: 'missing-data' when
 *   missingShare > 0.05, 'long-gap' when longestGapMs > 250, 'saturation' when
 *   saturatedShare > 0.01, 'low-sample-rate' when effectiveSampleRateHz <
 *   0.9·sampleRateHz, 'short-session' when sampleCount / sampleRateHz < 10 s
 *   (so also for an empty recording), 'no-samples' when sampleCount is 0.
 *
 * Edge case: with a sample rate that is not a positive number no duration can
 * be computed: longestGapMs is 0, effectiveSampleRateHz null, and the
 * time-based flags ('long-gap', 'low-sample-rate', 'short-session') are not
 * raised.
 */
export function dataQuality(channels: ArrayLike<QualityChannel>, sampleRateHz: number): QualityReport {
  const channelCount = channels.length;
  let sampleCount = 0;
  for (let c = 0; c < channelCount; c++) {
    sampleCount = Math.max(sampleCount, (channels[c] as QualityChannel).values.length);
  }
  const tally = new QualityTally(sampleCount);
  for (let c = 0; c < channelCount; c++) tally.add(channels[c] as QualityChannel);
  return tally.report(sampleRateHz);
}

/**
 * {@link dataQuality} one channel at a time: `add` each channel of a
 * recording of `sampleCount` samples (its longest channel's length), then
 * `report`; the same report as `dataQuality` of those channels. Lets a
 * decoder count each channel while its samples are still in the cache.
 */
export class QualityTally {
  /** Per index: 1 when any channel is missing there. */
  private readonly missing: Uint8Array;
  private rangedValues = 0;
  private saturated = 0;
  private anyRange = false;

  constructor(private readonly sampleCount: number) {
    this.missing = new Uint8Array(sampleCount);
  }

  /**
   * Counts one channel. With the decoder's `layout` of it, a channel whose
   * present samples all lie strictly inside its range (or, without a range,
   * are all finite) is counted from its missing runs alone: no sample of it
   * can be saturated or missing elsewhere, so the counts are the same.
   */
  add(channel: QualityChannel, layout?: ChannelLayout): void {
    const { values, range, scale } = channel;
    const { missing, sampleCount } = this;
    const len = values.length;
    for (let i = len; i < sampleCount; i++) missing[i] = 1;
    if (layout !== undefined && this.addFromLayout(len, range, scale, layout)) return;
    if (range === undefined) {
      for (let i = 0; i < len; i++) if (!Number.isFinite(values[i] as number)) missing[i] = 1;
      return;
    }
    this.anyRange = true;
    const step = Math.abs(scale) * (1 + 1e-6);
    const low = range[0] + step;
    const high = range[1] - step;
    let rangedValues = 0;
    let saturated = 0;
    for (let i = 0; i < len; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) {
        missing[i] = 1;
        continue;
      }
      rangedValues++;
      if (v <= low || v >= high) saturated++;
    }
    this.rangedValues += rangedValues;
    this.saturated += saturated;
  }

  /** {@link add} from the layout alone; false (nothing counted) when the samples must be looked at. */
  private addFromLayout(len: number, range: [number, number] | undefined, scale: number, layout: ChannelLayout): boolean {
    const { lowest, highest, missingRuns } = layout;
    if (!(Number.isFinite(lowest) && Number.isFinite(highest))) return false;
    if (range !== undefined) {
      const step = Math.abs(scale) * (1 + 1e-6);
      if (!(lowest > range[0] + step && highest < range[1] - step)) return false;
    }
    const { missing } = this;
    let missingCount = 0;
    for (let k = 0; k < missingRuns.length; k += 2) {
      const start = missingRuns[k] as number;
      const end = start + (missingRuns[k + 1] as number);
      missing.fill(1, start, end);
      missingCount += end - start;
    }
    if (range !== undefined) {
      this.anyRange = true;
      this.rangedValues += len - missingCount;
    }
    return true;
  }

  report(sampleRateHz: number): QualityReport {
    const { missing, sampleCount, anyRange, rangedValues, saturated } = this;
    let missingCount = 0;
    let gapCount = 0;
    let longestGap = 0;
    // Run by run: the engine's indexOf skips the present stretches faster than a loop over every index.
    for (let start = missing.indexOf(1); start >= 0; ) {
      const after = missing.indexOf(0, start);
      const end = after < 0 ? sampleCount : after;
      const run = end - start;
      missingCount += run;
      gapCount++;
      if (run > longestGap) longestGap = run;
      start = after < 0 ? -1 : missing.indexOf(1, after);
    }

    const rateOk = sampleRateHz > 0 && sampleRateHz < Infinity;
    const missingShare = sampleCount === 0 ? 0 : missingCount / sampleCount;
    const longestGapMs = rateOk ? (longestGap * 1000) / sampleRateHz : 0;
    const effectiveSampleRateHz =
      rateOk && sampleCount > 0 ? (sampleCount - missingCount) / (sampleCount / sampleRateHz) : null;
    const saturatedShare = anyRange && rangedValues > 0 ? saturated / rangedValues : null;

    const flags: QualityFlag[] = [];
    if (longestGapMs > LONG_GAP_MS) flags.push('long-gap');
    if (effectiveSampleRateHz !== null && effectiveSampleRateHz < LOW_SAMPLE_RATE_RATIO * sampleRateHz) {
      flags.push('low-sample-rate');
    }
    if (missingShare > MISSING_SHARE_LIMIT) flags.push('missing-data');
    if (sampleCount === 0) flags.push('no-samples');
    if (saturatedShare !== null && saturatedShare > SATURATED_SHARE_LIMIT) flags.push('saturation');
    if (rateOk && sampleCount / sampleRateHz < SHORT_SESSION_S) flags.push('short-session');
    // Pushed in QUALITY_FLAGS order, which is alphabetical; sorting again keeps that promise if a flag is added out of order.
    flags.sort();
    return { effectiveSampleRateHz, missingShare, gapCount, longestGapMs, saturatedShare, flags };
  }
}
