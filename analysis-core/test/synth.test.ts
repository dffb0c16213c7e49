import { describe, expect, it } from 'vitest';
import { decodeSensors } from '../src/codec/sensorCodec.js';
import { STANDARD_CHANNELS } from '../src/model/channels.js';
import { sessionIdAt } from '../src/model/sessionId.js';
import { FINGERS, type Finger, type GameEvent, type Recording } from '../src/model/types.js';
import { validateSession } from '../src/model/validateSession.js';
import { MinimumJerkTrack, minimumJerk } from '../src/synth/minimumJerk.js';
import { SeededRandom } from '../src/synth/random.js';
import { synthesizeRecording, synthesizeSession, type SynthOptions } from '../src/synth/synthesizeSession.js';

const valuesOf = (recording: Recording, id: string): Float64Array => {
  const channel = recording.channels.find((c) => c.id === id);
  if (!channel) throw new Error(`no channel ${id}`);
  expect(channel.values).toBeInstanceOf(Float64Array);
  return channel.values as Float64Array;
};
const flexOf = (recording: Recording, finger: Finger) => valuesOf(recording, `flex.${finger}`);
/** Index of the first sample whose bits differ (NaN equals NaN), −1 when none, the shorter length when only lengths differ. */
function firstDifference(a: Float64Array, b: Float64Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) return i;
  return a.length === b.length ? -1 : n;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Each prompt with the event that answers it (the next event). */
function trials(recording: Recording): { prompt: GameEvent; answer: GameEvent }[] {
  const out: { prompt: GameEvent; answer: GameEvent }[] = [];
  recording.events.forEach((e, i) => {
    if (e.kind === 'prompt') out.push({ prompt: e, answer: recording.events[i + 1]! });
  });
  return out;
}

/** Sample index of a time in ms at `fs`. */
const at = (tMs: number, fs: number) => Math.round((tMs * fs) / 1000);

/** max over [from, to) (cut at the end) of values[i] − values[from]: how far a finger flexed from where it was. */
function excursion(values: Float64Array, from: number, to: number): number {
  let max = -Infinity;
  for (let i = from; i < Math.min(to, values.length); i++) max = Math.max(max, values[i]! - values[from]!);
  return max;
}

/** Seconds from sample `from` until the finger first reaches 90% of its excursion within [from, to). */
function timeTo90(values: Float64Array, from: number, to: number, fs: number): number {
  const goal = 0.9 * excursion(values, from, to);
  for (let i = from; i < Math.min(to, values.length); i++) if (values[i]! - values[from]! >= goal) return (i - from) / fs;
  return NaN;
}

/** Amplitude of the component at `hz` (least squares on a sine and cosine over the whole signal, mean removed). */
function amplitudeAt(values: Float64Array, fs: number, hz: number): number {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let c = 0;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const w = (2 * Math.PI * hz * i) / fs;
    c += (values[i]! - mean) * Math.cos(w);
    s += (values[i]! - mean) * Math.sin(w);
  }
  return (2 / values.length) * Math.hypot(c, s);
}

describe('SeededRandom', () => {
  it('repeats its sequence for a seed and differs between seeds and streams', () => {
    const draw = (seed: number, stream = 0) => {
      const r = new SeededRandom(seed, stream);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(42)).not.toEqual(draw(42, 1));
    expect(draw(-1)).not.toEqual(draw(2 ** 32 - 1));
  });

  it('draws uniforms in [0, 1) with mean 1/2, and standard normals', () => {
    const r = new SeededRandom(7);
    const n = 100_000;
    let sumU = 0;
    let minU = 1;
    let maxU = 0;
    let sumZ = 0;
    let sumZ2 = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      sumU += u;
      minU = Math.min(minU, u);
      maxU = Math.max(maxU, u);
      const z = r.normal();
      sumZ += z;
      sumZ2 += z * z;
    }
    // Standard errors: uniform mean 0.29/√n ≈ 0.0009, normal mean 1/√n ≈ 0.003, variance √(2/n) ≈ 0.0045.
    expect(minU).toBeGreaterThanOrEqual(0);
    expect(maxU).toBeLessThan(1);
    expect(Math.abs(sumU / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(sumZ / n)).toBeLessThan(0.015);
    expect(Math.abs(sumZ2 / n - 1)).toBeLessThan(0.025);
  });

  it('refuses seeds that are not safe integers', () => {
    expect(() => new SeededRandom(1.5)).toThrow(RangeError);
    expect(() => new SeededRandom(Number.NaN)).toThrow(/seed/);
  });
});

