import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './support/proxyRawHttp.js';
import { couchSession } from './support/proxySessions.js';
import { startProxyWorld, TEST_LIMITS, type ProxyUser, type ProxyWorld } from './support/proxyWorld.js';

describe('replication proxy: validated writes', () => {
  let world: ProxyWorld;
  let user: ProxyUser;

  beforeAll(async () => {
    world = await startProxyWorld();
    user = await world.newUser();
  });
  afterAll(async () => {
    await world.close();
  });

  const stored = (id: string) => world.store.json('GET', `/${user.dbs.sessions}/${encodeURIComponent(id)}`);

  it('stores the good documents of a mixed _bulk_docs batch and refuses each bad one in place', async () => {
    const good1 = couchSession(101);
    const good2 = couchSession(102);
    const wrongSchema = { ...couchSession(103), score: 'high' };
    const wrongId = { ...couchSession(104), _id: 'not-a-session' };
    const oversized = couchSession(105, 300);
    const design = { _id: '_design/evil', validate_doc_update: 'function(){}' };
    const attachment = { ...couchSession(106), _attachments: { 'a.txt': { content_type: 'text/plain', data: 'aGk=' } } };
    const tombstone = { _id: couchSession(107)._id, _deleted: true };
    const badTombstone = { _id: 'progress', _deleted: true };
    const batch = [good1, wrongSchema, wrongId, oversized, design, attachment, good2, tombstone, badTombstone, 42, { type: 'session' }];

    const answer = await user.json('POST', '/sync/sessions/_bulk_docs', { docs: batch });
    expect(answer.status).toBe(201);
    const rows = answer.body as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(batch.length);
    expect(rows.map((r) => r['id'])).toEqual([
      good1._id,
      wrongSchema._id,
      'not-a-session',
      oversized._id,
      '_design/evil',
      attachment._id,
      good2._id,
      tombstone._id,
      'progress',
      '',
      '',
    ]);
    const okAt = [0, 6, 7];
    rows.forEach((row, i) => {
      if (okAt.includes(i)) expect(row, `row ${i}`).toMatchObject({ ok: true, rev: expect.any(String) });
      else expect(row, `row ${i}`).toMatchObject({ error: 'forbidden', reason: expect.any(String) });
    });
    expect(rows[1]!['reason']).toMatch(/\/score/);
    expect(rows[2]!['reason']).toMatch(/session id/);
    expect(rows[3]!['reason']).toMatch(new RegExp(`limit of ${TEST_LIMITS.maxDocBytes}`));
    expect(rows[4]!['reason']).toMatch(/design/);
    expect(rows[5]!['reason']).toMatch(/attachments/);

    expect((await stored(good1._id)).body.sensors).toEqual(good1['sensors']);
    expect((await stored(good2._id)).body.events).toEqual(good2['events']);
    expect((await stored(tombstone._id)).body.reason).toBe('deleted');
    for (const id of [wrongSchema._id, 'not-a-session', oversized._id, '_design/evil', attachment._id]) {
      expect((await stored(id)).status, id).toBe(404);
    }
    expect((await world.store.json('GET', `/${user.dbs.sessions}`)).body.doc_count).toBe(2);
  });

  it('accepts new_edits:false batches (revisions kept) and refuses their bad documents', async () => {
    const good = { ...couchSession(111), _rev: '1-0123456789abcdef0123456789abcdef', _revisions: { start: 1, ids: ['0123456789abcdef0123456789abcdef'] } };
    const bad = { ...couchSession(112), _rev: '1-fedcba9876543210fedcba9876543210', durationMs: -1 };
    const answer = await user.json('POST', '/sync/sessions/_bulk_docs', { docs: [bad, good], new_edits: false });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual([{ id: bad._id, error: 'forbidden', reason: expect.stringMatching(/durationMs/), code: 'document_invalid' }]);
    expect((await stored(good._id)).body._rev).toBe(good._rev);
    expect((await stored(bad._id)).status).toBe(404);
  });

  it('answers a batch of only bad documents without storing anything', async () => {
    const before = (await world.store.json('GET', `/${user.dbs.sessions}`)).body.doc_count;
    const answer = await user.json('POST', '/sync/sessions/_bulk_docs', { docs: [{ _id: 'x' }, { _id: '_design/y' }] });
    expect(answer.status).toBe(201);
    expect(answer.body.map((r: { error: string }) => r.error)).toEqual(['forbidden', 'forbidden']);
    expect((await world.store.json('GET', `/${user.dbs.sessions}`)).body.doc_count).toBe(before);
  });

  it('refuses malformed, truncated and wrongly shaped bodies with 400', async () => {
    for (const body of ['{"docs": [', '{docs: []}', 'not json', '"a string"', '{"docs": {}}', '{"docs": [], "all_or_nothing": true}', '{"docs": [], "new_edits": "no"}', '[]']) {
      const answer = await user.json('POST', '/sync/sessions/_bulk_docs', body);
      expect(answer.status, body).toBe(400);
      expect(answer.body.error, body).toBe('bad_request');
    }
    const put = await user.json('PUT', `/sync/sessions/${couchSession(120)._id}`, '{"type": "session"');
    expect(put.status).toBe(400);
  });

  it('refuses a body over the limit with 413', async () => {
    const huge = JSON.stringify({ docs: [{ _id: 'x', pad: 'x'.repeat(TEST_LIMITS.bodyLimitBytes + 10) }] });
    const answer = await user.json('POST', '/sync/sessions/_bulk_docs', huge);
    expect(answer.status).toBe(413);
    expect(answer.body.error).toBe('too_large');
  });

  it('validates a body whatever content type it claims', async () => {
    const bad = { ...couchSession(121), score: -1 };
    const answer = await rawRequest(
      world.gatewayUrl,
      'POST',
      '/sync/sessions/_bulk_docs',
      { authorization: `Bearer ${user.token}`, 'content-type': 'text/plain' },
      JSON.stringify({ docs: [bad] }),
    );
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.text)[0].error).toBe('forbidden');
    expect((await stored(bad._id)).status).toBe(404);
  });

  it('PUT {id} stores a valid session and refuses a bad one with 403', async () => {
    const { _id, ...body } = couchSession(130);
    const created = await user.json('PUT', `/sync/sessions/${_id}`, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ok: true, id: _id, rev: expect.stringMatching(/^1-/) });
    const updated = await user.json('PUT', `/sync/sessions/${_id}?rev=${created.body.rev}`, { ...body, score: 7 });
    expect(updated.status).toBe(201);
    expect((await stored(_id)).body.score).toBe(7);

    const { _id: badId, ...badBody } = couchSession(131);
    const refused = await user.json('PUT', `/sync/sessions/${badId}`, { ...badBody, events: 'none' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: 'forbidden', reason: expect.stringMatching(/\/events/) });
    expect((await stored(badId)).status).toBe(404);

    expect((await user.json('PUT', '/sync/sessions/not-a-session', badBody)).status).toBe(403);
    expect((await user.json('PUT', `/sync/sessions/${badId}`, { ...badBody, _id: couchSession(132)._id })).status).toBe(400);
    expect((await user.json('PUT', `/sync/sessions/${badId}`, [1, 2])).status).toBe(400);
    const oversized = couchSession(133, 300);
    expect((await user.json('PUT', `/sync/sessions/${oversized._id}`, oversized)).status).toBe(403);
  });

  it('keeps the progress database read-only, except for replication checkpoints', async () => {
    const doc = couchSession(140);
    const bulk = await user.json('POST', '/sync/progress/_bulk_docs', { docs: [doc] });
    expect(bulk.status).toBe(403);
    expect(bulk.body.error).toBe('forbidden');
    expect((await user.json('PUT', `/sync/progress/${doc._id}`, doc)).status).toBe(403);
    expect((await user.json('PUT', '/sync/progress/progress', { type: 'progress' })).status).toBe(403);
    expect((await world.store.json('GET', `/${user.dbs.progress}`)).body.doc_count).toBe(0);

    const checkpoint = await user.json('PUT', '/sync/progress/_local/replication-1', { last_seq: '3' });
    expect(checkpoint.status).toBe(201);
    expect((await user.json('GET', '/sync/progress/_local/replication-1')).body.last_seq).toBe('3');
  });

  it('stores, reads and deletes _local checkpoints of any content, within the size limit', async () => {
    const put = await user.json('PUT', '/sync/sessions/_local/ck', { session_id: 'abc', history: [{ seq: 1 }] });
    expect(put.status).toBe(201);
    const got = await user.json('GET', '/sync/sessions/_local/ck');
    expect(got.body.history).toEqual([{ seq: 1 }]);
    const removed = await user.json('DELETE', `/sync/sessions/_local/ck?rev=${got.body._rev}`);
    expect(removed.status).toBe(200);
    expect((await user.json('GET', '/sync/sessions/_local/ck')).status).toBe(404);

    const big = await user.json('PUT', '/sync/sessions/_local/big', { pad: 'x'.repeat(TEST_LIMITS.maxDocBytes) });
    expect(big.status).toBe(403);
    expect((await user.json('PUT', '/sync/sessions/_local/arr', [1])).status).toBe(400);
  });
});
