import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PROGRESS_GAMES, summarizeProgress, summarizeProgressEntries } from '../src/progress/summarizeProgress.js';
import { progressEntry } from '../src/progress/progressEntry.js';
import { checkAgainstSchema } from '../src/model/schemaCheck.js';
import { progressSchema } from '../src/model/schemas.js';
import { FINGERS, PROGRESS_METRICS } from '../src/model/types.js';
import type { AnalysisDoc, FingerMetrics, OverallMetrics } from '../src/model/types.js';
import { ANALYSIS_VERSION } from '../src/version.js';

const noFinger: FingerMetrics = {
  rangeOfMotionDeg: null, peakVelocityDegS: null, repetitions: 0, meanRepetitionS: null,
  sparc: null, ldlj: null, prompts: 0, responses: 0, reactionTimeMs: null,
};

let counter = 0;
function analysis(startedAt: string, overall: Partial<OverallMetrics> = {}, extra: Partial<AnalysisDoc> & { gameId?: string; level?: number; score?: number; durationMs?: number } = {}): AnalysisDoc {
  const sessionId = extra.sessionId ?? `ses_01JZ${String(counter++).padStart(22, '0')}`;
  return {
    id: `analysis:${sessionId}`,
    type: 'analysis',
    schemaVersion: 1,
    sessionId,
    sessionRev: extra.sessionRev ?? '1-a',
    analysisVersion: extra.analysisVersion ?? ANALYSIS_VERSION,
    status: 'ok',
    reasons: [],
    session: { gameId: extra.gameId ?? 'rhythm-tap', level: extra.level ?? 1, startedAt, durationMs: extra.durationMs ?? 60_000, score: extra.score ?? 100 },
    metrics: {
      overall: {
        rangeOfMotionDeg: null, peakVelocityDegS: null, repetitions: 0, meanRepetitionS: null, sparc: null, ldlj: null,
        tremorShare: null, reactionTimeMs: null, hits: 0, misses: 0, accuracy: null, ...overall,
      },
      fingers: Object.fromEntries(FINGERS.map((f) => [f, noFinger])) as Record<(typeof FINGERS)[number], FingerMetrics>,
    },
    quality: { effectiveSampleRateHz: 100, missingShare: 0, gapCount: 0, longestGapMs: 0, saturatedShare: 0, flags: [] },
    notes: [],
  };
}

