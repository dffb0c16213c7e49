import { createRxDatabase, type RxCollection } from 'rxdb';
import { replicateCouchDB } from 'rxdb/plugins/replication-couchdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clientFetch } from './support/proxyClientFetch.js';
import { randomCode } from '../src/care/codes.js';
import { REDEEM_WINDOW_MS } from '../src/care/careRoutes.js';
import { TEST_PASSWORD, type Json } from './support/gatewayHarness.js';
import { rawRequest } from './support/proxyRawHttp.js';
import { couchSession } from './support/proxySessions.js';
import { startCareWorld, type CareUser, type CareWorld } from './support/careWorld.js';

/** Text found only in the patient's data: any answer that carries it has leaked. */
const SECRET = 'patient-secret-7f3a9c';

describe('care team: what is not yours stays out of reach', () => {
  let world: CareWorld;
  let patient: CareUser;
  let linked: CareUser;
  let revoked: CareUser;
  let oldRev: string;
  let patientDocId: string;

  /** A care document as the worker writes it, carrying the secret. */
  const careDoc = (patientId: string): Json => ({ _id: `patient:${patientId}`, type: 'care-patient', schemaVersion: 1, patientId, username: SECRET, flags: [], attention: 0 });

  function expectRefused(answer: { status: number; body?: Json; text?: string }, statuses = [403]): void {
    const text = answer.text ?? JSON.stringify(answer.body);
    expect(statuses, text).toContain(answer.status);
    expect(text).not.toContain(SECRET);
  }

  beforeAll(async () => {
    world = await startCareWorld({ SHARE_CODE_TTL_S: '60', SHARE_CODE_REDEEMS_PER_CLINICIAN: '3', SHARE_CODE_REDEEMS_GLOBAL: '5' });
    patient = await world.patient();
    linked = await world.clinician();
    revoked = await world.clinician();
    expect((await patient.json('POST', '/sync/sessions/_bulk_docs', { docs: [{ ...couchSession(7, 5), note: SECRET }] })).status).toBe(201);
    expect((await world.store.json('PUT', `/${patient.dbs.progress}/progress`, { type: 'progress', secret: SECRET })).status).toBe(201);
    patientDocId = `patient:${patient.userId}`;

    await world.link(patient, linked);
    await world.putCareDoc(linked, careDoc(patient.userId));
    // The revoked clinician held the patient's document; the revoke itself deleted it with a bare tombstone.
    await world.link(patient, revoked);
    oldRev = await world.putCareDoc(revoked, careDoc(patient.userId));
    expect((await patient.json('DELETE', `/api/care/links/${revoked.userId}`)).body.status).toBe('revoked');
  });
  afterAll(async () => {
    await world?.close();
  });

  it('guessed share codes meet 429s at the limit, per clinician and overall, and never make a link', async () => {
    const target = await world.patient();
    const good = await world.shareCode(target);
    const [first, second, third] = [await world.clinician(), await world.clinician(), await world.clinician()];
    const guess = (who: CareUser, code = randomCode(10)) => who.json('POST', '/api/care/links', { code });

    for (let i = 0; i < 3; i++) expect((await guess(first)).body.code).toBe('share_code_invalid');
    // Past the clinician's limit even the right code is refused.
    const limited = await guess(first, good);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('too_many_attempts');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    for (let i = 0; i < 2; i++) expect((await guess(second)).body.code).toBe('share_code_invalid');
    // Five failures overall: every clinician now waits, whatever their own count.
    expect((await guess(second, good)).status).toBe(429);
    expect((await guess(third, good)).status).toBe(429);
    expect((await target.json('GET', '/api/care/links')).body.links).toEqual([]);
    for (const who of [first, second, third]) expect((await who.json('GET', '/api/care/links')).body.links).toEqual([]);

    // The window passes: the limit lifts (the code has expired meanwhile, and stays refused).
    world.gateway.clock.advance(REDEEM_WINDOW_MS + 1_000);
    expect((await guess(third, good)).body.code).toBe('share_code_invalid');
    expect((await guess(third, await world.shareCode(target))).status).toBe(201);
  });

  it("serves a linked clinician's pull: database info, _changes (normal and longpoll) and _all_docs (GET and POST keys)", async () => {
    const info = await linked.json('GET', '/sync/care/');
    expect(info.status).toBe(200);
    expect(info.body.db_name).toBe('care');
    const changes = await linked.json('GET', '/sync/care/_changes?include_docs=true&style=all_docs');
    expect(changes.body.results.map((r: Json) => r.id)).toEqual([patientDocId]);
    const keys = encodeURIComponent(JSON.stringify([patientDocId]));
    expect((await linked.json('GET', `/sync/care/_all_docs?keys=${keys}&include_docs=true`)).body.rows[0].doc.patientId).toBe(patient.userId);
    const posted = await linked.json('POST', '/sync/care/_all_docs', { keys: [patientDocId], include_docs: true, deleted: 'ok' });
    expect(posted.body.rows[0].doc.patientId).toBe(patient.userId);

    const feed = linked.json('GET', `/sync/care/_changes?feed=longpoll&since=${encodeURIComponent(String(changes.body.last_seq))}&include_docs=true&timeout=20000`);
    await world.putCareDoc(linked, { _id: `progress:${patient.userId}`, type: 'care-progress', schemaVersion: 1, patientId: patient.userId, progress: {} });
    expect((await feed).body.results.map((r: Json) => r.id)).toEqual([`progress:${patient.userId}`]);
  });

  it("a clinician's RxDB pulls /sync/care/ live, and a revoke's bare tombstones empty it", async () => {
    const follower = await world.clinician();
    const followed = await world.patient();
    await world.link(followed, follower);
    const first = await world.putCareDoc(follower, careDoc(followed.userId));
    const client = clientFetch(follower.token);
    // The device's care collection: a key-only schema, so a tombstone without a body is accepted.
    const db = await createRxDatabase({ name: `care${follower.userId}`, storage: getRxStorageMemory(), multiInstance: false });
    await db.addCollections({ care: { schema: { version: 0, primaryKey: 'id', type: 'object', properties: { id: { type: 'string', maxLength: 100 } }, required: ['id'] } as never } });
    const care = db.collections['care'] as RxCollection;
    const replication = replicateCouchDB({
      replicationIdentifier: 'care-pull',
      collection: care,
      url: `${world.gatewayUrl}/sync/care/`,
      fetch: client.fetch,
      live: true,
      waitForLeadership: false,
      retryTime: 200,
      pull: { batchSize: 10, heartbeat: 5000 },
    });
    const errors: unknown[] = [];
    replication.error$.subscribe((err) => errors.push(err));
    try {
      await replication.awaitInitialReplication();
      expect((await care.findOne(`patient:${followed.userId}`).exec())?.toJSON()).toMatchObject({ patientId: followed.userId, type: 'care-patient' });
      const analysisId = `analysis:${followed.userId}:ses_1`;
      const second = await world.putCareDoc(follower, { _id: analysisId, type: 'care-analysis', schemaVersion: 1, patientId: followed.userId, analysis: {} });
      await vi.waitFor(async () => expect(await care.findOne(analysisId).exec()).not.toBeNull(), { timeout: 10_000 });

      expect(second).toMatch(/^1-/);
      expect(first).toMatch(/^1-/);
      // No worker runs here: the revoke request itself writes the bare tombstones.
      expect((await followed.json('DELETE', `/api/care/links/${follower.userId}`)).status).toBe(200);
      await vi.waitFor(async () => expect(await care.count().exec()).toBe(0), { timeout: 10_000 });
      expect(errors).toEqual([]);
      // Only the pull's endpoints were used, and none was refused.
      for (const request of client.requested) {
        expect(request.url).toMatch(/\/sync\/care\/(_changes|_all_docs)?(\?|$)/);
        expect(request.status ?? 200).toBeLessThan(300);
      }
    } finally {
      await replication.cancel();
      client.abortAll();
      await db.remove();
    }
  });

  it("a revoke, by the patient or by the patient's account deletion, takes every leaf of the patient's care documents out of the pull, with no worker running", async () => {
    const careDocs = (patientId: string): Json[] => [
      careDoc(patientId),
      { _id: `progress:${patientId}`, type: 'care-progress', schemaVersion: 1, patientId, progress: { id: 'progress', note: SECRET } },
      ...[1, 2, 3].map((n) => ({ _id: `analysis:${patientId}:ses_${n}`, type: 'care-analysis', schemaVersion: 1, patientId, analysis: { note: SECRET } })),
    ];
    const clinician = await world.clinician();
    const kept = await world.patient();
    const byRevoke = await world.patient();
    for (const p of [kept, byRevoke]) await world.link(p, clinician);
    for (const p of [kept, byRevoke]) for (const doc of careDocs(p.userId)) await world.putCareDoc(clinician, doc);
    // A conflicting leaf, as replication could leave one: it must go too.
    const conflict = await world.store.json('POST', `/${clinician.careDb}/_bulk_docs`, { new_edits: false, docs: [{ ...careDoc(byRevoke.userId), _rev: '1-0123456789abcdef0123456789abcdef' }] });
    expect(conflict.status).toBe(201);
    expect((await world.store.json('GET', `/${clinician.careDb}/${encodeURIComponent(`patient:${byRevoke.userId}`)}?conflicts=true`)).body._conflicts).toHaveLength(1);

    expect((await byRevoke.json('DELETE', `/api/care/links/${clinician.userId}`)).status).toBe(200);
    const pulled = async (): Promise<string> =>
      JSON.stringify([(await clinician.json('GET', '/sync/care/_all_docs?include_docs=true&conflicts=true')).body, (await clinician.json('GET', '/sync/care/_changes?include_docs=true&style=all_docs&conflicts=true')).body]);
    const afterRevoke = await pulled();
    expect(afterRevoke).toContain(kept.userId);
    const changes = (await clinician.json('GET', '/sync/care/_changes?include_docs=true&style=all_docs')).body.results as Json[];
    const ofRevoked = changes.filter((c) => String(c.id).includes(byRevoke.userId));
    expect(ofRevoked).toHaveLength(5);
    for (const change of ofRevoked) {
      expect(change.deleted).toBe(true);
      expect(Object.keys(change.doc).sort()).toEqual(['_deleted', '_id', '_rev']);
    }
    const allDocs = (await clinician.json('GET', '/sync/care/_all_docs?include_docs=true')).body.rows as Json[];
    expect(allDocs.map((r) => r.id).filter((id: string) => id.includes(byRevoke.userId))).toEqual([]);
    // Every leaf is a tombstone: the store holds no live revision of the patient's summary.
    const leaves = (await world.store.json('GET', `/${clinician.careDb}/${encodeURIComponent(`patient:${byRevoke.userId}`)}?open_revs=all`)).body as Json[];
    expect(leaves).toHaveLength(2);
    for (const leaf of leaves) expect(leaf.ok._deleted).toBe(true);

    // The kept patient deletes their account: its revokes clear the same way.
    expect((await kept.json('DELETE', '/me', { password: TEST_PASSWORD })).status).toBe(200);
    expect(await pulled()).not.toContain(SECRET);
    const rows = (await clinician.json('GET', '/sync/care/_all_docs?include_docs=true')).body.rows as Json[];
    expect(rows).toEqual([]);
  });

  it('refuses on the care database every read but the pull and every write, even to a linked clinician', async () => {
    const rev = encodeURIComponent(oldRev);
    const asLinked = [
      await linked.json('GET', `/sync/care/${encodeURIComponent(patientDocId)}`),
      await linked.json('GET', `/sync/care/${encodeURIComponent(patientDocId)}?rev=${rev}`),
      await linked.json('GET', `/sync/care/${encodeURIComponent(patientDocId)}?open_revs=all`),
      await linked.json('POST', '/sync/care/_bulk_get', { docs: [{ id: patientDocId }] }),
      await linked.json('POST', '/sync/care/_revs_diff', { [patientDocId]: ['1-x'] }),
      await linked.json('GET', '/sync/care/_local/checkpoint'),
      await linked.json('PUT', '/sync/care/_local/checkpoint', { seq: 1 }),
      await linked.json('POST', '/sync/care/_bulk_docs', { docs: [{ _id: 'patient:x', type: 'care-patient' }] }),
      await linked.json('PUT', '/sync/care/patient:x', { type: 'care-patient' }),
      await linked.json('POST', '/sync/care/_bulk_docs', { docs: [{ _id: patientDocId, _deleted: true }] }),
    ];
    for (const answer of asLinked) expectRefused(answer);
    expect(asLinked[0]?.body.code).toBe('request_refused');
    // Nothing was written: the care database holds the worker's two documents, unchanged.
    const stored = await world.store.json('GET', `/${linked.careDb}/_all_docs`);
    expect(stored.body.rows.map((r: Json) => r.id).sort()).toEqual([patientDocId, `progress:${patient.userId}`]);
  });

  it('a clinician with a revoked link sees the deletion and nothing of the old revision', async () => {
    // The store still holds the old body (no compaction yet): the refusal is what keeps it out of reach.
    expect((await world.store.json('GET', `/${revoked.careDb}/${encodeURIComponent(patientDocId)}?rev=${encodeURIComponent(oldRev)}`)).body.username).toBe(SECRET);

    const changes = await revoked.json('GET', '/sync/care/_changes?include_docs=true&style=all_docs');
    expect(changes.status).toBe(200);
    expect(changes.body.results).toEqual([{ id: patientDocId, seq: expect.anything(), deleted: true, changes: [{ rev: expect.any(String) }], doc: { _id: patientDocId, _rev: expect.any(String), _deleted: true } }]);
    const keys = encodeURIComponent(JSON.stringify([patientDocId]));
    const rows = await revoked.json('GET', `/sync/care/_all_docs?keys=${keys}&include_docs=true&conflicts=true`);
    expect(rows.body.rows[0]).toMatchObject({ id: patientDocId, value: { deleted: true }, doc: null });

    const rev = encodeURIComponent(oldRev);
    for (const answer of [
      await revoked.json('GET', `/sync/care/${encodeURIComponent(patientDocId)}?rev=${rev}`),
      await revoked.json('GET', `/sync/care/${encodeURIComponent(patientDocId)}?open_revs=${encodeURIComponent(JSON.stringify([oldRev]))}`),
      await revoked.json('POST', '/sync/care/_bulk_get', { docs: [{ id: patientDocId, rev: oldRev }] }),
      await revoked.json('POST', '/sync/care/_changes?include_docs=true', { doc_ids: [patientDocId] }),
    ]) {
      expect(JSON.stringify(answer.body)).not.toContain(SECRET);
    }
  });

  it("clinicians without a link, with a revoked link, or with an expired or used code reach none of the patient's data", async () => {
    const unlinked = await world.clinician();
    const expiredCode = await world.clinician();
    const usedCode = await world.clinician();
    const late = await world.shareCode(patient);
    world.gateway.clock.advance(61_000);
    expect((await expiredCode.json('POST', '/api/care/links', { code: late })).body.code).toBe('share_code_invalid');
    const taken = await world.shareCode(patient);
    expect((await linked.json('POST', '/api/care/links', { code: taken })).status).toBe(201); // already linked: stays active
    expect((await usedCode.json('POST', '/api/care/links', { code: taken })).body.code).toBe('share_code_invalid');

    const sessionsDb = patient.dbs.sessions;
    const progressDb = patient.dbs.progress;
    for (const clinician of [unlinked, revoked, expiredCode, usedCode]) {
      const attempts = [
        await clinician.json('GET', '/sync/sessions/_all_docs?include_docs=true'),
        await clinician.json('GET', '/sync/sessions/_changes?include_docs=true'),
        await clinician.json('POST', '/sync/sessions/_bulk_get', { docs: [{ id: 'progress' }] }),
        await clinician.json('GET', '/sync/progress/progress'),
        await clinician.json('GET', '/sync/progress/_changes?include_docs=true&feed=longpoll&timeout=1000'),
        await clinician.json('GET', '/sync/progress/_local/x'),
        await clinician.json('GET', '/api/progress'),
        await clinician.json('GET', '/api/sessions'),
        await clinician.json('POST', '/api/sessions', couchSession(9, 5)),
      ];
      for (const answer of attempts) {
        expectRefused(answer);
        expect(answer.body.code).toBe('wrong_role');
      }
      for (const path of [`/sync/care/..%2F${sessionsDb}/_all_docs`, `/sync/care/../${progressDb}/progress`, `/sync/${progressDb}/progress`, `/sync/care/%2e%2e/${sessionsDb}`]) {
        expectRefused(await rawRequest(world.gatewayUrl, 'GET', path, { authorization: `Bearer ${clinician.token}` }), [400, 403, 404]);
      }
      const care = await clinician.json('GET', '/sync/care/_changes?include_docs=true');
      expect(care.status).toBe(200);
      expect(JSON.stringify(care.body)).not.toContain(SECRET);
      expect((await clinician.json('GET', '/api/care/links')).body.links.filter((l: Json) => l.status === 'active')).toEqual([]);
    }
  });

  it("a patient reaches no clinician's care database and no other patient's links", async () => {
    const other = await world.patient();
    for (const answer of [
      await other.json('GET', '/sync/care/'),
      await other.json('GET', '/sync/care/_changes?include_docs=true'),
      await other.json('POST', '/sync/care/_all_docs', { keys: [patientDocId], include_docs: true }),
      await other.json('POST', '/api/care/links', { code: randomCode(10) }),
    ]) {
      expectRefused(answer);
      expect(answer.body.code).toBe('wrong_role');
    }
    expectRefused(await rawRequest(world.gatewayUrl, 'GET', `/sync/progress/..%2F${linked.careDb}/_all_docs?include_docs=true`, { authorization: `Bearer ${other.token}` }), [400, 403, 404]);
    expectRefused(await rawRequest(world.gatewayUrl, 'GET', `/sync/${linked.careDb}/_all_docs`, { authorization: `Bearer ${other.token}` }), [404]);
    expect((await other.json('GET', '/api/care/links')).body).toEqual({ links: [] });
    // Revoking someone else's link is not possible: it names only the caller's own pairs.
    expect((await other.json('DELETE', `/api/care/links/${linked.userId}`)).body.code).toBe('link_not_found');
    expect((await linked.json('GET', '/api/care/links')).body.links.find((l: Json) => l.patientId === patient.userId).status).toBe('active');
  });

  it("a clinician cannot write into a patient's data, by any path", async () => {
    const before = await world.store.json('GET', `/${patient.dbs.sessions}/_all_docs`);
    for (const answer of [
      await linked.json('POST', '/sync/sessions/_bulk_docs', { docs: [couchSession(11, 5)] }),
      await linked.json('PUT', `/sync/sessions/${couchSession(12, 5)._id}`, couchSession(12, 5)),
      await linked.json('POST', '/sync/progress/_bulk_docs', { docs: [{ _id: 'progress', type: 'progress' }] }),
      await linked.json('POST', '/api/sessions', couchSession(13, 5)),
    ]) {
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('wrong_role');
    }
    expect((await world.store.json('GET', `/${patient.dbs.sessions}/_all_docs`)).body.rows).toEqual(before.body.rows);
  });
});
