import { userDatabases } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fnv1a32, ownsDatabase, shardOfDatabase, startWorker, type RunningWorker } from '../src/index.js';
import { createUser, expectUserUpToDate, PREFIX, putDocs, sessionDoc, startTestStore, testConfig, userIdFor, type TestStore } from './support/storeWorld.js';

let store: TestStore;
const workers: RunningWorker[] = [];

beforeAll(async () => {
  store = await startTestStore();
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await store?.teardown();
});

describe('sharding', () => {
  it('hashes database names with 32-bit FNV-1a (stable across processes and versions)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    const name = userDatabases(PREFIX, userIdFor(1)).sessions;
    const owners = [0, 1, 2].filter((index) => ownsDatabase({ index, count: 3 }, name));
    expect(owners).toEqual([shardOfDatabase(name, 3)]);
  });

  it('two shards together process every sessions database, each exactly once', async () => {
    const users = Array.from({ length: 12 }, (_, i) => userIdFor(500 + i));
    for (const [i, userId] of users.entries()) {
      await createUser(store, userId);
      await putDocs(store, userDatabases(PREFIX, userId).sessions, [0, 1].map((k) => sessionDoc({ seed: 8000 + i * 2 + k, durationS: 4 })));
    }
    for (const shard of ['0/2', '1/2']) workers.push(await startWorker(testConfig(store, { WORKER_SHARD: shard, WORKER_POOL_SIZE: '1' })));
    await Promise.all(workers.map((w) => w.idle()));

    for (const userId of users) await expectUserUpToDate(store, userId, { firstRevisionOnly: true });
    const all = users.map((u) => userDatabases(PREFIX, u).sessions).sort();
    const [first, second] = workers.map((w) => w.stats().databases);
    expect(first?.length).toBeGreaterThan(0);
    expect(second?.length).toBeGreaterThan(0);
    expect(first?.filter((db) => second?.includes(db))).toEqual([]);
    expect([...(first ?? []), ...(second ?? [])].sort()).toEqual(all);
    for (const db of first ?? []) expect(shardOfDatabase(db, 2)).toBe(0);
    for (const db of second ?? []) expect(shardOfDatabase(db, 2)).toBe(1);
    expect(workers.reduce((sum, w) => sum + w.stats().processed, 0)).toBe(24);
  }, 60_000);
});
