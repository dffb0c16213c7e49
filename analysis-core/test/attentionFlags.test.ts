import { describe, expect, it } from 'vitest';
import { attentionFlags, DEFAULT_ATTENTION_THRESHOLDS, type Flag } from '../src/care/attentionFlags.js';
import { sessionIdTimeMs } from '../src/care/sessionIdTime.js';
import { sessionIdAt } from '../src/model/sessionId.js';
import type { AnalysisDoc, Finger, FingerMetrics, OverallMetrics } from '../src/model/types.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
let counter = 0;

const BASE_OVERALL: OverallMetrics = {
  rangeOfMotionDeg: 60,
  peakVelocityDegS: 200,
  repetitions: 10,
  meanRepetitionS: 1,
  sparc: -2,
  ldlj: -6,
  tremorShare: 0.1,
  reactionTimeMs: 400,
  hits: 8,
  misses: 2,
  accuracy: 0.8,
};

/** An analysis of a session started `daysAgo` before NOW. */
function analysis(daysAgo: number, options: { overall?: Partial<OverallMetrics>; invalid?: boolean; qualityFlags?: string[] } = {}): AnalysisDoc {
  const startedMs = NOW - daysAgo * DAY;
  const bytes = Array.from({ length: 10 }, (_, i) => (counter * 7 + i) & 0xff);
  counter += 1;
  const sessionId = sessionIdAt(Math.round(startedMs), bytes);
  const base = { id: `analysis:${sessionId}`, type: 'analysis' as const, schemaVersion: 1 as const, sessionId, sessionRev: '1-a', analysisVersion: '2.0.0', notes: [] };
  if (options.invalid) return { ...base, status: 'invalid', reasons: [{ code: 'x', message: 'x' }], session: null, metrics: null, quality: null };
  return {
    ...base,
    status: 'ok',
    reasons: [],
    session: { gameId: 'rhythm-tap', level: 1, startedAt: iso(startedMs), durationMs: 60_000, score: 10 },
    metrics: { overall: { ...BASE_OVERALL, ...options.overall }, fingers: {} as Record<Finger, FingerMetrics> },
    quality: { effectiveSampleRateHz: 100, missingShare: 0, gapCount: 0, longestGapMs: 0, saturatedShare: 0, flags: options.qualityFlags ?? [] },
  };
}

const run = (analyses: AnalysisDoc[], now = NOW) => attentionFlags({ progress: null, analyses, now: iso(now) });
const codes = (flags: Flag[]) => flags.map((f) => (f.metric ? `${f.code}:${f.metric}:${f.severity}` : `${f.code}:${f.severity}`));

/** Sessions every other day over the baseline and the recent window, recent ones with `recent` metrics. */
function twoWindows(recent: Partial<OverallMetrics>, before: Partial<OverallMetrics> = {}): AnalysisDoc[] {
  const out: AnalysisDoc[] = [];
  for (let d = 40; d > 14; d -= 4) out.push(analysis(d, { overall: before }));
  for (let d = 12; d >= 1; d -= 3) out.push(analysis(d, { overall: recent }));
  return out;
}

describe('attentionFlags: inactivity', () => {
  it('is not inactive one millisecond before seven days without a session, and is at seven days', () => {
    const last = [analysis(30), analysis(20), analysis(10)];
    const lastMs = NOW - 10 * DAY;
    expect(codes(run(last, lastMs + 7 * DAY - 1).flags)).toEqual([]);
    const at = run(last, lastMs + 7 * DAY);
    expect(at.flags).toEqual([{ code: 'inactive', severity: 'medium', message: 'No session for 7 days', since: iso(lastMs) }]);
    expect(codes(run(last, lastMs + 14 * DAY).flags)).toEqual(['inactive:high']);
  });

  it('counts the progress document\'s last session and an invalid session dated by its id', () => {
    const progressLast = iso(NOW - 2 * DAY);
    const progress = { lastSessionAt: progressLast } as unknown as Parameters<typeof attentionFlags>[0]['progress'];
    expect(codes(attentionFlags({ progress, analyses: [analysis(20)], now: iso(NOW) }).flags)).toEqual([]);
    expect(codes(run([analysis(20), analysis(1, { invalid: true })]).flags)).toEqual([]);
    expect(codes(run([analysis(20)]).flags)).toEqual(['inactive:high']);
  });

  it('flags a patient without any session as low', () => {
    expect(run([])).toEqual({ flags: [{ code: 'inactive', severity: 'low', message: 'No session yet' }], attention: 1 });
  });
});

