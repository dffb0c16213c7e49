import { describe, expect, it } from 'vitest';
import { analyzeSession } from '../src/analysis/analyzeSession.js';
import { buildSession } from '../src/model/buildSession.js';
import { checkAgainstSchema } from '../src/model/schemaCheck.js';
import { analysisSchema } from '../src/model/schemas.js';
import { synthesizeRecording, synthesizeSession } from '../src/synth/synthesizeSession.js';
import { ANALYSIS_VERSION } from '../src/version.js';
import { canonicalJson } from '../src/model/canonicalJson.js';
import type { AnalysisDoc, OverallMetrics } from '../src/model/types.js';
import { copy, SMALL_ID, smallRecording, smallSession } from './fixtures.js';

const overallOf = (a: AnalysisDoc): OverallMetrics => {
  expect(a.status, JSON.stringify(a.reasons)).toBe('ok');
  return a.metrics!.overall;
};

const meanOver = (seeds: number[], options: Parameters<typeof synthesizeSession>[0] extends infer O ? Omit<O & object, 'seed'> : never, pick: (m: OverallMetrics) => number | null) => {
  const values = seeds.map((seed) => pick(overallOf(analyzeSession(synthesizeSession({ seed, ...options })))));
  expect(values.every((v) => v !== null)).toBe(true);
  return (values as number[]).reduce((s, v) => s + v, 0) / values.length;
};

