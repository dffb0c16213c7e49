/**
 * Synthetic glove recordings for tests, demos and benchmarks: deterministic
 * (seeded) and physiologically plausible.
 *
 * Model (details in the modules named):
 * - Game (game.ts): prompts every promptIntervalS ± 10% for a random finger
 *   (never the same twice in a row). A prompt is a `hit` at the first sample,
 *   within the hit window (1.2 s, at most 80% of the interval), where the
 *   recorded flex angle of the prompted finger reaches its rest angle +
 *   70% of the level's target excursion (40° + 2.5° per level above 1);
 *   else a `miss` when the window closes. score = 100 × hits.
 * - Hand (hand.ts): per prompt, after a reaction delay (0.22 s + 0.3 s ×
 *   impairment), the finger flexes from rest (10–15°) by 70° × (1 − 0.5 ×
 *   impairment) along minimum-jerk steps over 0.35 s + 0.5 s × impairment,
 *   split into 2–3 overlapping sub-movements when impaired; holds 0.3–0.6 s
 *   (+0.8 s × impairment: delayed release after stroke); extends back the
 *   same way. Adjacent fingers follow 10–15% (enslavement), more when
 *   impaired. Flex sensors drift ±0.5° slowly.
 * - Tremor (tremor.ts): tremorAmplitudeDeg × (1 ± 0.2 slowly) at tremorHz on
 *   every flex channel, and its angular velocity on gyro x/y.
 * - IMU (imu.ts): gravity in a slowly drifting wrist orientation, jolts
 *   from finger accelerations, body rates of the drift, noise.
 * - Measurement: gaussian noise (noiseDeg) on the flex angles; dropouts
 *   (dropouts.ts) set every channel to NaN together; values are clamped to
 *   each channel's range, so the codec accepts them.
 *
 * Every part draws from its own seeded stream, so that, for one seed, the
 * prompt schedule does not depend on the impairment or the noise, and the
 * trial-by-trial variation of the movements does not depend on the noise.
 */
import { flexChannelId, STANDARD_CHANNELS } from '../model/channels.js';
import { FINGERS, type ChannelSamples, type DeviceInfo, type Recording } from '../model/types.js';
import { applyDropouts, planDropouts } from './dropouts.js';
import { HIT_FRACTION, hitWindowS, judgePrompts, schedulePrompts, targetExcursionDeg } from './game.js';
import { synthesizeHand } from './hand.js';
import { synthesizeImu } from './imu.js';
import { addNoise } from './noise.js';
import { resolveSynthOptions, type SynthOptions } from './options.js';
import { SeededRandom } from './random.js';
import { synthesizeTremor } from './tremor.js';

export type { SynthOptions } from './options.js';

/** The independent random streams, one per part of the model. Changing a number changes every recording. */
export const STREAMS = { game: 1, hand: 2, tremor: 3, imu: 4, flexNoise: 5, dropouts: 6, sessionId: 7 } as const;

const DEVICE: DeviceInfo = { platform: 'android', appVersion: '1.0.0', glove: { model: 'M2M-Glove', firmware: '2.1.0' } };

/** Limits every finite sample to [lo, hi]; NaN stays NaN. */
function clampInPlace(values: Float64Array, lo: number, hi: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? NaN;
    if (v < lo) values[i] = lo;
    else if (v > hi) values[i] = hi;
  }
}

/**
 * A synthetic recording for `options` (see SynthOptions for the defaults and
 * the ranges; a bad option throws a RangeError naming it). It has
 * round(durationS × sampleRateHz) samples on the channels of
 * STANDARD_CHANNELS, in that order (values: Float64Array, NaN in dropouts),
 * durationMs = round(durationS × 1000), the prompt/hit/miss events in time
 * order and score = 100 × hits. The same options give the same recording,
 * bit for bit.
 */
export function synthesizeRecording(options: SynthOptions): Recording {
  const o = resolveSynthOptions(options);
  const fs = o.sampleRateHz;
  const n = Math.round(o.durationS * fs);
  const durationMs = Math.round(o.durationS * 1000);
  const windowMs = Math.round(hitWindowS(o.promptIntervalS) * 1000);

  const prompts = schedulePrompts(new SeededRandom(o.seed, STREAMS.game), durationMs, o.promptIntervalS, windowMs);
  const hand = synthesizeHand(new SeededRandom(o.seed, STREAMS.hand), prompts, n, fs, o.impairment);
  const tremor = o.tremorAmplitudeDeg > 0
    ? synthesizeTremor(new SeededRandom(o.seed, STREAMS.tremor), n, fs, o.tremorHz, o.tremorAmplitudeDeg)
    : null;

  const flexNoise = new SeededRandom(o.seed, STREAMS.flexNoise);
  const flex = hand.angles;
  flex.forEach((values, f) => {
    if (tremor) {
      const phase = tremor.fingerPhaseRad[f] ?? 0;
      const c = Math.cos(phase);
      const s = Math.sin(phase);
      for (let i = 0; i < n; i++) values[i] = (values[i] ?? 0) + c * (tremor.inPhase[i] ?? 0) + s * (tremor.quadrature[i] ?? 0);
    }
    addNoise(flexNoise, values, o.noiseDeg);
  });
  const imu = synthesizeImu(new SeededRandom(o.seed, STREAMS.imu), n, fs, hand.movementSum, tremor);

  const byId = new Map<string, Float64Array>(FINGERS.map((finger, f) => [flexChannelId(finger), flex[f]!]));
  (['x', 'y', 'z'] as const).forEach((axis, k) => {
    byId.set(`acc.${axis}`, imu.acc[k]!).set(`gyro.${axis}`, imu.gyro[k]!);
  });
  const all: Float64Array[] = [];
  const channels: ChannelSamples[] = STANDARD_CHANNELS.map((info) => {
    const values = byId.get(info.id);
    if (!values) throw new Error(`synthesizeRecording: no model for channel ${info.id}`);
    all.push(values);
    clampInPlace(values, info.range[0], info.range[1]);
    return { id: info.id, unit: info.unit, scale: info.scale, range: [info.range[0], info.range[1]], values };
  });
  applyDropouts(all, planDropouts(new SeededRandom(o.seed, STREAMS.dropouts), n, fs, o.dropoutRate, o.dropoutMs));

  const thresholds = hand.restDeg.map((rest) => rest + HIT_FRACTION * targetExcursionDeg(o.level));
  const { events, hits } = judgePrompts(prompts, flex, thresholds, fs, windowMs);
  return {
    gameId: o.gameId,
    level: o.level,
    startedAt: o.startedAt,
    durationMs,
    score: 100 * hits,
    device: { ...DEVICE, glove: { ...DEVICE.glove } },
    sampleRateHz: fs,
    channels,
    events,
  };
}
