import { describe, expect, it } from 'vitest';
import { validateSession } from '../src/model/validateSession.js';
import { LIMITS } from '../src/model/schemas.js';
import { copy, SMALL_ID, smallSession } from './fixtures.js';

type Doc = Record<string, unknown> & { sensors: Record<string, unknown>; events: Record<string, unknown>[]; device: Record<string, unknown> };
const doc = (): Doc => copy(smallSession()) as unknown as Doc;

function errorsOf(value: unknown) {
  const result = validateSession(value);
  if (result.ok) throw new Error('expected the session to be refused');
  return result.errors;
}

describe('validateSession', () => {
  it('accepts a well-formed session and returns it unchanged', () => {
    const session = smallSession();
    const result = validateSession(copy(session));
    expect(result).toEqual({ ok: true, session });
  });

  it("accepts CouchDB's form (_id, _rev, _revisions) and returns the device form", () => {
    const { id, ...rest } = doc();
    const result = validateSession({ _id: id, _rev: '3-abc', _revisions: { start: 3, ids: ['abc'] }, ...rest });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.session.id).toBe(SMALL_ID);
      expect(Object.keys(result.session)).not.toContain('_rev');
      expect(JSON.stringify(result.session)).toBe(JSON.stringify(smallSession()));
    }
  });

  it.each([
    ['null', null, '/'],
    ['a string', 'session', '/'],
    ['an array', [], '/'],
    ['a number', 42, '/'],
  ])('refuses %s as a document', (_, value, path) => {
    expect(errorsOf(value)[0]).toMatchObject({ path, message: expect.stringContaining('must be an object') });
  });

  it('names every missing field', () => {
    const errors = errorsOf({});
    const paths = errors.map((e) => e.path);
    for (const field of ['id', 'type', 'schemaVersion', 'gameId', 'level', 'startedAt', 'durationMs', 'score', 'device', 'sensors', 'events']) {
      expect(paths).toContain(`/${field}`);
    }
    expect(errors.every((e) => e.message === 'is required')).toBe(true);
  });

  it.each([
    ['id', (d: Doc) => { d.id = 'ses_lowercase-not-allowed'; }, '/id', 'must match'],
    ['id type', (d: Doc) => { d.id = 12; }, '/id', 'must be string'],
    ['type', (d: Doc) => { d.type = 'analysis'; }, '/type', 'must be one of "session"'],
    ['schemaVersion', (d: Doc) => { d.schemaVersion = 2; }, '/schemaVersion', 'must be one of 1'],
    ['level fraction', (d: Doc) => { d.level = 1.5; }, '/level', 'must be integer'],
    ['level too high', (d: Doc) => { d.level = 101; }, '/level', 'must be <= 100'],
    ['negative duration', (d: Doc) => { d.durationMs = -1; }, '/durationMs', 'must be >= 0'],
    ['score as string', (d: Doc) => { d.score = '100'; }, '/score', 'must be integer, got string'],
    ['gameId with a slash', (d: Doc) => { d.gameId = '../etc'; }, '/gameId', 'must match'],
    ['startedAt not ISO', (d: Doc) => { d.startedAt = 'yesterday'; }, '/startedAt', 'must match'],
    ['startedAt impossible date', (d: Doc) => { d.startedAt = '2026-02-30T10:00:00.000Z'; }, '/startedAt', 'not a real date'],
    ['extra field', (d: Doc) => { d.patientName = 'Ada'; }, '/patientName', 'is not allowed here'],
    ['attachments', (d: Doc) => { d._attachments = { 'a.txt': { data: 'eA==' } }; }, '/_attachments', 'is not allowed'],
    ['tombstone', (d: Doc) => { d._deleted = true; }, '/_deleted', 'deleted'],
    ['_rev', (d: Doc) => { d._rev = 'abc'; }, '/_rev', 'must be a revision'],
    ['_revisions not ending at _rev', (d: Doc) => { d._rev = '2-bb'; d._revisions = { start: 2, ids: ['cc', 'aa'] }; }, '/_revisions', 'does not end at _rev'],
    ['_revisions longer than its start', (d: Doc) => { d._revisions = { start: 1, ids: ['aa', 'bb'] }; }, '/_revisions', 'but start is 1'],
    ['_id differing from id', (d: Doc) => { d._id = 'ses_01JZ0000000000000000000001'; }, '/_id', 'must equal id'],
    ['glove missing', (d: Doc) => { delete d.device.glove; }, '/device/glove', 'is required'],
    ['sample rate zero', (d: Doc) => { d.sensors.sampleRateHz = 0; }, '/sensors/sampleRateHz', 'must be > 0'],
    ['huge sample count', (d: Doc) => { d.sensors.sampleCount = 1e12; }, '/sensors/sampleCount', 'must be <='],
    ['encoding', (d: Doc) => { d.sensors.encoding = 'json'; }, '/sensors/encoding', 'must be one of'],
    ['channels empty', (d: Doc) => { d.sensors.channels = []; }, '/sensors/channels', 'at least 1'],
    ['channel scale negative', (d: Doc) => { (d.sensors.channels as Record<string, unknown>[])[0]!.scale = -0.1; }, '/sensors/channels/0/scale', 'must be > 0'],
    ['duplicate channel', (d: Doc) => { (d.sensors.channels as Record<string, unknown>[])[1]!.id = 'flex.thumb'; }, '/sensors/channels/1/id', 'duplicates'],
    ['inverted range', (d: Doc) => { (d.sensors.channels as Record<string, unknown>[])[0]!.range = [10, -10]; }, '/sensors/channels/0/range', 'min < max'],
    ['data not base64', (d: Doc) => { d.sensors.data = '!!!!'; }, '/sensors/data', ''],
    ['data truncated', (d: Doc) => { d.sensors.data = (d.sensors.data as string).slice(0, 40); }, '/sensors/data', ''],
    ['sample count disagreeing with data', (d: Doc) => { d.sensors.sampleCount = 150; }, '/sensors/data', ''],
    ['duration disagreeing with samples', (d: Doc) => { d.durationMs = 60_000; }, '/sensors/sampleCount', 'but durationMs is 60000'],
    ['event kind', (d: Doc) => { d.events[0]!.kind = 'explode'; }, '/events/0/kind', 'must be one of'],
    ['event finger', (d: Doc) => { d.events[0]!.finger = 'toe'; }, '/events/0/finger', 'must be one of'],
    ['event without finger', (d: Doc) => { delete d.events[1]!.finger; }, '/events/1/finger', 'is required for a hit event'],
    ['events out of order', (d: Doc) => { d.events[1]!.t = 100; }, '/events/1/t', 'time order'],
    ['event after the end', (d: Doc) => { d.events[1]!.t = 5000; }, '/events/1/t', "after the session's end"],
    ['event time NaN-like string', (d: Doc) => { d.events[0]!.t = 'NaN'; }, '/events/0/t', 'must be number'],
  ])('refuses a bad %s and says where', (_, damage, path, fragment) => {
    const d = doc();
    damage(d);
    const errors = errorsOf(d);
    expect(errors.find((e) => e.path === path), JSON.stringify(errors)).toMatchObject({ message: expect.stringContaining(fragment) });
  });

  it('refuses numbers JSON cannot carry (NaN, Infinity) coming from code', () => {
    const d = doc();
    d.score = Number.POSITIVE_INFINITY;
    d.level = Number.NaN;
    const errors = errorsOf(d);
    expect(errors).toEqual(expect.arrayContaining([
      { path: '/score', message: 'must be integer, got Infinity' },
      { path: '/level', message: 'must be integer, got NaN' },
    ]));
  });

  it('reports every problem at once, not only the first', () => {
    const d = doc();
    d.level = 0;
    d.gameId = '';
    d.events[0]!.kind = 'x';
    expect(errorsOf(d).map((e) => e.path)).toEqual(expect.arrayContaining(['/level', '/gameId', '/events/0/kind']));
  });

  it('stops early on a hostile number of events without walking them', () => {
    const d = doc();
    d.events = Array.from({ length: LIMITS.maxEvents + 1 }, () => ({ t: 0, kind: 'x' }));
    const errors = errorsOf(d);
    expect(errors).toEqual([{ path: '/events', message: `must have at most ${LIMITS.maxEvents} items, got ${LIMITS.maxEvents + 1}` }]);
  });

  it('caps the error list for a document made of garbage', () => {
    const d = doc();
    d.events = Array.from({ length: 5000 }, () => ({ t: -1, kind: 'x', finger: 'y', extra: 1 }));
    const errors = errorsOf(d);
    expect(errors.length).toBeLessThanOrEqual(50);
    expect(errors[0]?.path).toBe('/events/0/t');
  });

  it('refuses an oversized data string by length before decoding it', () => {
    const d = doc();
    d.sensors.data = 'A'.repeat(LIMITS.maxDataLength + 4);
    expect(errorsOf(d)).toContainEqual({ path: '/sensors/data', message: `must be at most ${LIMITS.maxDataLength} characters long, got ${LIMITS.maxDataLength + 4}` });
  });

  it('counts string lengths in characters (code points), as JSON Schema does', () => {
    const d = doc();
    d.device.platform = '😀'.repeat(32);
    expect(validateSession(d).ok).toBe(true);
    d.device.platform = '😀'.repeat(33);
    expect(errorsOf(d)).toEqual([{ path: '/device/platform', message: 'must be at most 32 characters long, got 33' }]);
  });

  it('refuses sample rates and sizes no glove produces before decoding anything', () => {
    const d = doc();
    d.sensors.sampleRateHz = 10_000;
    expect(errorsOf(d)).toContainEqual({ path: '/sensors/sampleRateHz', message: 'must be <= 1000, got 10000' });
    // A kilobyte that declares 16 channels of 2 million samples each.
    const huge = doc();
    huge.durationMs = 10_000_000;
    huge.sensors.sampleRateHz = 100;
    huge.sensors.sampleCount = 1_000_000;
    huge.sensors.channels = Array.from({ length: 16 }, (_, i) => ({ id: `c${i}`, unit: 'deg', scale: 0.1 }));
    huge.events = [];
    expect(errorsOf(huge)).toContainEqual({ path: '/sensors/data', message: expect.stringContaining('exceeds the limit of 8000000 samples in all') });
  });

  it('treats a "__proto__" key as an unknown field, not as a prototype', () => {
    const d = JSON.parse(JSON.stringify(doc()).replace('"gameId"', '"__proto__":{"polluted":true},"gameId"')) as unknown;
    expect(errorsOf(d)).toContainEqual({ path: '/__proto__', message: 'is not allowed here' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
