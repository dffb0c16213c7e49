import { synthesizeSession } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './support/proxyRawHttp.js';
import { startProxyWorld, type ProxyUser, type ProxyWorld } from './support/proxyWorld.js';

describe('replication proxy: isolation and refusals', () => {
  let world: ProxyWorld;
  let alice: ProxyUser;
  let bob: ProxyUser;
  const bobSession = (() => {
    const { id, ...rest } = synthesizeSession({ seed: 99, durationS: 60 });
    return { _id: id, ...rest };
  })();
  /** Text that appears only in Bob's data. */
  const bobSecret = bobSession.sensors.data.slice(0, 40);

  beforeAll(async () => {
    world = await startProxyWorld();
    alice = await world.newUser();
    bob = await world.newUser();
    expect((await bob.json('POST', '/sync/sessions/_bulk_docs', { docs: [bobSession] })).status).toBe(201);
    await world.store.json('PUT', `/${bob.dbs.progress}/progress`, { type: 'progress', secret: bobSecret });
  });
  afterAll(async () => {
    await world.close();
  });

  const asAlice = (method: string, path: string, body?: string) =>
    rawRequest(world.gatewayUrl, method, path, { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' }, body);

  function expectRefused(answer: { status: number; text: string; headers: Record<string, unknown> }, statuses = [400, 403, 404]) {
    expect(statuses).toContain(answer.status);
    expect(answer.headers['content-type']).toMatch(/application\/json/);
    const body = JSON.parse(answer.text) as { error?: unknown; reason?: unknown };
    expect(typeof body.error).toBe('string');
    expect(typeof body.reason).toBe('string');
    expect(answer.text).not.toContain(bobSecret);
  }

  const pathTricks = (bobDb: string): string[] => [
    `/sync/sessions/..%2F..%2F${bobDb}`,
    `/sync/sessions/..%2f${bobDb}/_all_docs`,
    `/sync/sessions/../${bobDb}/_all_docs?include_docs=true`,
    `/sync/sessions/../../${bobDb}/_all_docs`,
    `/sync/sessions/%2e%2e/%2e%2e/${bobDb}/_all_docs`,
    `/sync/sessions/%2E%2E%2F${bobDb}/_all_docs`,
    `/sync/sessions/%252e%252e%252f${bobDb}/_all_docs`,
    `/sync/sessions//${bobDb}/_all_docs`,
    `/sync/sessions/.//_all_docs`,
    `/sync/sessions/./_all_docs`,
    `/sync/sessions%2F..%2F${bobDb}/_all_docs`,
    `/sync//sessions/_all_docs`,
    `/sync/sessions/..%5C${bobDb}/_all_docs`,
    `/sync/sessions/..\\${bobDb}/_all_docs`,
    `/sync/sessions/%00/_all_docs`,
    `/sync/${bobDb}/_all_docs?include_docs=true`,
    `/sync/${bobDb}`,
    `/sync/progress/..%2F${bobDb.replace('sessions', 'progress')}/progress`,
    `/sync/sessions/%E0%A4%A/_all_docs`,
  ];

  it("refuses another user's database through %2F, .., %2e%2e, // and backslashes", async () => {
    for (const path of pathTricks(bob.dbs.sessions)) {
      const answer = await asAlice('GET', path);
      expect.soft(answer.status, path).toBeGreaterThanOrEqual(400);
      expectRefused(answer);
    }
  });

  it('never reaches server endpoints', async () => {
    const paths = [
      '/sync/_all_dbs',
      '/sync/_config',
      '/sync/_node/_local/_config',
      '/sync/_users',
      '/sync/_users/_all_docs',
      '/sync/_replicate',
      '/sync/_replicator',
      '/sync/_session',
      '/sync/_utils/',
      '/sync/_db_updates',
      '/sync/_up',
      '/sync/',
      '/sync',
      '/sync/sessions/_security',
      '/sync/sessions/_design/x',
      '/sync/sessions/_design/x/_view/y',
      '/sync/sessions/_design%2Fx',
      '/sync/sessions/_find',
      '/sync/sessions/_index',
      '/sync/sessions/_explain',
      '/sync/sessions/_purge',
      '/sync/sessions/_compact',
      '/sync/sessions/_revs_limit',
      '/sync/sessions/_all_dbs',
      '/sync/sessions/_local',
      '/sync/sessions/_local/a/b',
      '/sync/sessions/_local_docs',
      '/sync/sessions/_design_docs',
      `/sync/sessions/${bobSession._id}/attachment.bin`,
      '/sync/sessions/constructor',
      '/sync/progress/_security',
    ];
    for (const path of paths) {
      for (const method of ['GET', 'POST']) {
        const answer = await asAlice(method, path, method === 'POST' ? '{}' : undefined);
        expect.soft(answer.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expectRefused(answer, [400, 403, 404, 405]);
      }
    }
  });

  it("keeps the database's security object out of reach through _local/_security", async () => {
    const securityBefore = await world.store.json('GET', `/${alice.dbs.sessions}/_security`);
    const open = JSON.stringify({ admins: { names: [], roles: [] }, members: { names: [], roles: [] } });
    for (const id of ['_security', '%5Fsecurity']) {
      for (const method of ['PUT', 'GET', 'DELETE']) {
        const answer = await asAlice(method, `/sync/sessions/_local/${id}`, method === 'PUT' ? open : undefined);
        expect.soft(answer.status, `${method} _local/${id}`).toBe(403);
        expectRefused(answer, [403]);
      }
    }
    const bulk = await alice.json('POST', '/sync/sessions/_bulk_docs', { docs: [{ _id: '_local/_security', ...JSON.parse(open) }] });
    expect(JSON.stringify(bulk.body)).toMatch(/forbidden/);
    const securityAfter = await world.store.json('GET', `/${alice.dbs.sessions}/_security`);
    expect(securityAfter.status).toBe(200);
    expect(securityAfter.body).toEqual(securityBefore.body);
    // Ordinary checkpoint ids still work, also one starting with _ as PouchDB's base64 ids may.
    expect((await asAlice('PUT', '/sync/sessions/_local/checkpoint-1', '{"seq":1}')).status).toBe(201);
    expect((await asAlice('PUT', '/sync/sessions/_local/_Ab3.x_', '{"seq":1}')).status).toBe(201);
  });

  it('refuses query parameters outside the allow-list', async () => {
    const cases: Array<[string, string, string?]> = [
      ['GET', '/sync/sessions/_changes?filter=_design'],
      ['GET', '/sync/sessions/_changes?filter=_view&view=a/b'],
      ['GET', '/sync/sessions/_changes?filter=app/by_user'],
      ['POST', '/sync/sessions/_changes?filter=_selector', '{"selector":{"type":"session"}}'],
      ['POST', '/sync/sessions/_changes', '{"selector":{"type":"session"}}'],
      ['GET', '/sync/sessions/_changes?feed=continuous'],
      ['GET', '/sync/sessions/_changes?feed=eventsource'],
      ['GET', '/sync/sessions/_changes?since=0&since=1'],
      ['GET', '/sync/sessions/_changes?db=' + bob.dbs.sessions],
      ['GET', '/sync/sessions/_changes?include_docs=yes'],
      ['GET', '/sync/sessions/_changes?limit=-1'],
      ['GET', '/sync/sessions/_all_docs?keys=notjson'],
      ['GET', '/sync/sessions/_all_docs?reduce=false'],
      ['POST', '/sync/sessions/_all_docs', '{"keys":["_design/x"]}'],
      ['GET', `/sync/sessions/_all_docs?keys=${encodeURIComponent('["_design/x"]')}`],
      ['GET', `/sync/sessions/_changes?filter=_doc_ids&doc_ids=${encodeURIComponent('["_design/x"]')}`],
      ['POST', '/sync/sessions/_changes?filter=_doc_ids', '{"doc_ids":["_design/x"]}'],
      ['POST', '/sync/sessions/_all_docs', '{"stale":"ok"}'],
      ['GET', `/sync/sessions/${bobSession._id}?attachments=true&att_encoding_info=true`],
      ['GET', '/sync/sessions/?q=1'],
      ['POST', '/sync/sessions/_bulk_get', '{"docs":[{"id":"_design/x"}]}'],
      ['POST', '/sync/sessions/_revs_diff', '{"_design/x":["1-a"]}'],
    ];
    for (const [method, path, body] of cases) {
      const answer = await asAlice(method, path, body);
      expect.soft(answer.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expectRefused(answer);
    }
  });

  it('refuses methods the protocol does not need (create or delete a database, delete a document)', async () => {
    for (const [method, path] of [
      ['PUT', '/sync/sessions/'],
      ['DELETE', '/sync/sessions/'],
      ['DELETE', `/sync/sessions/${bobSession._id}`],
      ['COPY', `/sync/sessions/${bobSession._id}`],
      ['GET', '/sync/sessions/_bulk_docs'],
      ['PUT', '/sync/sessions/_changes'],
    ] as const) {
      const answer = await asAlice(method, path);
      expect.soft(answer.status, `${method} ${path}`).toBe(405);
      expectRefused(answer, [405]);
      expect(answer.headers['allow']).toBeTruthy();
    }
  });

  it("does not show another user's documents through any endpoint", async () => {
    const id = bobSession._id;
    const single = await alice.json('GET', `/sync/sessions/${id}`);
    expect(single.status).toBe(404);
    const viaKeys = await alice.json('GET', `/sync/sessions/_all_docs?include_docs=true&keys=${encodeURIComponent(JSON.stringify([id]))}`);
    expect(viaKeys.body.rows).toEqual([{ key: id, error: 'not_found' }]);
    const bulkGet = await alice.json('POST', '/sync/sessions/_bulk_get', { docs: [{ id }] });
    expect(JSON.stringify(bulkGet.body)).not.toContain(bobSecret);
    expect(bulkGet.body.results[0].docs[0].error).toBeDefined();
    const diff = await alice.json('POST', '/sync/sessions/_revs_diff', { [id]: ['1-abc'] });
    expect(diff.body[id].missing).toEqual(['1-abc']);
    const changes = await alice.json('GET', '/sync/sessions/_changes?include_docs=true');
    expect(changes.body.results).toEqual([]);
    const progress = await alice.json('GET', '/sync/progress/progress');
    expect(progress.status).toBe(404);
    const progressChanges = await alice.json('GET', '/sync/progress/_changes?include_docs=true');
    expect(JSON.stringify(progressChanges.body)).not.toContain(bobSecret);
    expect(progressChanges.body.results).toEqual([]);
  });

  it("writes with another user's document id land in the caller's own database", async () => {
    const { _id, ...body } = bobSession;
    const before = await world.store.json('GET', `/${bob.dbs.sessions}/${_id}`);
    const put = await alice.json('PUT', `/sync/sessions/${_id}`, { ...body, score: 1 });
    expect(put.status).toBe(201);
    const after = await world.store.json('GET', `/${bob.dbs.sessions}/${_id}`);
    expect(after.body).toEqual(before.body);
    expect((await world.store.json('GET', `/${alice.dbs.sessions}/${_id}`)).body.score).toBe(1);
    const alicesInfo = await world.store.json('GET', `/${alice.dbs.sessions}`);
    expect(alicesInfo.body.doc_count).toBe(1);
    const bobsInfo = await world.store.json('GET', `/${bob.dbs.sessions}`);
    expect(bobsInfo.body.doc_count).toBe(1);
  });

  it('requires a token', async () => {
    const answer = await rawRequest(world.gatewayUrl, 'GET', '/sync/sessions/');
    expect(answer.status).toBe(401);
  });
});