describe('analyzeSession', () => {
  it('gives the same analysis whatever was analysed before, also when the document starts another analysis', () => {
    // Same length, so the second reuses the arrays the first decoded into.
    const a = synthesizeSession({ seed: 11, durationS: 30, dropoutRate: 10 });
    const b = synthesizeSession({ seed: 12, durationS: 30, tremorAmplitudeDeg: 2 });
    const first = canonicalJson(analyzeSession(a));
    const ofB = canonicalJson(analyzeSession(b));
    expect(ofB).not.toBe(first);
    expect(canonicalJson(analyzeSession(a))).toBe(first);

    // A getter that analyses b while a is being analysed, from its r-th read on (some reads
    // come before a's channels are decoded, some after).
    for (let r = 1; r <= 8; r++) {
      const nested: string[] = [];
      const sneaky = copy(a);
      const event = sneaky.events[sneaky.events.length - 1]!;
      const kind = event.kind;
      let reads = 0;
      Object.defineProperty(event, 'kind', {
        enumerable: true,
        get: () => {
          if (++reads >= r) nested.push(canonicalJson(analyzeSession(b)));
          return kind;
        },
      });
      expect(canonicalJson(analyzeSession(sneaky))).toBe(first);
      expect(nested.length).toBeGreaterThan(0);
      expect(new Set(nested)).toEqual(new Set([ofB]));
    }
  });

  it('analyses a valid session into a document that passes the analysis schema', () => {
    const analysis = analyzeSession(smallSession());
    expect(analysis).toMatchObject({ id: `analysis:${SMALL_ID}`, sessionId: SMALL_ID, sessionRev: null, analysisVersion: ANALYSIS_VERSION, status: 'ok', reasons: [] });
    expect(checkAgainstSchema(analysisSchema, analysis)).toEqual([]);
    expect(analysis.session).toEqual({ gameId: 'rhythm-tap', level: 2, startedAt: '2026-03-02T10:00:00.000Z', durationMs: 2000, score: 100 });
    // The index finger flexes from 10 to 60 degrees once; the others are still.
    const index = analysis.metrics!.fingers.index;
    expect(index.repetitions).toBe(1);
    expect(index.rangeOfMotionDeg).toBeGreaterThan(45);
    expect(index.rangeOfMotionDeg).toBeLessThanOrEqual(50);
    expect(analysis.metrics!.fingers.thumb).toMatchObject({ rangeOfMotionDeg: 0, repetitions: 0, sparc: null });
    expect(analysis.metrics!.overall).toMatchObject({ hits: 1, misses: 0, accuracy: 1, repetitions: 1 });
  });

  it("records the session's _rev, from the document or from the caller", () => {
    const session = smallSession();
    expect(analyzeSession({ ...session, _rev: '4-abc' }).sessionRev).toBe('4-abc');
    expect(analyzeSession(session, { sessionRev: '5-def' }).sessionRev).toBe('5-def');
  });

  it('gives the same bytes for the same input, and the same for the CouchDB form', () => {
    const session = synthesizeSession({ seed: 7, durationS: 30 });
    const first = JSON.stringify(analyzeSession(session, { sessionRev: '1-a' }));
    expect(JSON.stringify(analyzeSession(copy(session), { sessionRev: '1-a' }))).toBe(first);
    const { id, ...rest } = session;
    expect(JSON.stringify(analyzeSession({ _id: id, _rev: '1-a', ...rest }))).toBe(first);
  });

  it.each([
    ['null', null],
    ['a number', 3],
    ['an empty object', {}],
    ['an array', [1, 2]],
  ])('answers %s with an invalid analysis instead of throwing', (_, doc) => {
    const analysis = analyzeSession(doc);
    expect(analysis.status).toBe('invalid');
    expect(analysis.reasons.length).toBeGreaterThan(0);
    expect(checkAgainstSchema(analysisSchema, analysis)).toEqual([]);
  });

  it('keeps the reasons of a hopeless session within the schema, saying how many more there were', () => {
    const session = copy(smallSession());
    session.events = Array.from({ length: 5000 }, () => ({ t: 99_999, kind: 'hit' as const }));
    const analysis = analyzeSession(session);
    expect(analysis.reasons).toHaveLength(200);
    expect(analysis.reasons[199]).toEqual({ code: 'more-reasons', message: expect.stringMatching(/^and \d+ more problems$/) });
    expect(checkAgainstSchema(analysisSchema, analysis)).toEqual([]);
  });

  it('names the problem of a session with a corrupt sensor block', () => {
    const session = copy(smallSession());
    const data = session.sensors.data;
    session.sensors.data = data.slice(0, 10) + (data[10] === 'A' ? 'B' : 'A') + data.slice(11);
    const analysis = analyzeSession(session);
    expect(analysis).toMatchObject({ status: 'invalid', sessionId: SMALL_ID, metrics: null });
    expect(analysis.reasons[0]).toMatchObject({ code: 'invalid-session', message: expect.stringContaining('/sensors/data') });
  });

  it('calls a session without samples invalid, with the reason', () => {
    const recording = smallRecording();
    const empty = buildSession({ ...recording, durationMs: 0, events: [], channels: recording.channels.map((c) => ({ ...c, values: [] })) }, SMALL_ID);
    expect(analyzeSession(empty)).toMatchObject({ status: 'invalid', reasons: [{ code: 'no-samples' }] });
    const allMissing = buildSession({ ...recording, channels: recording.channels.map((c) => ({ ...c, values: new Float64Array(100).fill(NaN) })) }, SMALL_ID);
    expect(analyzeSession(allMissing)).toMatchObject({ status: 'invalid', reasons: [{ code: 'no-samples', message: 'every flex and gyroscope sample is missing' }] });
  });

  it('analyses a session whose accelerometer channel is dead', () => {
    const recording = smallRecording();
    const session = buildSession({ ...recording, channels: recording.channels.map((c) => (c.id === 'acc.x' ? { ...c, values: new Float64Array(100).fill(NaN) } : c)) }, SMALL_ID);
    const analysis = analyzeSession(session);
    expect(analysis.status).toBe('ok');
    expect(analysis.metrics!.fingers.index.repetitions).toBe(1);
    expect(analysis.quality!.flags).toContain('missing-data');
  });

  it('gives a session with an unprintable id an analysis that passes its own schema', () => {
    for (const id of ['bad\nid', '\u2028x', 'x'.repeat(150) + '😀'.repeat(100)]) {
      const analysis = analyzeSession({ _id: id });
      expect(analysis.status).toBe('invalid');
      expect(checkAgainstSchema(analysisSchema, analysis)).toEqual([]);
    }
  });

  it('analyses what it can when channels are missing, and says what it could not', () => {
    const recording = smallRecording();
    const session = buildSession({ ...recording, channels: recording.channels.filter((c) => !c.id.startsWith('gyro') && c.id !== 'flex.ring') }, SMALL_ID);
    const analysis = analyzeSession(session);
    expect(analysis.status).toBe('ok');
    expect(analysis.metrics!.overall.tremorShare).toBeNull();
    expect(analysis.metrics!.fingers.ring.rangeOfMotionDeg).toBeNull();
    expect(analysis.notes).toEqual(expect.arrayContaining([
      { code: 'missing-channel', message: 'no "flex.ring" channel' },
      { code: 'missing-channel', message: 'no "gyro.x" channel' },
      expect.objectContaining({ code: 'no-tremorShare' }),
    ]));
  });

  it('refuses a flex channel in the wrong unit rather than mixing units', () => {
    const recording = smallRecording();
    const session = buildSession({ ...recording, channels: recording.channels.map((c) => (c.id === 'flex.index' ? { ...c, unit: 'rad' } : c)) }, SMALL_ID);
    const analysis = analyzeSession(session);
    expect(analysis.metrics!.fingers.index.rangeOfMotionDeg).toBeNull();
    expect(analysis.notes).toContainEqual({ code: 'unsupported-unit', message: 'channel "flex.index" is in rad, expected deg' });
  });

  it('counts hits and misses and one repetition per answered prompt, roughly', () => {
    const recording = synthesizeRecording({ seed: 3, durationS: 60, impairment: 0 });
    const analysis = analyzeSession(buildSession(recording, SMALL_ID));
    const overall = overallOf(analysis);
    const hits = recording.events.filter((e) => e.kind === 'hit').length;
    const misses = recording.events.filter((e) => e.kind === 'miss').length;
    const prompts = recording.events.filter((e) => e.kind === 'prompt').length;
    expect(overall).toMatchObject({ hits, misses });
    expect(overall.accuracy).toBeCloseTo(hits / (hits + misses), 4);
    expect(overall.repetitions).toBeGreaterThanOrEqual(Math.floor(prompts * 0.8));
    expect(overall.repetitions).toBeLessThanOrEqual(Math.ceil(prompts * 1.2));
    const responses = Object.values(analysis.metrics!.fingers).reduce((s, f) => s + f.responses, 0);
    expect(responses).toBeGreaterThanOrEqual(Math.floor(prompts * 0.8));
  });

  it('sees an impaired hand as smaller, slower, less smooth and later to react than a healthy one', () => {
    const seeds = [11, 12, 13];
    const healthy = { durationS: 60, impairment: 0 };
    const impaired = { durationS: 60, impairment: 0.8 };
    expect(meanOver(seeds, impaired, (m) => m.rangeOfMotionDeg)).toBeLessThan(meanOver(seeds, healthy, (m) => m.rangeOfMotionDeg));
    expect(meanOver(seeds, impaired, (m) => m.peakVelocityDegS)).toBeLessThan(meanOver(seeds, healthy, (m) => m.peakVelocityDegS));
    expect(meanOver(seeds, impaired, (m) => m.sparc)).toBeLessThan(meanOver(seeds, healthy, (m) => m.sparc));
    expect(meanOver(seeds, impaired, (m) => m.ldlj)).toBeLessThan(meanOver(seeds, healthy, (m) => m.ldlj));
    expect(meanOver(seeds, impaired, (m) => m.reactionTimeMs)).toBeGreaterThan(meanOver(seeds, healthy, (m) => m.reactionTimeMs));
  });

  it('finds tremor when the hand trembles', () => {
    const still = overallOf(analyzeSession(synthesizeSession({ seed: 5, durationS: 30, tremorAmplitudeDeg: 0 })));
    const trembling = overallOf(analyzeSession(synthesizeSession({ seed: 5, durationS: 30, tremorAmplitudeDeg: 3, tremorHz: 6 })));
    expect(trembling.tremorShare!).toBeGreaterThan(still.tremorShare! + 0.2);
  });

  it('keeps analysing through dropouts and flags them', () => {
    const analysis = analyzeSession(synthesizeSession({ seed: 9, durationS: 60, dropoutRate: 20, dropoutMs: 300 }));
    expect(analysis.status).toBe('ok');
    expect(analysis.quality!.gapCount).toBeGreaterThan(0);
    expect(analysis.quality!.flags).toContain('long-gap');
    expect(analysis.metrics!.overall.rangeOfMotionDeg).not.toBeNull();
    // The gaps are repaired before filtering: a gap left in would spread NaN over every finger's kinematics.
    for (const finger of Object.values(analysis.metrics!.fingers)) {
      expect(finger.peakVelocityDegS).not.toBeNull();
      expect(finger.sparc).not.toBeNull();
    }
    expect(analysis.metrics!.overall.tremorShare).not.toBeNull();
  });
});