describe('summarizeProgress', () => {
  it('summarises nothing as zeros and nulls, and is a valid progress document', () => {
    const progress = summarizeProgress([]);
    expect(progress).toMatchObject({ id: 'progress', sessionCount: 0, activeDays: 0, currentStreakDays: 0, longestStreakDays: 0, totalPlayTimeMs: 0, firstSessionAt: null, games: {} });
    for (const m of PROGRESS_METRICS) expect(progress.metrics[m]).toMatchObject({ sessions: 0, baseline: null, latest: null, trendPerWeek: null });
    expect(checkAgainstSchema(progressSchema, progress)).toEqual([]);
  });

  it('computes baseline, latest, best, recent mean, weekly trend and change by hand', () => {
    // Range of motion 40, 42, 44, 46, 48, 50, 52 on days 0, 7, ..., 42: +2 deg per week exactly.
    const start = Date.parse('2026-01-05T09:00:00.000Z');
    const analyses = [40, 42, 44, 46, 48, 50, 52].map((rom, week) =>
      analysis(new Date(start + week * 7 * 86_400_000).toISOString(), { rangeOfMotionDeg: rom, reactionTimeMs: 500 - 10 * week }));
    const { metrics } = summarizeProgress(analyses);
    expect(metrics.rangeOfMotionDeg).toEqual({
      better: 'higher', sessions: 7,
      baseline: 42, // mean of the first three: (40 + 42 + 44) / 3
      latest: 52, best: 52,
      recentMean: 48, // mean of the last five: (44 + 46 + 48 + 50 + 52) / 5
      trendPerWeek: 2,
      changeFromBaseline: 10,
    });
    // Lower is better for reaction time: the best is the smallest.
    expect(metrics.reactionTimeMs).toMatchObject({ better: 'lower', best: 440, latest: 440, baseline: 490, trendPerWeek: -10, changeFromBaseline: -50 });
  });

  it('counts active days and streaks in UTC days', () => {
    const days = ['2026-03-02T08:00:00.000Z', '2026-03-02T20:00:00.000Z', '2026-03-03T23:59:00.000Z', '2026-03-04T00:01:00.000Z', '2026-03-06T12:00:00.000Z', '2026-03-07T12:00:00.000Z'];
    const progress = summarizeProgress(days.map((d) => analysis(d, {}, { durationMs: 30_000 })));
    expect(progress).toMatchObject({
      sessionCount: 6, activeDays: 5, longestStreakDays: 3, currentStreakDays: 2, totalPlayTimeMs: 180_000,
      firstSessionAt: '2026-03-02T08:00:00.000Z', lastSessionAt: '2026-03-07T12:00:00.000Z',
    });
  });

  it('breaks progress down per game, games in name order', () => {
    const progress = summarizeProgress([
      analysis('2026-03-02T08:00:00.000Z', { accuracy: 0.5 }, { gameId: 'piano', level: 1, score: 300 }),
      analysis('2026-03-03T08:00:00.000Z', { accuracy: 0.7 }, { gameId: 'piano', level: 3, score: 200 }),
      analysis('2026-03-04T08:00:00.000Z', { accuracy: 0.9 }, { gameId: 'piano', level: 2, score: 100 }),
      analysis('2026-03-04T09:00:00.000Z', {}, { gameId: 'drums', level: 5, score: 50, durationMs: 1000 }),
    ]);
    expect(Object.keys(progress.games)).toEqual(['drums', 'piano']);
    expect(progress.games.piano).toEqual({ sessionCount: 3, totalPlayTimeMs: 180_000, latestLevel: 2, highestLevel: 3, bestScore: 300, meanAccuracy: 0.7 });
    expect(progress.games.drums).toEqual({ sessionCount: 1, totalPlayTimeMs: 1000, latestLevel: 5, highestLevel: 5, bestScore: 50, meanAccuracy: null });
  });

  it('keeps a "__proto__" game as data', () => {
    const progress = summarizeProgress([analysis('2026-03-02T08:00:00.000Z', {}, { gameId: '__proto__' })]);
    expect(Object.keys(progress.games)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(progress.games)).toBe(Object.prototype);
  });

  it('counts one session once: the newest analysis version, then the newest revision, wins', () => {
    const id = 'ses_01JZ0000000000000000000ABC';
    const progress = summarizeProgress([
      analysis('2026-03-02T08:00:00.000Z', { rangeOfMotionDeg: 10 }, { sessionId: id, sessionRev: '2-b', analysisVersion: '0.9.0' }),
      analysis('2026-03-02T08:00:00.000Z', { rangeOfMotionDeg: 30 }, { sessionId: id, sessionRev: '10-a' }),
      analysis('2026-03-02T08:00:00.000Z', { rangeOfMotionDeg: 20 }, { sessionId: id, sessionRev: '9-z' }),
    ]);
    expect(progress.sessionCount).toBe(1);
    expect(progress.metrics.rangeOfMotionDeg.latest).toBe(30);
  });

  it('counts invalid analyses apart and ignores what is not an analysis', () => {
    const bad = { ...analysis('2026-03-02T08:00:00.000Z'), status: 'invalid' as const, session: null, metrics: null, quality: null, reasons: [{ code: 'x', message: 'y' }] };
    const progress = summarizeProgress([bad, null, 42, 'x', { type: 'analysis' }, { ...analysis('2026-03-03T08:00:00.000Z'), metrics: 'nope' }, analysis('2026-03-04T08:00:00.000Z')]);
    expect(progress.invalidSessionCount).toBe(1);
    expect(progress.sessionCount).toBe(1);
  });

  it('counts an analysis whose start is not a real date as invalid instead of throwing', () => {
    const progress = summarizeProgress([
      analysis('2026-13-01T10:00:00.000Z', { rangeOfMotionDeg: 10 }),
      analysis('2026-02-31T10:00:00.000Z', { rangeOfMotionDeg: 20 }),
      analysis('2026-03-01T10:00:00.000Z', { rangeOfMotionDeg: 30 }),
    ]);
    expect(progress).toMatchObject({ sessionCount: 1, invalidSessionCount: 2, activeDays: 1 });
    expect(progress.metrics.rangeOfMotionDeg.latest).toBe(30);
  });

  it('chooses between analyses that tie on version and revision by content, not by order', () => {
    const id = 'ses_01JZ0000000000000000000TIE';
    const x = analysis('2026-03-02T08:00:00.000Z', { rangeOfMotionDeg: 46.02 }, { sessionId: id, sessionRev: '3-a' });
    const y = analysis('2026-03-02T08:00:00.000Z', { rangeOfMotionDeg: 99 }, { sessionId: id, sessionRev: '3-a' });
    const broken = { ...x, status: 'invalid' as const, session: null, metrics: null, quality: null, reasons: [{ code: 'x', message: 'y' }] };
    expect(JSON.stringify(summarizeProgress([x, y]))).toBe(JSON.stringify(summarizeProgress([y, x])));
    expect(JSON.stringify(summarizeProgress([x, broken]))).toBe(JSON.stringify(summarizeProgress([broken, x])));
  });

  it('gives the same document, byte for byte, whatever the input order', () => {
    const pool = Array.from({ length: 30 }, (_, i) =>
      analysis(new Date(Date.parse('2026-01-01T00:00:00.000Z') + (i % 17) * 43_200_000).toISOString(), {
        rangeOfMotionDeg: 30 + ((i * 7) % 13), sparc: -1.5 - (i % 5) / 10, accuracy: (i % 4) / 4, reactionTimeMs: 400 + (i % 9) * 11,
      }, { gameId: ['piano', 'drums', 'harp'][i % 3]!, level: 1 + (i % 4), ...(i >= 24 ? { sessionId: `ses_01JZ${String(i % 4).padStart(22, '0')}`, sessionRev: i % 2 === 0 ? '2-b' : '1-a' } : {}) }));
    // The last six repeat earlier sessions: the dedupe is part of what must not depend on order.
    const expected = JSON.stringify(summarizeProgress(pool));
    fc.assert(fc.property(fc.shuffledSubarray(pool, { minLength: pool.length, maxLength: pool.length }), (shuffled) => {
      expect(JSON.stringify(summarizeProgress(shuffled))).toBe(expected);
    }), { numRuns: 100 });
  });

  it('stays bounded with 10,000 games: the most recently played games, totals over all', () => {
    const start = Date.parse('2026-01-05T09:00:00.000Z');
    const analyses = Array.from({ length: 10_000 }, (_, i) =>
      analysis(new Date(start + i * 3_600_000).toISOString(), { accuracy: 0.5 }, { gameId: `game-${String(i).padStart(5, '0')}`, durationMs: 1000 }));
    const progress = summarizeProgress(analyses);
    expect(progress.sessionCount).toBe(10_000);
    expect(progress.totalPlayTimeMs).toBe(10_000_000);
    const games = Object.keys(progress.games);
    expect(games).toHaveLength(MAX_PROGRESS_GAMES);
    // The last games played, listed by name.
    expect(games).toEqual(Array.from({ length: MAX_PROGRESS_GAMES }, (_, i) => `game-${String(10_000 - MAX_PROGRESS_GAMES + i).padStart(5, '0')}`));
    expect(JSON.stringify(progress).length).toBeLessThan(16 * 1024);
    expect(checkAgainstSchema(progressSchema, progress)).toEqual([]);
  });

  it('summarises entries made once as it summarises the analyses themselves', () => {
    const analyses = [
      analysis('2026-03-02T08:00:00.000Z', { accuracy: 0.5, rangeOfMotionDeg: 40 }, { gameId: 'piano' }),
      analysis('2026-03-03T08:00:00.000Z', { rangeOfMotionDeg: 44 }, { gameId: 'drums', sessionId: 'ses_same', sessionRev: '1-a' }),
      analysis('2026-03-03T09:00:00.000Z', { rangeOfMotionDeg: 48 }, { gameId: 'drums', sessionId: 'ses_same', sessionRev: '2-b' }),
      { ...analysis('2026-03-04T08:00:00.000Z'), status: 'invalid' as const, session: null, metrics: null, quality: null },
      { not: 'an analysis' },
    ];
    expect(summarizeProgressEntries(analyses.map(progressEntry))).toEqual(summarizeProgress(analyses));
    expect(summarizeProgressEntries([...analyses].reverse().map(progressEntry))).toEqual(summarizeProgress(analyses));
  });
});
