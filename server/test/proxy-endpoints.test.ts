import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS_AUTH } from './support/gatewayHarness.js';
import { couchSession } from './support/proxySessions.js';
import { startProxyWorld, type ProxyUser, type ProxyWorld } from './support/proxyWorld.js';

describe('replication proxy: the endpoints replication needs', () => {
  let world: ProxyWorld;
  let user: ProxyUser;
  const a = couchSession(1);
  const b = couchSession(2);
  let revA = '';

  beforeAll(async () => {
    world = await startProxyWorld();
    user = await world.newUser();
  });
  afterAll(async () => {
    await world.close();
  });

  it('answers database info for GET /sync/sessions/ and /sync/progress', async () => {
    const sessions = await user.json('GET', '/sync/sessions/');
    expect(sessions.status).toBe(200);
    // The device never sees the store's database names, which carry the user id.
    expect(sessions.body.db_name).toBe('sessions');
    expect(JSON.stringify(sessions.body)).not.toContain(user.dbs.sessions);
    expect(sessions.headers.get('content-type')).toMatch(/application\/json/);
    expect(sessions.headers.get('x-request-id')).toBeTruthy();
    const progress = await user.json('GET', '/sync/progress');
    expect(progress.status).toBe(200);
    expect(progress.body.db_name).toBe('progress');
  });

  it('writes with _bulk_docs and reads back with GET {id}, _all_docs and _changes', async () => {
    const written = await user.json('POST', '/sync/sessions/_bulk_docs', { docs: [a, b] });
    expect(written.status).toBe(201);
    expect(written.body).toEqual([
      { ok: true, id: a._id, rev: expect.stringMatching(/^1-/) },
      { ok: true, id: b._id, rev: expect.stringMatching(/^1-/) },
    ]);
    revA = written.body[0].rev;

    const one = await user.json('GET', `/sync/sessions/${a._id}?revs=true`);
    expect(one.status).toBe(200);
    expect(one.body.sensors).toEqual(a['sensors']);
    expect(one.body._revisions.ids).toHaveLength(1);

    const all = await user.json('GET', '/sync/sessions/_all_docs');
    expect(all.body.rows.map((r: { id: string }) => r.id).sort()).toEqual([a._id, b._id].sort());

    const changes = await user.json('GET', '/sync/sessions/_changes?style=all_docs&include_docs=true&since=0&limit=10&seq_interval=10');
    expect(changes.status).toBe(200);
    expect(changes.body.results).toHaveLength(2);
    expect(changes.body.results[0].doc.type).toBe('session');
    const rest = await user.json('POST', `/sync/sessions/_changes?since=${encodeURIComponent(changes.body.results[0].seq)}`, {});
    expect(rest.body.results.map((r: { id: string }) => r.id)).toEqual([changes.body.results[1].id]);
  });

  it('passes ETag through and answers 304 to a matching If-None-Match', async () => {
    const first = await user.fetch(`/sync/sessions/${a._id}`);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    await first.arrayBuffer();
    const again = await user.fetch(`/sync/sessions/${a._id}`, { headers: { 'if-none-match': etag ?? '' } });
    expect(again.status).toBe(304);
  });

  it('serves what RxDB uses: POST _all_docs with keys, and GET _all_docs?keys=[…] unencoded', async () => {
    const posted = await user.json('POST', '/sync/sessions/_all_docs', { keys: [a._id, 'ses_00000000000000000000000000'], include_docs: true, deleted: 'ok' });
    expect(posted.status).toBe(200);
    expect(posted.body.rows[0].doc._rev).toBe(revA);
    expect(posted.body.rows[1]).toMatchObject({ key: 'ses_00000000000000000000000000', error: 'not_found' });
    const got = await user.json('GET', `/sync/sessions/_all_docs?include_docs=true&keys=["${b._id}"]`);
    expect(got.body.rows.map((r: { id: string }) => r.id)).toEqual([b._id]);
  });

  it('serves what PouchDB uses: _revs_diff, _bulk_get, open_revs, latest and _local checkpoints', async () => {
    const diff = await user.json('POST', '/sync/sessions/_revs_diff', { [a._id]: [revA, '2-abc'] });
    expect(diff.status).toBe(200);
    expect(diff.body[a._id].missing).toEqual(['2-abc']);

    const bulkGet = await user.json('POST', '/sync/sessions/_bulk_get?revs=true&latest=true', { docs: [{ id: a._id, rev: revA }, { id: b._id }] });
    expect(bulkGet.status).toBe(200);
    expect(bulkGet.body.results.map((r: { docs: Array<{ ok: { _id: string } }> }) => r.docs[0]?.ok._id)).toEqual([a._id, b._id]);
    expect(bulkGet.body.results[0].docs[0].ok._revisions.start).toBe(1);

    const openRevs = await user.json('GET', `/sync/sessions/${a._id}?revs=true&latest=true&open_revs=${encodeURIComponent(JSON.stringify([revA]))}`);
    expect(openRevs.status).toBe(200);
    expect(openRevs.body[0].ok._rev).toBe(revA);
    const byRev = await user.json('GET', `/sync/sessions/${a._id}?rev=${revA}`);
    expect(byRev.body._rev).toBe(revA);

    const checkpoint = await user.json('PUT', '/sync/sessions/_local/pouch-checkpoint', { last_seq: 2, session_id: 's1' });
    expect(checkpoint.status).toBe(201);
    const read = await user.json('GET', '/sync/sessions/_local/pouch-checkpoint');
    expect(read.body.last_seq).toBe(2);
  });

  it('reads the progress database through the same endpoints', async () => {
    await world.store.json('PUT', `/${user.dbs.progress}/analysis:${a._id}`, { type: 'analysis', sessionId: a._id });
    const doc = await user.json('GET', `/sync/progress/${encodeURIComponent(`analysis:${a._id}`)}`);
    expect(doc.status).toBe(200);
    expect(doc.body.sessionId).toBe(a._id);
    const changes = await user.json('GET', '/sync/progress/_changes?include_docs=true');
    expect(changes.body.results.map((r: { id: string }) => r.id)).toEqual([`analysis:${a._id}`]);
  });

  it('puts the request id in every refusal', async () => {
    const answer = await user.json('GET', '/sync/sessions/_design/x');
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ error: 'forbidden', reason: expect.any(String), code: 'request_refused', requestId: answer.headers.get('x-request-id') });
  });

  it('counts accepted requests and refused documents for /metrics', async () => {
    await user.json('POST', '/sync/sessions/_bulk_docs', { docs: [{ _id: 'nope' }] });
    const metrics = await fetch(`${world.gatewayUrl}/metrics`, { headers: METRICS_AUTH }).then((r) => r.text());
    expect(metrics).toMatch(/m2m_gateway_proxy_requests_total\{database="sessions",endpoint="bulk_docs"\} [1-9]/);
    expect(metrics).toMatch(/m2m_gateway_proxy_refused_documents_total\{database="sessions"\} [1-9]/);
  });
});