describe('minimum-jerk steps', () => {
  it('follows 10τ³ − 15τ⁴ + 6τ⁵', () => {
    expect(minimumJerk(-1)).toBe(0);
    expect(minimumJerk(0)).toBe(0);
    expect(minimumJerk(0.5)).toBe(0.5);
    // 0.25³ · (10 − 3.75 + 0.375) = 0.015625 · 6.625
    expect(minimumJerk(0.25)).toBeCloseTo(0.103515625, 15);
    expect(minimumJerk(0.75)).toBeCloseTo(1 - 0.103515625, 15);
    expect(minimumJerk(1)).toBe(1);
    expect(minimumJerk(2)).toBe(1);
  });

  it('renders sums of steps: 0 before, the profile during, the amplitude after', () => {
    // At 100 Hz, a 10° step from 0.1 s over 0.2 s and a −4° step from 0.2 s over 0.2 s.
    const track = new MinimumJerkTrack(50, 100);
    track.addStep(0.1, 0.2, 10);
    track.addStep(0.2, 0.2, -4);
    const v = track.finish();
    expect(v[9]).toBe(0);
    expect(v[10]).toBe(0);
    expect(v[15]).toBeCloseTo(10 * 0.103515625, 12); // τ = 0.25 of the first step
    expect(v[20]).toBeCloseTo(5, 12); // τ = 0.5 of the first, 0 of the second
    expect(v[30]).toBeCloseTo(10 - 2, 12); // first done, second at τ = 0.5
    expect(v[40]).toBeCloseTo(6, 12);
    expect(v[49]).toBeCloseTo(6, 12);
  });
});