describe('attentionFlags: declining, per metric direction', () => {
  it.each([
    ['rangeOfMotionDeg', { rangeOfMotionDeg: 45 }, { rangeOfMotionDeg: 75 }],
    ['sparc', { sparc: -2.5 }, { sparc: -1.5 }],
    ['ldlj', { ldlj: -7.8 }, { ldlj: -4.5 }],
    ['tremorShare', { tremorShare: 0.13 }, { tremorShare: 0.07 }],
    ['reactionTimeMs', { reactionTimeMs: 520 }, { reactionTimeMs: 300 }],
  ] as const)('%s: a change the worse way is flagged, the same change the better way is not', (metric, worse, better) => {
    const declining = run(twoWindows(worse)).flags;
    expect(declining).toHaveLength(1);
    expect(declining[0]).toMatchObject({ code: 'declining', metric, severity: 'medium' });
    expect(run(twoWindows(better)).flags).toEqual([]);
  });

  it('needs the change beyond the threshold, and more than twice it for high', () => {
    // 15% exactly is not beyond 15%; 20% is medium, 40% high.
    expect(run(twoWindows({ rangeOfMotionDeg: 51 })).flags).toEqual([]);
    expect(codes(run(twoWindows({ rangeOfMotionDeg: 48 })).flags)).toEqual(['declining:rangeOfMotionDeg:medium']);
    expect(codes(run(twoWindows({ rangeOfMotionDeg: 36 })).flags)).toEqual(['declining:rangeOfMotionDeg:high']);
    const strict = { ...DEFAULT_ATTENTION_THRESHOLDS, declineRelative: 0.25, declineHighRelative: 0.5 };
    expect(attentionFlags({ progress: null, analyses: twoWindows({ rangeOfMotionDeg: 48 }), now: iso(NOW) }, strict).flags).toEqual([]);
  });

  it('judges nothing with too few sessions in a window', () => {
    const few = [analysis(30), analysis(25), analysis(20), analysis(5, { overall: { rangeOfMotionDeg: 20 } }), analysis(2, { overall: { rangeOfMotionDeg: 20 } })];
    expect(run(few).flags).toEqual([]);
  });

  it('uses medians, so one odd session does not flag', () => {
    const sessions = twoWindows({});
    sessions.push(analysis(0.5, { overall: { rangeOfMotionDeg: 5 } }));
    expect(run(sessions).flags).toEqual([]);
  });
});

describe('attentionFlags: data quality', () => {
  it('flags three of the last five sessions invalid or with quality flags, not two', () => {
    const two = [analysis(9), analysis(8, { invalid: true }), analysis(7), analysis(3), analysis(2, { qualityFlags: ['long-gap'] }), analysis(1)];
    expect(run(two).flags).toEqual([]);
    const three = [analysis(9), analysis(8, { invalid: true }), analysis(7), analysis(3, { qualityFlags: ['saturation'] }), analysis(2, { qualityFlags: ['long-gap'] }), analysis(1)];
    const flags = run(three).flags;
    expect(codes(flags)).toEqual(['data_quality:medium']);
    expect(flags[0]?.since).toBe(three[1]?.sessionId ? iso(sessionIdTimeMs(three[1].sessionId) as number) : '');
  });

  it('only looks at the latest sessions', () => {
    const old = [analysis(20, { invalid: true }), analysis(19, { invalid: true }), analysis(18, { invalid: true })];
    const recent = [analysis(5), analysis(4), analysis(3), analysis(2), analysis(1)];
    expect(run([...old, ...recent]).flags).toEqual([]);
    expect(codes(run(old.concat(recent.slice(0, 2)), NOW).flags)).toEqual(['data_quality:medium']);
  });

  it('is high when every session of the window is flagged', () => {
    const all = [1, 2, 3, 4, 5].map((d) => analysis(d, { qualityFlags: ['missing-data'] }));
    expect(codes(run(all).flags)).toEqual(['data_quality:high']);
  });
});

describe('attentionFlags: ordering and attention', () => {
  it('sorts by severity then code, and ranks patients by attention', () => {
    const worse = { overall: { rangeOfMotionDeg: 36, tremorShare: 0.12 } };
    const sessions = [40, 35, 30, 25, 20].map((d) => analysis(d)).concat([13, 10.5, 8].map((d) => analysis(d, worse)));
    const result = run(sessions);
    expect(codes(result.flags)).toEqual(['declining:rangeOfMotionDeg:high', 'declining:tremorShare:medium', 'inactive:medium']);
    expect(result.attention).toBeCloseTo(100 + 10 + 10 + 8 / 1000, 6);

    const quiet = run(twoWindows({})).attention;
    const inactive8 = run([analysis(8)]).attention;
    const inactive9 = run([analysis(9)]).attention;
    expect(quiet).toBe(0);
    expect(inactive9).toBeGreaterThan(inactive8);
    expect(result.attention).toBeGreaterThan(inactive9);
  });

  it('gives the same answer whatever the order of the analyses', () => {
    const sessions = [...twoWindows({ rangeOfMotionDeg: 40 }), analysis(0.2, { invalid: true }), analysis(0.1, { qualityFlags: ['x'] })];
    const forward = run(sessions);
    expect(run([...sessions].reverse())).toEqual(forward);
    expect(run([...sessions.slice(3), ...sessions.slice(0, 3)])).toEqual(forward);
  });

  it('ignores sessions dated after now and refuses a bad now', () => {
    expect(codes(run([analysis(10), analysis(-3)]).flags)).toEqual(['inactive:medium']);
    expect(() => attentionFlags({ progress: null, analyses: [], now: 'yesterday' })).toThrow(/now must be an ISO UTC timestamp/);
  });
});

describe('sessionIdTimeMs', () => {
  it('reads back the time a session id was made with, and refuses other ids', () => {
    expect(sessionIdTimeMs(sessionIdAt(NOW, new Array(10).fill(3)))).toBe(NOW);
    expect(sessionIdTimeMs('not-a-session')).toBeNull();
  });
});
