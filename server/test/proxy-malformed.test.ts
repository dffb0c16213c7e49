import { gzipSync } from 'node:zlib';
import { encodeSensors, sessionIdAt, SESSION_SIZE_LIMITS } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog, startTestGateway, type CapturedLog, type Json, type TestGateway } from './support/gatewayHarness.js';
import { couchSession, type CouchDoc } from './support/proxySessions.js';

let gw: TestGateway;
let log: CapturedLog;
let token: string;
let sessionsDb: string;

beforeAll(async () => {
  log = captureLog();
  gw = await startTestGateway({ MAX_DOC_BYTES: '200000', BODY_LIMIT_BYTES: '2000000', LOG_LEVEL: 'debug', SHUTDOWN_GRACE_MS: '300' }, { logger: log.logger });
  const user = await gw.register();
  token = user.accessToken as string;
  sessionsDb = `${gw.config.dbPrefix}u-${user.userId as string}-sessions`;
});

afterAll(async () => {
  await gw?.close();
});

const errorLines = (): Json[] => log.lines().filter((line) => line.level >= 50);

/** The JSON text `[[[…1…]]]`, nested `depth` levels deep (JSON.stringify itself overflows on it). */
const nested = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** `value` as JSON with `"$deep"` replaced by `nested(5000)`. */
const withDeep = (value: unknown): string => JSON.stringify(value).replace('"$deep"', nested(5000));

const tinyId = (n: number): string => sessionIdAt(Date.UTC(2026, 0, 1) + n, new Uint8Array(10).fill(n % 256));

/**
 * About 600 bytes declaring `channels` x `samples` missing samples: a decode
 * of it allocates 8 bytes per declared sample.
 */
function amplifyingSession(id: string, channels: number, samples: number, rateHz: number): CouchDoc {
  const base = couchSession(901, 5);
  const missing = new Float64Array(samples).fill(NaN);
  const sensors = encodeSensors({
    sampleRateHz: rateHz,
    channels: Array.from({ length: channels }, (_, i) => ({ id: `c${i}`, unit: 'deg', scale: 0.1, values: missing })),
  });
  return { ...base, _id: id, durationMs: Math.round((samples / rateHz) * 1000), events: [], sensors };
}

