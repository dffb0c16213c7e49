import { analyzeSession, summarizeProgress, synthesizeSession, type AnalysisDoc, type Session } from '@m2m/analysis-core';
import { GatewayError, NetworkError, type SessionEntry, type Sourced, type SyncStatus } from '@m2m/mobile-sdk';
import { describe, expect, it } from 'vitest';
import { dateTickLabels } from '../src/chart/dateAxis.js';
import { errorMessage } from '../src/errorMessage.js';
import { connectionState } from '../src/model/connectionState.js';
import { synthesizeGame } from '../src/model/playSession.js';
import { simulatedHistory } from '../src/model/simulatedHistory.js';
import { METRICS } from '../src/model/metricCatalog.js';
import { describeTrend } from '../src/model/trend.js';
import { sessionState } from '../src/model/sessionRows.js';
import { analysisPoints, exportFileName, flagLabel, lastActivityLabel, linkStateLabel } from '../src/model/careRows.js';

const session = { id: 'ses_x', startedAt: '2026-11-24T10:00:00.000Z' } as Session;
const entry = (upload: SessionEntry['upload']): SessionEntry => ({ session, upload });
const analysis = (source: 'device' | 'server', status: 'ok' | 'invalid' = 'ok') => ({ source, status, reasons: [] }) as unknown as Sourced<AnalysisDoc>;

describe('a session’s state in the demo', () => {
  it.each([
    ['pending', null, 'pending'],
    ['pending', analysis('device'), 'pending'],
    ['uploaded', null, 'analysing'],
    ['uploaded', analysis('device'), 'provisional'],
    ['uploaded', analysis('server'), 'confirmed'],
    ['uploaded', analysis('server', 'invalid'), 'invalid'],
    ['rejected', analysis('device'), 'refused'],
  ] as const)('upload %s with analysis %o is %s', (upload, result, state) => {
    expect(sessionState({ entry: entry(upload), analysis: result })).toBe(state);
  });
});

describe('the demo clock', () => {
  const now = Date.parse('2026-11-24T12:00:00.000Z');
  it('synthesizes a recording the SDK accepts, dated as asked, with the chosen length and level', () => {
    const input = synthesizeGame({ impairment: 0.5, durationS: 10, level: 3 }, '2026-11-24T12:00:00.000Z');
    expect(input).toMatchObject({ durationMs: 10_000, level: 3, startedAt: '2026-11-24T12:00:00.000Z' });
  });
  it('simulates two weeks of past games, one a day, none today or later, by a hand that recovers', () => {
    const games = simulatedHistory(now);
    expect(games).toHaveLength(10);
    const days = games.map((g) => g.startedAt.slice(0, 10));
    expect(new Set(days).size).toBe(10);
    expect(days[0]).toBe('2026-11-10');
    expect(days.at(-1)).toBe('2026-11-23');
    expect(games.every((g) => Date.parse(g.startedAt) < Date.parse('2026-11-24T00:00:00.000Z'))).toBe(true);
    expect([...days].sort()).toEqual(days);
    expect(games[0]!.impairment).toBeGreaterThan(games.at(-1)!.impairment);
  });
  it('simulates a history whose movement trends read as a recovery, whatever game is played today', () => {
    const games = simulatedHistory(now);
    const analyses = games.map((g) => analyzeSession(synthesizeSession(g), { sessionRev: null }));
    // A short, poor game played just now (the demo's own games are random draws) must not turn the story around.
    const today = analyzeSession(synthesizeSession({ seed: 1, startedAt: new Date(now).toISOString(), durationS: 10, impairment: 0.8, level: 1 }), { sessionRev: null });
    for (const set of [analyses, [...analyses, today]]) {
      const progress = summarizeProgress(set);
      const times = set.map((a) => Date.parse(a.session!.startedAt));
      const verdicts = Object.fromEntries(METRICS.map((m) => [m.key, describeTrend(m, (progress.metrics as Record<string, { trendPerWeek: number | null }>)[m.key]!.trendPerWeek, times)]));
      // The movement metrics the synthetic hand's impairment drives (its tremor and accuracy barely follow it).
      for (const key of ['rangeOfMotionDeg', 'sparc', 'reactionTimeMs', 'peakVelocityDegS', 'ldlj']) expect(verdicts[key], key).toMatchObject({ shown: true, verdict: 'better' });
    }
  });
});

