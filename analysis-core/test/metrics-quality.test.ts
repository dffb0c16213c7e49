import { describe, expect, it } from 'vitest';
import { accuracy } from '../src/metrics/accuracy.js';
import {
  dataQuality,
  LONG_GAP_MS,
  LOW_SAMPLE_RATE_RATIO,
  MISSING_SHARE_LIMIT,
  QUALITY_FLAGS,
  QualityTally,
  SATURATED_SHARE_LIMIT,
  SHORT_SESSION_S,
} from '../src/metrics/dataQuality.js';
import { decodeSensorsInto, encodeSensors, type ChannelLayout } from '../src/codec/sensorCodec.js';

describe('accuracy', () => {
  it('is hits / (hits + misses), ignoring other events', () => {
    const events = [
      { kind: 'prompt' },
      { kind: 'hit' },
      { kind: 'hit' },
      { kind: 'miss' },
      { kind: 'pause' },
      { kind: 'hit' },
      { kind: 'resume' },
    ];
    expect(accuracy(events)).toEqual({ hits: 3, misses: 1, accuracy: 0.75 });
  });

  it('is NaN with neither hits nor misses', () => {
    const r = accuracy([{ kind: 'prompt' }]);
    expect(r.hits).toBe(0);
    expect(r.misses).toBe(0);
    expect(r.accuracy).toBeNaN();
    expect(accuracy([]).accuracy).toBeNaN();
    expect(accuracy([{ kind: 'miss' }]).accuracy).toBe(0);
  });
});

describe('dataQuality', () => {
  it('exports the documented thresholds', () => {
    expect([MISSING_SHARE_LIMIT, LONG_GAP_MS, SATURATED_SHARE_LIMIT, LOW_SAMPLE_RATE_RATIO, SHORT_SESSION_S]).toEqual([
      0.05, 250, 0.01, 0.9, 10,
    ]);
    expect([...QUALITY_FLAGS]).toEqual([...QUALITY_FLAGS].sort());
  });

  it('counts a small hand-made recording', () => {
    // 20 samples at 10 Hz (2 s).
    const a = new Array<number>(20).fill(50);
    a[3] = NaN;
    a[10] = NaN;
    a[11] = NaN;
    a[12] = NaN;
    a[0] = 150; // at the top of the range
    a[1] = -29.9; // one step above the bottom: saturated
    a[2] = 149.95; // within one step of the top: saturated
    a[4] = 149.8; // two steps below the top: not saturated
    a[5] = 160; // beyond the range: saturated
    const b = new Array<number>(20).fill(0);
    b[3] = NaN; // same index as a's: one missing index
    b[15] = NaN;
    const q = dataQuality(
      [
        { values: a, range: [-30, 150], scale: 0.1 },
        { values: b, scale: 1 },
      ],
      10,
    );
    // Missing indices {3, 10, 11, 12, 15}: 5 / 20; runs {3}, {10..12}, {15}; longest 3 samples = 300 ms.
    expect(q.missingShare).toBe(0.25);
    expect(q.gapCount).toBe(3);
    expect(q.longestGapMs).toBe(300);
    // 15 present indices over 2 s.
    expect(q.effectiveSampleRateHz).toBe(7.5);
    // Ranged channel a: 16 finite values, 4 saturated (150, -29.9, 149.95, 160). Channel b has no range.
    expect(q.saturatedShare).toBe(4 / 16);
    expect(q.flags).toEqual(['long-gap', 'low-sample-rate', 'missing-data', 'saturation', 'short-session']);
  });

  it('flags nothing on a clean 10 s recording', () => {
    const q = dataQuality([{ values: new Float64Array(1000).fill(1), scale: 0.1 }], 100);
    expect(q).toEqual({
      effectiveSampleRateHz: 100,
      missingShare: 0,
      gapCount: 0,
      longestGapMs: 0,
      saturatedShare: null, // no channel declares a range
      flags: [],
    });
  });

  it('uses strict limits: exactly 5 % missing in 250 ms gaps raises nothing', () => {
    // 1000 samples at 100 Hz, two gaps of 25 samples (250 ms): 50 / 1000 = 0.05 missing, 950 / 10 s = 95 Hz ≥ 90.
    const x = new Float64Array(1000).fill(10);
    x.fill(NaN, 100, 125);
    x.fill(NaN, 500, 525);
    const q = dataQuality([{ values: x, range: [-30, 150], scale: 0.1 }], 100);
    expect(q.missingShare).toBe(0.05);
    expect(q.gapCount).toBe(2);
    expect(q.longestGapMs).toBe(250);
    expect(q.effectiveSampleRateHz).toBe(95);
    expect(q.saturatedShare).toBe(0);
    expect(q.flags).toEqual([]);
    // One more missing sample in a gap: 26 samples = 260 ms, 51 / 1000 missing.
    x[125] = NaN;
    expect(dataQuality([{ values: x, scale: 0.1 }], 100).flags).toEqual(['long-gap', 'missing-data']);
  });

  it('flags saturation above 1 % of the ranged values', () => {
    // Two ranged channels of 1000 values: 20 at the range end = 1 % (not flagged), 21 = 1.05 % (flagged).
    const x = new Float64Array(1000);
    const y = new Float64Array(1000);
    x.fill(-30, 0, 20);
    const chans = [
      { values: x, range: [-30, 150] as [number, number], scale: 0.1 },
      { values: y, range: [-30, 150] as [number, number], scale: 0.1 },
    ];
    expect(dataQuality(chans, 100).saturatedShare).toBe(0.01);
    expect(dataQuality(chans, 100).flags).toEqual([]);
    y[999] = 150;
    expect(dataQuality(chans, 100).flags).toEqual(['saturation']);
  });

  it('counts a shorter channel as missing past its end', () => {
    const q = dataQuality(
      [
        { values: new Float64Array(1000), scale: 1 },
        { values: new Float64Array(900), scale: 1 },
      ],
      100,
    );
    expect(q.missingShare).toBe(0.1);
    expect(q.gapCount).toBe(1);
    expect(q.longestGapMs).toBe(1000);
  });

  it('reports an empty recording', () => {
    const expected = {
      effectiveSampleRateHz: null,
      missingShare: 0,
      gapCount: 0,
      longestGapMs: 0,
      saturatedShare: null,
      flags: ['no-samples', 'short-session'],
    };
    expect(dataQuality([], 100)).toEqual(expected);
    expect(dataQuality([{ values: [], scale: 1 }], 100)).toEqual(expected);
  });
});

