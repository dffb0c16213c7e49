import { synthesizeSession, sessionSchema, type Session } from '@m2m/analysis-core';
import { createRxDatabase, type RxCollection, type RxDatabase } from 'rxdb';
import { replicateCouchDB, type RxCouchDBReplicationState } from 'rxdb/plugins/replication-couchdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clientFetch, type ClientFetch } from './support/proxyClientFetch.js';
import { startProxyWorld, type ProxyUser, type ProxyWorld } from './support/proxyWorld.js';

const resultsSchema = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id: { type: 'string', maxLength: 240 }, type: { type: 'string' } },
  required: ['id', 'type'],
} as const;

describe('RxDB 17 replicateCouchDB through the proxy', () => {
  let world: ProxyWorld;
  let user: ProxyUser;
  let db: RxDatabase;
  let client: ClientFetch;
  const replications: RxCouchDBReplicationState<unknown>[] = [];

  beforeAll(async () => {
    world = await startProxyWorld();
    user = await world.newUser();
    client = clientFetch(user.token);
    db = await createRxDatabase({ name: `rx${user.userId}`, storage: getRxStorageMemory(), multiInstance: false });
    await db.addCollections({ sessions: { schema: sessionSchema as never }, results: { schema: resultsSchema as never } });
  });
  afterAll(async () => {
    await Promise.all(replications.map((r) => r.cancel()));
    // A cancelled replication leaves its last longpoll waiting: end it.
    client.abortAll();
    await db.remove();
    await world.close();
  });

  const sessions = (): RxCollection => db.collections['sessions'] as RxCollection;
  const results = (): RxCollection => db.collections['results'] as RxCollection;
  const storeDoc = (dbName: string, id: string) => world.store.json('GET', `/${dbName}/${encodeURIComponent(id)}`);

  it('pushes and pulls sessions through /sync/sessions/, live', async () => {
    const local: Session[] = [1, 2, 3].map((seed) => synthesizeSession({ seed, durationS: 60 }));
    await sessions().bulkInsert(local);
    const replication = replicateCouchDB({
      replicationIdentifier: 'sessions-through-proxy',
      collection: sessions(),
      url: `${world.gatewayUrl}/sync/sessions/`,
      fetch: client.fetch,
      live: true,
      waitForLeadership: false,
      retryTime: 200,
      pull: { batchSize: 10, heartbeat: 5000 },
      push: { batchSize: 10 },
    });
    replications.push(replication as RxCouchDBReplicationState<unknown>);
    const errors: unknown[] = [];
    replication.error$.subscribe((err) => errors.push(err));
    await replication.awaitInitialReplication();

    for (const session of local) {
      const stored = await storeDoc(user.dbs.sessions, session.id);
      expect(stored.status).toBe(200);
      expect(stored.body.sensors.data).toBe(session.sensors.data);
    }

    // Live push: a session recorded now reaches the store.
    const later = synthesizeSession({ seed: 4, durationS: 60 });
    await sessions().insert(later);
    await replication.awaitInSync();
    await vi.waitFor(async () => expect((await storeDoc(user.dbs.sessions, later.id)).status).toBe(200), { timeout: 10_000 });

    // Live pull: a session stored by another device arrives through the longpoll.
    const { id, ...fromOtherDevice } = synthesizeSession({ seed: 5, durationS: 60 });
    expect((await world.store.json('PUT', `/${user.dbs.sessions}/${id}`, fromOtherDevice)).status).toBe(201);
    await vi.waitFor(async () => expect(await sessions().findOne(id).exec()).not.toBeNull(), { timeout: 10_000 });

    // A local delete reaches the store as a tombstone.
    await (await sessions().findOne(local[0]!.id).exec())!.remove();
    await replication.awaitInSync();
    await vi.waitFor(async () => expect((await storeDoc(user.dbs.sessions, local[0]!.id)).body.reason).toBe('deleted'), { timeout: 10_000 });

    expect(errors).toEqual([]);
    const used = new Set(client.requested.map((r) => `${r.method} ${new URL(r.url).pathname}`));
    expect(used).toContain('POST /sync/sessions/_bulk_docs');
    expect(used).toContain('GET /sync/sessions/_changes');
  });

  it('pulls analyses and the progress document from /sync/progress/, live', async () => {
    const progressDb = user.dbs.progress;
    const analysisId = 'analysis:ses_01JD0000000000000000000000';
    await world.store.json('PUT', `/${progressDb}/${analysisId}`, { type: 'analysis', status: 'ok' });
    const replication = replicateCouchDB({
      replicationIdentifier: 'progress-through-proxy',
      collection: results(),
      url: `${world.gatewayUrl}/sync/progress/`,
      fetch: client.fetch,
      live: true,
      waitForLeadership: false,
      retryTime: 200,
      pull: { batchSize: 10, heartbeat: 5000 },
    });
    replications.push(replication as RxCouchDBReplicationState<unknown>);
    await replication.awaitInitialReplication();
    expect((await results().findOne(analysisId).exec())?.get('type')).toBe('analysis');

    await world.store.json('PUT', `/${progressDb}/progress`, { type: 'progress', sessionCount: 1 });
    await vi.waitFor(async () => expect((await results().findOne('progress').exec())?.get('sessionCount')).toBe(1), { timeout: 10_000 });
  });
});