describe('the connection indicator', () => {
  const status = (change: Partial<SyncStatus>): SyncStatus => ({ online: false, pendingUploads: 0, lastSyncedAt: null, lastError: null, authRequired: false, analysis: { runsIn: 'worker', reason: null }, ...change });
  it('says offline when the browser is, whatever the gateway said last', () => {
    expect(connectionState(status({ online: true }), true, false)).toBe('offline');
  });
  it('follows the gateway while signed in', () => {
    expect(connectionState(status({}), true, true)).toBe('connecting');
    expect(connectionState(status({ online: true }), true, true)).toBe('online');
    expect(connectionState(status({ lastError: { kind: 'network', message: 'x', at: '' } }), true, true)).toBe('offline');
  });
  it('says nobody is signed in', () => {
    expect(connectionState(status({}), false, true)).toBe('signed-out');
  });
});

describe('error messages', () => {
  it('uses the gateway’s own reason as a sentence', () => {
    expect(errorMessage(new GatewayError(409, 'conflict', 'this username is taken'))).toBe('This username is taken.');
    expect(errorMessage(new GatewayError(401, 'unauthorized', 'Name or password is incorrect.'))).toBe('Name or password is incorrect.');
  });
  it('says what to do when the server cannot be reached or refuses too many attempts', () => {
    expect(errorMessage(new NetworkError('Failed to fetch'))).toMatch(/^The server cannot be reached/);
    expect(errorMessage(new GatewayError(429, 'too_many_attempts', 'slow down', 'too_many_requests'))).toMatch(/^Too many attempts/);
  });
  it('tells the 429s of the error catalogue apart by their code, and a 429 without one by its status', () => {
    expect(errorMessage(new GatewayError(429, 'sync_rate_exceeded', 'over the quota', 'too_many_requests'))).toMatch(/too many requests\. Syncing goes on by itself/);
    expect(errorMessage(new GatewayError(429, 'too_many_feeds', 'too many feeds', 'too_many_requests'))).toMatch(/too many open connections/);
    expect(errorMessage(new GatewayError(429, 'too_many_requests', 'slow down'))).toBe('Too many requests. Wait a minute and try again.');
  });
});

describe('the weekly trend as shown', () => {
  const metric = (key: string) => METRICS.find((m) => m.key === key)!;
  const DAY = 86_400_000;
  const twoWeeks = Array.from({ length: 6 }, (_, i) => Date.parse('2026-11-10T10:00:00.000Z') + i * 2 * DAY);
  it('says why there is no trend with too few sessions or days', () => {
    expect(describeTrend(metric('accuracy'), -1.7, twoWeeks.slice(0, 3))).toEqual({ shown: false, text: 'Trend after 5 sessions over at least 7 days (so far 3 over 5 days).' });
    const sameDay = Array.from({ length: 6 }, (_, i) => twoWeeks[0]! + i * 60_000);
    expect(describeTrend(metric('accuracy'), -1.7, sameDay)).toMatchObject({ shown: false });
  });
  it('gives a share’s trend in percentage points', () => {
    expect(describeTrend(metric('accuracy'), 0.032, twoWeeks)).toMatchObject({ shown: true, verdict: 'better', text: '+3.2 percentage points per week (improving)' });
  });
  it('judges by the metric’s direction: less range of motion is worse, a shorter reaction time is better', () => {
    expect(describeTrend(metric('rangeOfMotionDeg'), -4.7, twoWeeks)).toMatchObject({ verdict: 'worse', text: '−4.70 ° per week (getting worse)' });
    expect(describeTrend(metric('reactionTimeMs'), -12, twoWeeks)).toMatchObject({ verdict: 'better' });
    expect(describeTrend(metric('tremorShare'), 0.01, twoWeeks)).toMatchObject({ verdict: 'worse' });
  });
});