describe('synthesizeRecording', () => {
  it('gives the same bits for the same options and different data for another seed', () => {
    const options: SynthOptions = { seed: 11, durationS: 20, tremorAmplitudeDeg: 1, dropoutRate: 10 };
    const a = synthesizeRecording(options);
    const b = synthesizeRecording({ ...options });
    expect(b.events).toEqual(a.events);
    for (const channel of a.channels) expect(firstDifference(valuesOf(b, channel.id), valuesOf(a, channel.id)), channel.id).toBe(-1);
    const other = synthesizeRecording({ ...options, seed: 12 });
    for (const channel of a.channels) expect(firstDifference(valuesOf(other, channel.id), valuesOf(a, channel.id)), channel.id).toBeGreaterThanOrEqual(0);
    expect(other.events).not.toEqual(a.events);
  });

  it('keeps the prompt schedule when only the impairment or the noise changes (separate random streams)', () => {
    const prompts = (o: Partial<SynthOptions>) => synthesizeRecording({ seed: 5, durationS: 60, ...o }).events.filter((e) => e.kind === 'prompt');
    const reference = prompts({});
    expect(reference.length).toBeGreaterThan(10);
    expect(prompts({ impairment: 0.9 })).toEqual(reference);
    expect(prompts({ noiseDeg: 2, tremorAmplitudeDeg: 3 })).toEqual(reference);
  });

  it('has the standard channels in order, durationS × sampleRateHz samples and fixed device info', () => {
    const r = synthesizeRecording({ seed: 1, durationS: 12.345, sampleRateHz: 50, level: 3, gameId: 'pinch', startedAt: '2026-02-01T10:00:00Z' });
    expect(r.channels.map((c) => c.id)).toEqual(STANDARD_CHANNELS.map((c) => c.id));
    r.channels.forEach((c, k) => {
      expect(c).toMatchObject({ unit: STANDARD_CHANNELS[k]!.unit, scale: STANDARD_CHANNELS[k]!.scale, range: STANDARD_CHANNELS[k]!.range });
      expect(c.values.length).toBe(617); // round(12.345 × 50) = round(617.25)
    });
    expect(r).toMatchObject({ gameId: 'pinch', level: 3, startedAt: '2026-02-01T10:00:00Z', durationMs: 12345, sampleRateHz: 50 });
    expect(r.device).toEqual({ platform: 'android', appVersion: '1.0.0', glove: { model: 'M2M-Glove', firmware: '2.1.0' } });
  });

  it.each([1, 5, 10])('at level %i, answers every prompt once, in time, and scores 100 per hit', (level) => {
    const r = synthesizeRecording({ seed: 21, durationS: 120, level, impairment: 0.7 });
    const events = r.events;
    for (let i = 1; i < events.length; i++) expect(events[i]!.t).toBeGreaterThanOrEqual(events[i - 1]!.t);
    expect(events.every((e) => e.t >= 0 && e.t <= r.durationMs)).toBe(true);
    const list = trials(r);
    expect(events.length).toBe(2 * list.length);
    // The default interval: 2.5 s at level 1 down to 1.2 s at level 10, linearly; ±10% jitter.
    const interval = 2.5 - ((level - 1) * 1.3) / 9;
    const window = Math.min(1.2, 0.8 * interval) * 1000;
    list.forEach(({ prompt, answer }, k) => {
      expect(answer.finger).toBe(prompt.finger);
      expect(['hit', 'miss']).toContain(answer.kind);
      if (answer.kind === 'miss') expect(answer.t - prompt.t).toBe(Math.round(window));
      else expect(answer.t - prompt.t).toBeLessThanOrEqual(window);
      // A hit needs a movement; no reaction is faster than 120 ms.
      if (answer.kind === 'hit') expect(answer.t - prompt.t).toBeGreaterThanOrEqual(120);
      const next = list[k + 1]?.prompt;
      if (next) {
        expect(next.finger).not.toBe(prompt.finger);
        expect(next.t - prompt.t).toBeGreaterThanOrEqual(0.9 * interval * 1000 - 1);
        expect(next.t - prompt.t).toBeLessThanOrEqual(1.1 * interval * 1000 + 1);
      }
    });
    // 120 s with one prompt every `interval` s, the first after 1–1 + interval/2 s.
    expect(list.length).toBeGreaterThanOrEqual(Math.floor((120 - 1 - interval / 2 - 1.2) / (1.1 * interval)));
    expect(list.length).toBeLessThanOrEqual(Math.ceil((120 - 1) / (0.9 * interval)) + 1);
    const hits = list.filter((t) => t.answer.kind === 'hit').length;
    expect(r.score).toBe(100 * hits);
  });

  it('judges hits and misses on the recorded movement of the prompted finger', () => {
    // Level 1 asks for 40°: a hit once the finger is 0.7 × 40 = 28° above rest. Prompts ≥ 7.2 s
    // apart, longer than the slowest movement (~6.5 s), so each finger is back at rest (± 0.5°
    // drift) when prompted; no noise, no tremor.
    // Impairment 1: excursions of 35° ± 10% and slow movements, so both hits and misses.
    const fs = 100;
    const r = synthesizeRecording({ seed: 8, durationS: 300, impairment: 1, noiseDeg: 0, promptIntervalS: 8 });
    const list = trials(r);
    let hits = 0;
    let misses = 0;
    for (const { prompt, answer } of list) {
      const v = flexOf(r, prompt.finger!);
      const start = at(prompt.t, fs);
      const rest = v[start]!;
      if (answer.kind === 'hit') {
        hits++;
        const i = at(answer.t, fs);
        expect(v[i]! - rest).toBeGreaterThanOrEqual(28 - 1);
        expect(v[i - 1]! - rest).toBeLessThan(28 + 1); // the first sample over the line
      } else {
        misses++;
        expect(excursion(v, start, at(prompt.t + 1200, fs) + 1)).toBeLessThan(28 + 1);
      }
    }
    expect(hits).toBeGreaterThan(5);
    expect(misses).toBeGreaterThan(5);
  });

  it('lets a healthy hand hit every prompt', () => {
    // Healthy: ≥ 70° × 0.7 = 49° of flexion (excursion noise is bounded at 3 sd), reached
    // within 0.34 s + 0.46 s, against 28° needed within 1.2 s.
    const r = synthesizeRecording({ seed: 9, durationS: 120, impairment: 0 });
    const list = trials(r);
    expect(list.every((t) => t.answer.kind === 'hit')).toBe(true);
    expect(r.score).toBe(100 * list.length);
  });

  it('moves the prompted finger a lot and its neighbours a little (enslavement)', () => {
    const fs = 100;
    const r = synthesizeRecording({ seed: 3, durationS: 120, impairment: 0, noiseDeg: 0, promptIntervalS: 4 });
    const list = trials(r);
    expect(list.length).toBeGreaterThan(20);
    for (const { prompt } of list) {
      const start = at(prompt.t, fs);
      const end = start + 2 * fs;
      const p = FINGERS.indexOf(prompt.finger!);
      const main = excursion(flexOf(r, prompt.finger!), start, end);
      // 70° ± 10% (sd, bounded at 3 sd): at least 49°.
      expect(main).toBeGreaterThan(30);
      FINGERS.forEach((finger, f) => {
        if (f === p) return;
        const moved = excursion(flexOf(r, finger), start, end);
        // Adjacent fingers follow 10–15%, fingers two apart 3%, the rest not at all; ± 0.5° of drift.
        const share = Math.abs(f - p) === 1 ? [0.1, 0.15] : Math.abs(f - p) === 2 ? [0.03, 0.03] : [0, 0];
        expect(moved, `${finger} when ${prompt.finger} is prompted`).toBeGreaterThanOrEqual(share[0]! * main - 0.5);
        expect(moved, `${finger} when ${prompt.finger} is prompted`).toBeLessThanOrEqual(share[1]! * main + 0.5);
      });
    }
  });

  it('makes an impaired hand flex less, later and in more than one sub-movement', () => {
    const fs = 100;
    // Prompts ≥ 7.2 s apart: every movement is over before the next prompt.
    const options = { seed: 4, durationS: 240, noiseDeg: 0, promptIntervalS: 8 };
    const healthy = synthesizeRecording({ ...options, impairment: 0 });
    const impaired = synthesizeRecording({ ...options, impairment: 0.8 });
    const ratios: number[] = [];
    const t90 = { healthy: [] as number[], impaired: [] as number[] };
    const peaks = { healthy: [] as number[], impaired: [] as number[] };
    const velocityPeaks = (v: Float64Array, from: number, to: number) => {
      // Local maxima of the central-difference velocity above 10% of its maximum, up to the angle's peak.
      let top = from;
      for (let i = from; i < Math.min(to, v.length - 1); i++) if (v[i]! > v[top]!) top = i;
      const vel: number[] = [];
      for (let i = from; i <= top; i++) vel.push((v[i + 1]! - v[i - 1]!) / 2);
      const max = Math.max(...vel);
      let count = 0;
      for (let k = 1; k < vel.length - 1; k++) if (vel[k]! > vel[k - 1]! && vel[k]! >= vel[k + 1]! && vel[k]! > 0.1 * max) count++;
      return count;
    };
    // Same seed: same prompts and the same trial-by-trial draws, only scaled by the impairment.
    expect(trials(impaired).map((t) => t.prompt)).toEqual(trials(healthy).map((t) => t.prompt));
    for (const { prompt } of trials(healthy)) {
      const start = at(prompt.t, fs);
      const end = start + 4 * fs;
      const h = flexOf(healthy, prompt.finger!);
      const m = flexOf(impaired, prompt.finger!);
      ratios.push(excursion(m, start, end) / excursion(h, start, end));
      t90.healthy.push(timeTo90(h, start, end, fs));
      t90.impaired.push(timeTo90(m, start, end, fs));
      peaks.healthy.push(velocityPeaks(h, start, end));
      peaks.impaired.push(velocityPeaks(m, start, end));
    }
    // Excursion 70° × (1 − 0.5 × impairment): the impaired one is 0.6 of the healthy one, trial by trial
    // (up to the ± 0.5° drift on ~40–90°).
    for (const ratio of ratios) expect(ratio).toBeCloseTo(0.6, 1);
    // Time to 90%: healthy ≈ 0.22 s + 0.71 × 0.35 s ≈ 0.47 s; impaired ≈ 0.46 s + most of 0.75 s split in sub-movements.
    expect(median(t90.healthy)).toBeGreaterThan(0.35);
    expect(median(t90.healthy)).toBeLessThan(0.6);
    expect(median(t90.impaired)).toBeGreaterThan(median(t90.healthy) + 0.3);
    // One bell-shaped velocity profile when healthy; 2–3 sub-movements at impairment 0.8.
    expect(peaks.healthy.every((p) => p === 1)).toBe(true);
    expect(peaks.impaired.filter((p) => p >= 2).length).toBeGreaterThan(0.8 * peaks.impaired.length);
  });

  it('lets a finger finish its movement before flexing again, so flexions never stack', () => {
    // Prompts every 0.5 s while an impairment-1 movement lasts seconds: a finger is prompted again
    // long before it is back. Bound on any finger: rest ≤ 15° + its own excursion ≤ 35° × 1.3
    // + two neighbours' ≤ 0.15 × 1.5 × 45.5° each + two fingers two apart ≤ 0.03 × 1.5 × 45.5°
    // each, ≈ 85.2°. Stacked flexions would pass 100°.
    const r = synthesizeRecording({ seed: 14, durationS: 120, impairment: 1, noiseDeg: 0, promptIntervalS: 0.5 });
    for (const finger of FINGERS) expect(Math.max(...flexOf(r, finger))).toBeLessThan(85.2 + 0.5);
  });

  it('adds tremor at tremorHz to the flex angles and the gyroscope, and none by default', () => {
    const fs = 100;
    const base = { seed: 6, durationS: 60 };
    const still = synthesizeRecording(base);
    const trembling = synthesizeRecording({ ...base, tremorAmplitudeDeg: 2, tremorHz: 6 });
    const fast = synthesizeRecording({ ...base, tremorAmplitudeDeg: 2, tremorHz: 9 });
    for (const finger of FINGERS) {
      // Mean amplitude 2° (the ± 20% envelope averages out over 60 s); movements and noise add ~0.05°.
      expect(amplitudeAt(flexOf(trembling, finger), fs, 6)).toBeGreaterThan(1.8);
      expect(amplitudeAt(flexOf(trembling, finger), fs, 6)).toBeLessThan(2.2);
      expect(amplitudeAt(flexOf(still, finger), fs, 6)).toBeLessThan(0.15);
      expect(amplitudeAt(flexOf(fast, finger), fs, 9)).toBeGreaterThan(1.8);
      expect(amplitudeAt(flexOf(fast, finger), fs, 6)).toBeLessThan(0.15);
    }
    // Angular velocity 2π × 6 Hz × 2° ≈ 75.4 deg/s, half of it on gyro.x, 0.3 of it on gyro.y.
    expect(amplitudeAt(valuesOf(trembling, 'gyro.x'), fs, 6)).toBeCloseTo(37.7, -1);
    expect(amplitudeAt(valuesOf(trembling, 'gyro.y'), fs, 6)).toBeCloseTo(22.6, -1);
    expect(amplitudeAt(valuesOf(still, 'gyro.x'), fs, 6)).toBeLessThan(0.5);
  });

  it('reads gravity on the accelerometer and little rotation on the gyroscope', () => {
    const r = synthesizeRecording({ seed: 2, durationS: 60 });
    const [x, y, z] = (['acc.x', 'acc.y', 'acc.z'] as const).map((id) => valuesOf(r, id));
    let sumNorm = 0;
    for (let i = 0; i < x!.length; i++) sumNorm += Math.hypot(x![i]!, y![i]!, z![i]!);
    // |a| = g plus noise (0.03 m/s² per axis) and small jolts from finger movements.
    expect(sumNorm / x!.length).toBeCloseTo(9.81, 1);
    // Hand roughly flat: pitch ≤ 15° + 8° and roll ≤ 10° + 8°, so z carries most of gravity.
    expect(Math.min(...z!)).toBeGreaterThan(9.81 * Math.cos((23 * Math.PI) / 180) * Math.cos((18 * Math.PI) / 180) - 0.5);
    // A resting wrist turns at a few deg/s at most (drift amplitudes × 2πf ≤ 6 × 2π × 0.05 + 2 × 2π × 0.15 ≈ 3.8).
    for (const id of ['gyro.x', 'gyro.y', 'gyro.z']) expect(Math.max(...valuesOf(r, id).map(Math.abs))).toBeLessThan(10);
  });

  it('drops samples on all channels at once, at the given rate, and never by default', () => {
    const fs = 100;
    expect(synthesizeRecording({ seed: 10, durationS: 120 }).channels.every((c) => Array.from(c.values).every(Number.isFinite))).toBe(true);
    // 30 per minute over 2 minutes: 60 expected (Poisson, sd ≈ 7.7); mean length 80 ms = 8 samples.
    const r = synthesizeRecording({ seed: 10, durationS: 120, dropoutRate: 30 });
    const all = r.channels.map((c) => c.values as Float64Array);
    let runs = 0;
    let missing = 0;
    for (let i = 0; i < all[0]!.length; i++) {
      const lost = all.map((v) => Number.isNaN(v[i]));
      expect(lost.every((l) => l === lost[0])).toBe(true);
      if (lost[0]) {
        missing++;
        if (i === 0 || !Number.isNaN(all[0]![i - 1])) runs++;
      }
    }
    expect(runs).toBeGreaterThanOrEqual(37);
    expect(runs).toBeLessThanOrEqual(83);
    expect(missing / runs).toBeGreaterThan(5);
    expect(missing / runs).toBeLessThan(11.5);
    expect(missing).toBeLessThan(0.1 * 120 * fs);
  });

  it('keeps every value within its channel range, clamping extremes', () => {
    // 90° of tremor on top of 10–15° rest and up to 90° of flexion leaves [−30, 150].
    const r = synthesizeRecording({ seed: 12, durationS: 30, impairment: 0, tremorAmplitudeDeg: 90, noiseDeg: 45, level: 10 });
    for (const c of r.channels) {
      const [lo, hi] = c.range!;
      expect(Array.from(c.values).every((v) => v >= lo && v <= hi), c.id).toBe(true);
    }
    const index = Array.from(flexOf(r, 'index'));
    expect(index).toContain(150);
    expect(index).toContain(-30);
  });

  it.each<[string, Partial<SynthOptions>]>([
    ['durationS', { durationS: -1 }],
    ['durationS', { durationS: 0 }],
    ['durationS', { durationS: Number.NaN }],
    ['durationS', { durationS: 2 * 3600 + 1 }],
    ['sampleRateHz', { sampleRateHz: 0 }],
    ['sampleRateHz', { sampleRateHz: Number.POSITIVE_INFINITY }],
    ['durationS × sampleRateHz', { durationS: 3600, sampleRateHz: 1000 }],
    ['level', { level: 0 }],
    ['level', { level: 2.5 }],
    ['level', { level: 11 }],
    ['impairment', { impairment: 1.5 }],
    ['impairment', { impairment: -0.1 }],
    ['tremorHz', { tremorHz: 0 }],
    ['tremorAmplitudeDeg', { tremorAmplitudeDeg: -1 }],
    ['noiseDeg', { noiseDeg: Number.NaN }],
    ['dropoutRate', { dropoutRate: -2 }],
    ['dropoutMs', { dropoutMs: 0 }],
    ['promptIntervalS', { promptIntervalS: 0.1 }],
    ['startedAt', { startedAt: 'yesterday' }],
    ['startedAt', { startedAt: '2026-02-30T10:00:00Z' }],
    ['startedAt', { startedAt: '1969-12-31T23:59:59Z' }],
    ['gameId', { gameId: 'Rhythm Tap' }],
    ['seed', { seed: 0.5 }],
  ])('refuses a bad %s with a RangeError naming it', (name, bad) => {
    const call = () => synthesizeRecording({ seed: 1, ...bad });
    expect(call).toThrow(RangeError);
    expect(call).toThrow(name);
  });
});