describe('QualityTally', () => {
  it('reports, one channel at a time, what dataQuality reports for all of them', () => {
    const fs = 100;
    const wave = (n: number, phase: number): Float64Array => Float64Array.from({ length: n }, (_, i) => 60 * Math.sin(i / 20 + phase));
    const gappy = wave(1000, 1);
    gappy.fill(NaN, 100, 160);
    gappy[999] = Infinity;
    const channels = [
      { values: wave(1000, 0), range: [-59, 59] as [number, number], scale: 0.01 },
      { values: gappy, scale: 0.1 },
      { values: wave(900, 2), range: [-100, 100] as [number, number], scale: 0.5 },
      { values: new Float64Array(1000).fill(NaN), range: [0, 1] as [number, number], scale: 0.1 },
    ];
    const tally = new QualityTally(1000);
    for (const channel of channels) tally.add(channel);
    const report = tally.report(fs);
    expect(report).toEqual(dataQuality(channels, fs));
    // Not a trivial report: gaps, a short channel and saturation all count.
    expect(report.gapCount).toBeGreaterThan(0);
    expect(report.saturatedShare).toBeGreaterThan(0);
  });

  it('counts a decoded channel from the decoder\'s layout as it does from its samples', () => {
    const fs = 100;
    const n = 3000;
    const wave = (amplitude: number, phase: number): Float64Array =>
      Float64Array.from({ length: n }, (_, i) => amplitude * Math.sin(i / 37 + phase) + ((i * 7919) % 13) / 10);
    const gappy = wave(50, 1);
    gappy.fill(NaN, 0, 12);
    gappy.fill(NaN, 400, 470);
    gappy.fill(NaN, 2990, n);
    const clipped = wave(200, 2).map((v) => Math.max(-150, Math.min(150, v)));
    const block = encodeSensors({
      sampleRateHz: fs,
      channels: [
        { id: 'inside', unit: 'deg', scale: 0.1, range: [-90, 90], values: wave(60, 0) },
        { id: 'gappy', unit: 'deg', scale: 0.1, range: [-90, 90], values: gappy },
        { id: 'saturated', unit: 'deg', scale: 0.5, range: [-150, 150], values: clipped },
        { id: 'unranged', unit: 'deg', scale: 0.01, values: wave(5, 3) },
        { id: 'empty', unit: 'deg', scale: 0.1, range: [0, 1], values: new Float64Array(n).fill(NaN) },
      ],
    });
    const layouts: ChannelLayout[] = [];
    const tally = new QualityTally(n);
    const decoded = decodeSensorsInto(block, (k) => new Float64Array(k), (channel, layout) => {
      layouts.push(layout);
      tally.add(channel, layout);
    });
    // The layout says what the samples say.
    decoded.channels.forEach((channel, c) => {
      const layout = layouts[c] as ChannelLayout;
      const present = Array.from(channel.values).filter((v) => !Number.isNaN(v));
      expect(layout.lowest).toBe(present.length > 0 ? Math.min(...present) : Infinity);
      expect(layout.highest).toBe(present.length > 0 ? Math.max(...present) : -Infinity);
      const runs = Array.from(layout.missingRuns);
      const nan = Array.from(channel.values, (v) => Number.isNaN(v));
      for (let k = 0; k < runs.length; k += 2) for (let i = runs[k] as number; i < (runs[k] as number) + (runs[k + 1] as number); i++) nan[i] = false;
      expect(nan.some((v) => v)).toBe(false);
      expect(runs.reduce((sum, v, k) => (k % 2 === 1 ? sum + v : sum), 0)).toBe(channel.values.length - present.length);
    });
    expect(Array.from(layouts[1]?.missingRuns ?? [])).toEqual([0, 12, 400, 70, 2990, 10]);
    expect(tally.report(fs)).toEqual(dataQuality(decoded.channels, fs));
    // Without the all-missing channel: gaps and saturation both count.
    const some = new QualityTally(n);
    decoded.channels.slice(0, 4).forEach((channel, c) => some.add(channel, layouts[c]));
    const report = some.report(fs);
    expect(report).toEqual(dataQuality(decoded.channels.slice(0, 4), fs));
    expect(report.gapCount).toBe(3);
    expect(report.saturatedShare).toBeGreaterThan(0);
  });
});
