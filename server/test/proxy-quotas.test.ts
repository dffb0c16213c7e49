import { StoreClient, StreamingClient, storeUrlWithCredentials } from '@m2m/couch';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TEST_ADMIN } from '../../store/test/storeFixture.js';
import { StoredBytes } from '../src/proxy/storedBytes.js';
import { couchSession } from './support/proxySessions.js';
import { startProxyWorld, type ProxyUser, type ProxyWorld } from './support/proxyWorld.js';

describe('replication proxy: per-user quotas', () => {
  let world: ProxyWorld;

  beforeAll(async () => {
    world = await startProxyWorld({ QUOTA_STORED_BYTES: '300000', QUOTA_LOCAL_DOCS: '3', QUOTA_LOCAL_BYTES: '8192' });
  });
  afterAll(async () => {
    await world.close();
  });

  it('refuses sessions over the stored-bytes quota (sync and REST) naming it, keeps what is stored, and still takes deletions', async () => {
    const user = await world.newUser();
    const first = Array.from({ length: 4 }, (_, i) => couchSession(500 + i));
    const stored = await user.json('POST', '/sync/sessions/_bulk_docs', { docs: first });
    expect((stored.body as Array<{ ok?: boolean }>).every((row) => row.ok)).toBe(true);

    const more = Array.from({ length: 4 }, (_, i) => couchSession(510 + i));
    const answer = await user.json('POST', '/sync/sessions/_bulk_docs', { docs: more });
    expect(answer.status).toBe(201);
    const refused = (answer.body as Array<{ error?: string; reason?: string }>).filter((row) => row.error === 'forbidden');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.reason).toContain('over the quota of 300000 stored bytes per user');

    for (const session of first) expect((await world.store.json('GET', `/${user.dbs.sessions}/${session._id}`)).status).toBe(200);
    const rev = (stored.body as Array<{ rev: string }>)[0]!.rev;
    const removed = await user.json('POST', '/sync/sessions/_bulk_docs', { docs: [{ _id: first[0]!._id, _rev: rev, _deleted: true }] });
    expect((removed.body as Array<{ ok?: boolean }>)[0]).toMatchObject({ ok: true });

    const single = couchSession(520);
    const put = await user.json('PUT', `/sync/sessions/${single._id}`, single);
    expect(put).toMatchObject({ status: 403, body: { error: 'forbidden', reason: expect.stringContaining('stored bytes per user') } });
    const upload = await user.json('POST', '/api/sessions', couchSession(521));
    expect(upload).toMatchObject({ status: 403, body: { error: 'forbidden', reason: expect.stringContaining('over the quota of 300000 stored bytes per user') } });
    const secondRev = (stored.body as Array<{ rev: string }>)[1]!.rev;
    const deleted = await user.json('PUT', `/sync/sessions/${first[1]!._id}`, { _deleted: true, _rev: secondRev });
    expect(deleted.status).toBe(201);
  });

  it('keeps concurrent batches of one user within the stored-bytes quota together: the overflow gets the quota\'s row', async () => {
    const user = await world.newUser();
    const storedAtStart = Number((await world.store.json('GET', `/${user.dbs.sessions}`)).body.sizes.external);
    // Six batches of two sessions, each batch well within the quota alone, all six far over it.
    const batches = Array.from({ length: 6 }, (_, b) => [couchSession(600 + 2 * b), couchSession(601 + 2 * b)]);
    const answers = await Promise.all(batches.map((docs) => user.json('POST', '/sync/sessions/_bulk_docs', { docs })));
    let acceptedBytes = 0;
    let refused = 0;
    answers.forEach((answer, b) => {
      expect(answer.status).toBe(201);
      (answer.body as Array<{ ok?: boolean; error?: string; reason?: string }>).forEach((row, i) => {
        if (row.ok) acceptedBytes += Buffer.byteLength(JSON.stringify(batches[b]![i]), 'utf8');
        else {
          expect(row).toMatchObject({ error: 'forbidden', reason: expect.stringContaining('over the quota of 300000 stored bytes per user') });
          refused += 1;
        }
      });
    });
    expect(refused).toBeGreaterThan(0);
    expect(acceptedBytes).toBeGreaterThan(0);
    expect(storedAtStart + acceptedBytes).toBeLessThanOrEqual(300_000);
  });

  it('answers a size reading past its time at once and reads the store behind it; a prefetch reads ahead', async () => {
    const user = await world.newUser();
    let clock = 0;
    const sizes = new StoredBytes(new StreamingClient(new StoreClient(storeUrlWithCredentials(world.store.url, TEST_ADMIN))), 5_000, 30_000, () => clock);
    const db = user.dbs.sessions;
    const grow = async (seed: number): Promise<void> => {
      expect((await world.store.json('POST', `/${db}/_bulk_docs`, { docs: [couchSession(seed)] })).status).toBe(201);
    };
    // Read ahead, as the sync proxy does when a device opens its sessions feed: later calls within the time answer from it.
    sizes.prefetch(db);
    await vi.waitFor(async () => expect(await sizes.of(db)).toBeGreaterThan(0));
    const first = await sizes.of(db);
    await grow(530);
    expect(await sizes.of(db)).toBe(first);
    clock = 31_000;
    // Past its time: the older reading answers without waiting for the store, and the gateway's own writes still count on it.
    sizes.add(db, 10);
    expect(await sizes.of(db)).toBe(first + 10);
    await vi.waitFor(async () => expect(await sizes.of(db)).toBeGreaterThan(first + 10));
  });

  it('bounds the number of _local documents, rewrites in place, and leaves the existing ones readable', async () => {
    const user = await world.newUser();
    for (const id of ['a', 'b', 'c']) expect((await user.json('PUT', `/sync/sessions/_local/${id}`, { seq: 1 })).status).toBe(201);
    const fourth = await user.json('PUT', '/sync/sessions/_local/d', { seq: 1 });
    expect(fourth).toMatchObject({ status: 403, body: { error: 'forbidden', reason: expect.stringContaining('quota of 3 _local documents') } });
    const a = await user.json('GET', '/sync/sessions/_local/a');
    expect(a.status).toBe(200);
    expect((await user.json('PUT', '/sync/sessions/_local/a', { seq: 2, _rev: (a.body as { _rev: string })._rev })).status).toBe(201);
    expect((await user.json('DELETE', `/sync/sessions/_local/b?rev=${encodeURIComponent((await user.json('GET', '/sync/sessions/_local/b')).body._rev as string)}`)).status).toBe(200);
    expect((await user.json('PUT', '/sync/sessions/_local/d', { seq: 1 })).status).toBe(201);
    expect((await user.json('GET', '/sync/sessions/_local/c')).status).toBe(200);
  });

  it('counts the _local documents the store already holds, as after a restart or from another gateway process', async () => {
    const user = await world.newUser();
    // Written before this gateway process started: only the store knows them.
    expect((await world.store.json('PUT', `/${user.dbs.sessions}/_local/old1`, { seq: 1 })).status).toBe(201);
    expect((await world.store.json('PUT', `/${user.dbs.progress}/_local/old2`, { seq: 1 })).status).toBe(201);
    expect((await user.json('PUT', '/sync/sessions/_local/new1', { seq: 1 })).status).toBe(201);
    const fourth = await user.json('PUT', '/sync/sessions/_local/new2', { seq: 1 });
    expect(fourth).toMatchObject({ status: 403, body: { error: 'forbidden', reason: expect.stringContaining('quota of 3 _local documents') } });
    // Rewriting a checkpoint the store already had does not count twice.
    const old = await user.json('GET', '/sync/sessions/_local/old1');
    expect((await user.json('PUT', '/sync/sessions/_local/old1', { seq: 2, _rev: (old.body as { _rev: string })._rev })).status).toBe(201);

    const heavy = await world.newUser();
    expect((await world.store.json('PUT', `/${heavy.dbs.sessions}/_local/big`, { pad: 'x'.repeat(6000) })).status).toBe(201);
    const over = await heavy.json('PUT', '/sync/sessions/_local/more', { pad: 'x'.repeat(3000) });
    expect(over).toMatchObject({ status: 403, body: { reason: expect.stringContaining('quota of 8192 bytes of _local documents') } });
  });

  it('bounds the total bytes of _local documents', async () => {
    const user = await world.newUser();
    expect((await user.json('PUT', '/sync/sessions/_local/big1', { pad: 'x'.repeat(5000) })).status).toBe(201);
    const second = await user.json('PUT', '/sync/sessions/_local/big2', { pad: 'x'.repeat(5000) });
    expect(second).toMatchObject({ status: 403, body: { reason: expect.stringContaining('quota of 8192 bytes of _local documents') } });
    expect((await user.json('GET', '/sync/sessions/_local/big1')).status).toBe(200);
  });
});

describe('replication proxy: request rate per user', () => {
  let world: ProxyWorld;
  let noisy: ProxyUser;
  let quiet: ProxyUser;

  beforeAll(async () => {
    world = await startProxyWorld({ QUOTA_SYNC_REQUESTS_PER_S: '1', QUOTA_SYNC_BURST: '5' });
    noisy = await world.newUser();
    quiet = await world.newUser();
  });
  afterAll(async () => {
    await world.close();
  });

  it('answers 429 with Retry-After naming the quota past the burst, and another user is not affected', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<ProxyUser['json']>> | undefined;
    for (let i = 0; i < 8; i++) {
      const answer = await noisy.json('GET', '/sync/sessions/');
      statuses.push(answer.status);
      if (answer.status === 429) limited ??= answer;
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses).toContain(429);
    expect(limited?.body).toMatchObject({ error: 'too_many_requests', reason: expect.stringContaining('quota of 1 /sync requests per second') });
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await quiet.json('GET', '/sync/sessions/')).status).toBe(200);
  });
});
