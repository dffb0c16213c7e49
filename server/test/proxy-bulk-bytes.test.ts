import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planBulkDocs } from '../src/proxy/bulkDocs.js';
import { jsonSizeBound } from '../src/proxy/jsonSizeBound.js';
import { parseJsonBytes } from '../src/proxy/jsonBytes.js';
import { startTestGateway, type Json, type TestGateway } from './support/gatewayHarness.js';
import { couchSession } from './support/proxySessions.js';

const bytesOf = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');
const forwarded = (bytes: Buffer): { docs: Array<{ _id: string }> } => JSON.parse(bytes.toString('utf8')) as { docs: Array<{ _id: string }> };

describe('reading a JSON body from its bytes', () => {
  it('keeps the bytes of well-formed UTF-8, ASCII or not, and reads them right', () => {
    const ascii = bytesOf({ docs: [{ a: 1 }] });
    expect(parseJsonBytes(ascii)).toEqual({ value: { docs: [{ a: 1 }] }, utf8: ascii });
    const accented = Buffer.from('{"note":"réglage ✓"}', 'utf8');
    expect(parseJsonBytes(accented)).toEqual({ value: { note: 'réglage ✓' }, utf8: accented });
  });

  it('reads a body that is not well-formed UTF-8, or starts with a byte order mark, without keeping its bytes', () => {
    // {"note":"<ff fe>"}
    const broken = Buffer.from('7b226e6f7465223a22fffe227d', 'hex');
    expect(parseJsonBytes(broken)).toEqual({ value: { note: '\ufffd\ufffd' } });
    const bom = Buffer.from('\ufeff{"a":1}', 'utf8');
    expect(parseJsonBytes(bom)).toEqual({ value: { a: 1 } });
  });

  it('takes an empty body as {} and refuses bad JSON or a bare value with 400', () => {
    expect(parseJsonBytes(Buffer.alloc(0))).toEqual({ value: {} });
    expect(() => parseJsonBytes(Buffer.from('{"docs": ['))).toThrow(expect.objectContaining({ status: 400, reason: 'the request body is not valid JSON' }));
    expect(() => parseJsonBytes(Buffer.from('"docs"'))).toThrow(expect.objectContaining({ status: 400, reason: expect.stringContaining('must be an object or an array') }));
  });
});