describe('gateway: malformed bodies are 4xx naming the problem', () => {
  it('answers a bad gzip body on /auth/login with 400 naming the encoding, and logs no error', async () => {
    const before = errorLines().length;
    const answer = await gw.call('POST', '/auth/login', { body: 'x', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: 'bad_request', reason: expect.stringContaining('Content-Encoding') });
    expect(errorLines().length).toBe(before);
  });

  it('answers a bad gzip body on /sync with 400, and still reads a good one', async () => {
    const bad = await gw.call('POST', '/sync/sessions/_bulk_docs', { token, body: 'x', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expect(bad.status).toBe(400);
    expect(bad.body.reason).toContain('Content-Encoding');
    const session = couchSession(902, 5);
    const good = await fetch(`${gw.url}/sync/sessions/_bulk_docs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: new Uint8Array(gzipSync(JSON.stringify({ docs: [session] }))),
    });
    expect(good.status).toBe(201);
    expect(((await good.json()) as Json)[0]).toMatchObject({ ok: true, id: session._id });
  });

  it('answers bad JSON with 400 and an oversized body with 413 naming the limit', async () => {
    const broken = await gw.call('POST', '/sync/sessions/_bulk_docs', { token, body: '{"docs": [' });
    expect(broken).toMatchObject({ status: 400, body: { reason: expect.stringContaining('not valid JSON') } });
    const huge = await gw.call('POST', '/sync/sessions/_bulk_docs', { token, body: { docs: [{ pad: 'x'.repeat(2_100_000) }] } });
    expect(huge).toMatchObject({ status: 413, body: { reason: expect.stringContaining('limit of 2000000 bytes') } });
  });

  it('refuses a document nested 5,000 levels deep in _bulk_docs on its own, and stores the valid session beside it', async () => {
    const session = couchSession(903, 5);
    const deep = { _id: tinyId(1), deep: '$deep' };
    const answer = await gw.call('POST', '/sync/sessions/_bulk_docs', { token, body: withDeep({ docs: [session, deep] }) });
    expect(answer.status).toBe(201);
    expect(answer.body[0]).toMatchObject({ ok: true, id: session._id });
    expect(answer.body[1]).toMatchObject({ id: deep._id, error: 'forbidden', reason: expect.stringContaining('nested more than 32 levels') });
    expect((await gw.store('GET', `/${sessionsDb}/${session._id}`)).status).toBe(200);
    expect(errorLines()).toEqual([]);
  });

  it('refuses a checkpoint nested 5,000 levels deep with a 4xx naming the nesting', async () => {
    const answer = await gw.call('PUT', '/sync/sessions/_local/x', { token, body: withDeep({ deep: '$deep' }) });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.reason).toContain('nested more than 32 levels');
  });

  it('refuses a read body nested too deep before it reaches the store', async () => {
    const answer = await gw.call('POST', '/sync/sessions/_all_docs', { token, body: withDeep({ startkey: '$deep' }) });
    expect(answer).toMatchObject({ status: 400, body: { error: 'bad_request', reason: expect.stringContaining('nested more than 32 levels') } });
    const rest = await gw.call('POST', '/api/sessions', { token, body: withDeep({ ...couchSession(904, 5), deep: '$deep' }) });
    expect(rest).toMatchObject({ status: 403, body: { reason: expect.stringContaining('nested more than 32 levels') } });
  });
});

describe('gateway: sensor blocks are checked without expanding them', () => {
  it('refuses 200 amplifying documents (4 channels x 2,000,000 declared samples) each with a row naming the limit, and stores the valid one', async () => {
    const template = amplifyingSession(tinyId(2), 4, 2_000_000, 1000);
    expect(JSON.stringify(template.sensors).length).toBeLessThan(700);
    const docs: unknown[] = Array.from({ length: 200 }, (_, i) => ({ ...template, _id: tinyId(100 + i) }));
    const session = couchSession(905, 5);
    docs.splice(100, 0, session);
    const answer = await gw.call('POST', '/sync/sessions/_bulk_docs', { token, body: { docs } });
    expect(answer.status).toBe(201);
    const rows = answer.body as Json[];
    expect(rows).toHaveLength(201);
    expect(rows[100]).toMatchObject({ ok: true, id: session._id });
    const refused = rows.filter((row) => row.error === 'forbidden');
    expect(refused).toHaveLength(200);
    for (const row of refused) {
      expect(row.reason).toContain(`limit of ${SESSION_SIZE_LIMITS.maxGameDurationMs} ms (the longest plausible game)`);
      expect(row.reason).toContain(`limit of ${SESSION_SIZE_LIMITS.maxGloveRateHz} Hz (the highest glove rate)`);
    }
  });

  it('accepts a session at the limits without decoding it, and refuses one a sample over', async () => {
    const samples = SESSION_SIZE_LIMITS.maxSamplesPerChannel;
    const atLimit = amplifyingSession(tinyId(3), 11, samples, SESSION_SIZE_LIMITS.maxGloveRateHz);
    const over = amplifyingSession(tinyId(4), 11, samples + 1, SESSION_SIZE_LIMITS.maxGloveRateHz);
    const answer = await gw.call('POST', '/sync/sessions/_bulk_docs', { token, body: { docs: [atLimit, over] } });
    expect(answer.body[0]).toMatchObject({ ok: true, id: atLimit._id });
    expect(answer.body[1]).toMatchObject({ error: 'forbidden', reason: expect.stringContaining(`limit of ${samples} samples per channel`) });
  });

  it('refuses a block whose checksum, header counts or base64 are wrong, each with its own reason', async () => {
    const good = couchSession(906, 5);
    const sensors = good['sensors'] as { data: string; sampleCount: number; channels: unknown[] };
    const flipped = sensors.data.slice(0, 40) + (sensors.data[40] === 'A' ? 'B' : 'A') + sensors.data.slice(41);
    const docs = [
      { ...couchSession(907, 5), sensors: { ...sensors, data: flipped } },
      { ...couchSession(908, 5), sensors: { ...sensors, channels: sensors.channels.slice(1) } },
      { ...couchSession(909, 5), sensors: { ...sensors, data: `${sensors.data.slice(0, -4)} ===` } },
      good,
    ];
    const answer = await gw.call('POST', '/sync/sessions/_bulk_docs', { token, body: { docs } });
    expect(answer.body[0]).toMatchObject({ error: 'forbidden', reason: expect.stringContaining('checksum mismatch') });
    expect(answer.body[1]).toMatchObject({ error: 'forbidden', reason: expect.stringContaining('data holds 11 channels but the block lists 10') });
    expect(answer.body[2]).toMatchObject({ error: 'forbidden', reason: expect.stringContaining('base64') });
    expect(answer.body[3]).toMatchObject({ ok: true, id: good._id });
  });
});