describe('the date axis of the progress charts', () => {
  const at = (iso: string): number => Date.parse(iso);

  it('labels ticks a day apart with their day', () => {
    const labels = dateTickLabels([at('2026-11-20T12:00:00Z'), at('2026-11-21T12:00:00Z'), at('2026-11-22T12:00:00Z')], 86_400_000);
    expect(new Set(labels).size).toBe(3);
    expect(labels.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('labels ticks within a day with their time, the day only where it starts, never the same label twice', () => {
    const ticks = [at('2026-11-20T12:00:00Z'), at('2026-11-20T12:10:00Z'), at('2026-11-20T12:20:00Z')];
    const labels = dateTickLabels(ticks, 600_000);
    expect(new Set(labels).size).toBe(3);
    expect(labels[0]).toContain('\n');
    expect(labels.slice(1).every((l) => !l.includes('\n'))).toBe(true);
  });

  it('labels ticks seconds apart with their seconds', () => {
    const ticks = [at('2026-11-20T12:00:00Z'), at('2026-11-20T12:00:05Z'), at('2026-11-20T12:00:10Z')];
    expect(new Set(dateTickLabels(ticks, 5_000)).size).toBe(3);
  });

  it('gives a lone tick within a day its time as well as its day', () => {
    expect(dateTickLabels([at('2026-11-20T12:00:00Z')], 600_000)[0]).toMatch(/\n.*\d/);
  });
});

describe('the care team in the demo', () => {
  const now = Date.parse('2026-11-24T12:00:00.000Z');

  it.each([
    [null, 'no session yet'],
    ['2026-11-24T08:00:00.000Z', 'played today'],
    ['2026-11-23T08:00:00.000Z', 'played yesterday'],
    ['2026-11-14T08:00:00.000Z', 'played 10 days ago'],
  ])('last activity %s reads %s', (at, label) => {
    expect(lastActivityLabel(at, now)).toBe(label);
  });

  it('names a flag and its metric in words', () => {
    expect(flagLabel({ code: 'declining', metric: 'rangeOfMotionDeg', severity: 'high', message: 'm' }, METRICS)).toBe('Getting worse: range of motion');
    expect(flagLabel({ code: 'inactive', severity: 'medium', message: 'm' }, METRICS)).toBe('Inactive');
  });

  it('charts only valid analyses with the metric, oldest first, in shown units', () => {
    const a = analyzeSession(synthesizeSession({ seed: 5, durationS: 10, startedAt: '2026-11-20T09:00:00.000Z' }));
    const b = analyzeSession(synthesizeSession({ seed: 6, durationS: 10, startedAt: '2026-11-10T09:00:00.000Z' }));
    const invalid = { ...a, sessionId: 'ses_bad', status: 'invalid' as const, metrics: null };
    const accuracy = METRICS.find((m) => m.key === 'accuracy')!;
    const points = analysisPoints([a, invalid, b], accuracy);
    expect(points.map((p) => p.t)).toEqual([Date.parse('2026-11-10T09:00:00.000Z'), Date.parse('2026-11-20T09:00:00.000Z')]);
    expect(points[1]!.value).toBeCloseTo((a.metrics!.overall.accuracy ?? NaN) * 100);
  });

  it('says who ended a link', () => {
    const link = { patientId: 'p', patientUsername: 'ann', clinicianId: 'c', clinicianUsername: 'dr', status: 'revoked' as const, history: [{ event: 'linked' as const, at: '2026-11-01T00:00:00.000Z', by: 'clinician' as const }, { event: 'revoked' as const, at: '2026-11-02T00:00:00.000Z', by: 'patient' as const }] };
    expect(linkStateLabel(link)).toMatch(/^stopped .* by you$/);
    expect(linkStateLabel({ ...link, status: 'active', history: link.history.slice(0, 1) })).toMatch(/^follows you since /);
  });

  it('names an export file safely', () => {
    expect(exportFileName('ann/../x', now)).toBe('ann____x-analyses-2026-11-24.csv');
  });
});