describe('planning a _bulk_docs from its bytes', () => {
  const sessions = [couchSession(1401, 5), couchSession(1402, 5)];

  it('forwards the client’s own bytes when every document passes as it came, charging them to the quota', async () => {
    const utf8 = bytesOf({ docs: sessions });
    const storage = { bytesLeft: 10_000_000, refusal: 'over' };
    const plan = await planBulkDocs(JSON.parse(utf8.toString()), 1_000_000, storage, utf8);
    expect(plan.upstreamBytes).toBe(utf8);
    expect(plan.forwardedIndices).toEqual([0, 1]);
    expect(plan.refused).toEqual([]);
    expect(storage.bytesLeft).toBe(10_000_000 - utf8.length);
  });

  it('builds the body from the passing documents when one is refused or is a tombstone', async () => {
    const tombstone = { _id: sessions[1]!._id, _rev: '1-abc', _deleted: true, leftover: 'x'.repeat(100) };
    for (const docs of [[sessions[0], { _id: 'not-a-session' }], [sessions[0], tombstone]]) {
      const utf8 = bytesOf({ docs });
      const plan = await planBulkDocs(JSON.parse(utf8.toString()), 1_000_000, undefined, utf8);
      expect(plan.upstreamBytes).not.toBe(utf8);
      const sent = forwarded(plan.upstreamBytes);
      expect(sent.docs[0]).toEqual(sessions[0]);
      if (plan.refused.length > 0) expect(sent.docs).toHaveLength(1);
      // A tombstone goes on with its metadata only.
      else expect(sent.docs[1]).toEqual({ _id: tombstone._id, _rev: tombstone._rev, _deleted: true });
    }
  });

  it('forwards a body larger than the document limit as it came when each document is far under it (a replication batch)', async () => {
    const batch = Array.from({ length: 8 }, (_, i) => couchSession(1410 + i, 5));
    const utf8 = bytesOf({ docs: batch });
    const plan = await planBulkDocs(JSON.parse(utf8.toString()), utf8.length - 1, undefined, utf8);
    expect(plan.upstreamBytes).toBe(utf8);
    expect(plan.forwardedIndices).toHaveLength(8);
  });

  it('measures a document exactly near the limit, refusing one over it, and the quota left decides per document', async () => {
    const utf8 = bytesOf({ docs: sessions });
    const sizes = sessions.map((doc) => bytesOf(doc).length);
    const limit = Math.min(...sizes);
    const bySize = await planBulkDocs(JSON.parse(utf8.toString()), limit, undefined, utf8);
    expect(bySize.upstreamBytes).not.toBe(utf8);
    const smaller = sizes.indexOf(limit);
    expect(bySize.forwardedIndices).toContain(smaller);
    for (const { row } of bySize.refused) {
      expect(row.reason).toMatch(/^the document is \d+ bytes, more than the limit of \d+$/);
      expect(row.code).toBe('document_invalid');
    }
    expect(bySize.forwardedIndices.length + bySize.refused.length).toBe(2);
    const storage = { bytesLeft: sizes[0]!, refusal: 'over the quota' };
    const byQuota = await planBulkDocs(JSON.parse(utf8.toString()), 1_000_000, storage, utf8);
    expect(byQuota.forwardedIndices).toEqual([0]);
    expect(byQuota.refused).toEqual([{ index: 1, row: { id: sessions[1]!._id, error: 'forbidden', reason: 'over the quota', code: 'quota_stored_bytes' } }]);
  });

  it('bounds a document’s JSON size from above, numbers of the longest spelling included', () => {
    // -0.0000012345678901234567 is the longest a JSON number spells: 25 characters.
    for (const value of [[-1.2345678901234567e-6], Array.from({ length: 10 }, () => -1.2345678901234567e-6), { a: -2.2250738585072014e-308, b: 'é\u0001' }]) {
      expect(jsonSizeBound(value, 1e9)).toBeGreaterThanOrEqual(bytesOf(value).length);
    }
  });

  it('measures exactly a document whose numbers spell longer stored than sent', async () => {
    const session = couchSession(1403, 5);
    // Sent with its score as 1e9 (3 characters), stored as 1000000000 (10); the limit falls between the two.
    const text = JSON.stringify({ ...session, score: 1e9 }).replace('"score":1000000000', '"score":1e9');
    const utf8 = Buffer.from(`{"docs":[${text}]}`);
    const { value } = parseJsonBytes(utf8, { docsOnDemand: true });
    const plan = await planBulkDocs(value, text.length + 6, undefined, utf8);
    expect(plan.refused).toEqual([{ index: 0, row: expect.objectContaining({ error: 'forbidden', reason: `the document is ${text.length + 7} bytes, more than the limit of ${text.length + 6}` }) }]);
  });

  it('parses a batch a document at a time as it judges them, with the same plan as from the whole body', async () => {
    const tombstone = { _id: sessions[1]!._id, _rev: '1-abc', _deleted: true };
    for (const docs of [sessions, [sessions[0], { _id: 'not-a-session' }], [tombstone, sessions[0]]]) {
      const utf8 = bytesOf({ docs, new_edits: false });
      const { value } = parseJsonBytes(utf8, { docsOnDemand: true });
      const onDemand = (value as { docs: { length: number; at(index: number): unknown } }).docs;
      expect(Array.isArray(onDemand)).toBe(false);
      expect(onDemand.length).toBe(docs.length);
      const plan = await planBulkDocs(value, 1_000_000, undefined, utf8);
      const whole = await planBulkDocs(JSON.parse(utf8.toString()), 1_000_000, undefined, utf8);
      expect(plan).toEqual(whole);
      expect(plan.forwardedIds).toEqual(plan.forwardedIndices.map((index) => docs[index]!._id));
    }
    // A document that does not parse is the body's 400, as when the whole body is parsed.
    const broken = Buffer.from(`{"docs":[${JSON.stringify(sessions[0])},{"_id":"x",}]}`);
    const { value } = parseJsonBytes(broken, { docsOnDemand: true });
    await expect(planBulkDocs(value, 1_000_000, undefined, broken)).rejects.toMatchObject({ status: 400, reason: 'the request body is not valid JSON' });
    expect(() => parseJsonBytes(broken)).toThrow(expect.objectContaining({ status: 400, reason: 'the request body is not valid JSON' }));
  });
});

describe('a _bulk_docs forwarded as the client sent it', () => {
  let gw: TestGateway;
  let token: string;
  let sessionsDb: string;

  beforeAll(async () => {
    gw = await startTestGateway({ SHUTDOWN_GRACE_MS: '300' });
    const user = await gw.register();
    token = user.accessToken as string;
    sessionsDb = `${gw.config.dbPrefix}u-${user.userId as string}-sessions`;
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('stores what the gateway checked when a key is repeated: the store, like JSON.parse, keeps the last', async () => {
    const session = couchSession(1403, 5);
    const { _id: id, ...rest } = session;
    // Judged by its last _id, a session id; a store keeping the first would write a design document.
    const text = `{"docs":[{"_id":"_design/evil","_id":${JSON.stringify(id)},${JSON.stringify(rest).slice(1)}]}`;
    const answer = await gw.call('POST', '/sync/sessions/_bulk_docs', { token, body: text, headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(201);
    expect((answer.body as unknown as Json[])[0]).toMatchObject({ ok: true, id });
    expect((await gw.store('GET', `/${sessionsDb}/${id}`)).body).toMatchObject({ _id: id, startedAt: session.startedAt });
    expect((await gw.store('GET', `/${sessionsDb}/_design/evil`)).status).toBe(404);
  });

});
