import { synthesizeSession } from '@m2m/analysis-core';
import PouchDB from 'pouchdb';
import memoryAdapter from 'pouchdb-adapter-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyWorld, type ProxyUser, type ProxyWorld } from './support/proxyWorld.js';

PouchDB.plugin(memoryAdapter);

type Doc = PouchDB.Core.PutDocument<Record<string, unknown>>;

function couchSession(seed: number): Doc & { _id: string } {
  const { id, ...rest } = synthesizeSession({ seed, durationS: 60 });
  return { _id: id, ...rest };
}

describe('PouchDB 9 replicate() through the proxy', () => {
  let world: ProxyWorld;
  let user: ProxyUser;
  let counter = 0;
  const opened: PouchDB.Database[] = [];

  beforeAll(async () => {
    world = await startProxyWorld();
    user = await world.newUser();
  });
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.destroy().catch(() => db.close())));
    await world.close();
  });

  function local(): PouchDB.Database {
    const db = new PouchDB(`local-${++counter}-${user.userId}`, { adapter: 'memory' });
    opened.push(db);
    return db;
  }

  function remote(name: 'sessions' | 'progress', token = user.token): PouchDB.Database {
    return new PouchDB(`${world.gatewayUrl}/sync/${name}`, {
      skip_setup: true,
      fetch: (url, init = {}) => {
        const headers = new Headers(init.headers);
        headers.set('authorization', `Bearer ${token}`);
        return PouchDB.fetch(url, { ...init, headers });
      },
    });
  }

  it('pushes sessions, including a later delete, to /sync/sessions/', async () => {
    const source = local();
    const docs = [couchSession(11), couchSession(12), couchSession(13)];
    await source.bulkDocs(docs);
    const push = await source.replicate.to(remote('sessions'));
    expect(push.ok).toBe(true);
    expect(push.docs_written).toBe(3);
    for (const doc of docs) expect((await world.store.json('GET', `/${user.dbs.sessions}/${doc._id}`)).status).toBe(200);

    const first = await source.get(docs[0]!._id);
    await source.remove(first);
    const again = await source.replicate.to(remote('sessions'));
    expect(again.docs_written).toBe(1);
    expect((await world.store.json('GET', `/${user.dbs.sessions}/${docs[0]!._id}`)).body.reason).toBe('deleted');
  });

  it('pulls sessions stored by another device from /sync/sessions/', async () => {
    const other = couchSession(14);
    expect((await world.store.json('PUT', `/${user.dbs.sessions}/${other._id}`, other)).status).toBe(201);
    const target = local();
    const pull = await target.replicate.from(remote('sessions'));
    expect(pull.ok).toBe(true);
    const pulled = await target.get<Record<string, unknown>>(other._id);
    expect(pulled['sensors']).toEqual(other['sensors']);
    // Tombstones come along too.
    const all = await target.allDocs();
    expect(all.rows.map((r) => r.id)).toContain(other._id);
  });

  it('stores the good documents of a push and reports the bad one', async () => {
    const source = local();
    const good = couchSession(15);
    const bad = { ...couchSession(16), score: -5 };
    await source.bulkDocs([good, bad]);
    const push = await source.replicate.to(remote('sessions'));
    expect(push.docs_written).toBe(1);
    expect(push.doc_write_failures).toBe(1);
    expect((await world.store.json('GET', `/${user.dbs.sessions}/${good._id}`)).status).toBe(200);
    expect((await world.store.json('GET', `/${user.dbs.sessions}/${bad._id}`)).status).toBe(404);
  });

  it('pulls from /sync/progress/ and cannot push to it', async () => {
    await world.store.json('PUT', `/${user.dbs.progress}/progress`, { type: 'progress', sessionCount: 3 });
    const target = local();
    const pull = await target.replicate.from(remote('progress'));
    expect(pull.docs_written).toBe(1);
    expect((await target.get<{ sessionCount: number }>('progress')).sessionCount).toBe(3);

    const source = local();
    await source.put(couchSession(17));
    const push = await source.replicate.to(remote('progress')).catch((err: unknown) => err);
    expect(push).toMatchObject({ status: 403 });
    const info = await world.store.json('GET', `/${user.dbs.progress}`);
    expect(info.body.doc_count).toBe(1);
  });
});