describe('synthesizeSession', () => {
  it('builds a valid session whose sensors decode to the recording within half a step', () => {
    const options: SynthOptions = { seed: 31, durationS: 30, tremorAmplitudeDeg: 1.5, dropoutRate: 20 };
    const session = synthesizeSession(options);
    const recording = synthesizeRecording(options);
    const checked = validateSession(session);
    expect(checked.ok, JSON.stringify(checked.ok ? [] : checked.errors)).toBe(true);
    expect(session).toMatchObject({ gameId: recording.gameId, level: 1, durationMs: 30_000, score: recording.score, events: recording.events });
    const decoded = decodeSensors(session.sensors);
    expect(decoded.sampleRateHz).toBe(100);
    decoded.channels.forEach((channel, k) => {
      const original = recording.channels[k]!;
      expect(channel.id).toBe(original.id);
      expect(channel.values.length).toBe(original.values.length);
      for (let i = 0; i < channel.values.length; i++) {
        const want = original.values[i]!;
        if (Number.isNaN(want)) expect(channel.values[i]).toBeNaN();
        else expect(Math.abs(channel.values[i]! - want)).toBeLessThanOrEqual(original.scale / 2 + 1e-9);
      }
    });
  });

  it('gives the same JSON for the same options, an id that starts with the start time, another id for another seed', () => {
    const options: SynthOptions = { seed: 32, durationS: 10, startedAt: '2026-03-04T05:06:07.089Z' };
    const a = synthesizeSession(options);
    expect(JSON.stringify(synthesizeSession({ ...options }))).toBe(JSON.stringify(a));
    const timePart = sessionIdAt(Date.parse('2026-03-04T05:06:07.089Z'), new Uint8Array(10)).slice(0, 14);
    expect(a.id.slice(0, 14)).toBe(timePart);
    const b = synthesizeSession({ ...options, seed: 33 });
    expect(b.id).not.toBe(a.id);
    expect(b.id.slice(0, 14)).toBe(timePart);
    expect(b.sensors.data).not.toBe(a.sensors.data);
  });
});
