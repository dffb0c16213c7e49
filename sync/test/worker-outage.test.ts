import { userDatabases } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/index.js';
import { allDocs, createUser, eventually, expectUserUpToDate, PREFIX, putDocs, sessionDoc, startTestStore, testConfig, userIdFor, type TestStore } from './support/storeWorld.js';
import { sleep } from './support/workerProcess.js';

let store: TestStore;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  store = await startTestStore();
});

afterAll(async () => {
  await worker?.stop();
  await store?.teardown();
});

describe('store outage', () => {
  it('recovers alone when the store stops mid-run and starts again, and loses nothing', async () => {
    const users = Array.from({ length: 5 }, (_, i) => userIdFor(400 + i));
    for (const userId of users) await createUser(store, userId);
    const write = async (from: number, count: number): Promise<void> => {
      for (let n = from; n < from + count; n++) {
        const userId = users[n % users.length] as string;
        await putDocs(store, userDatabases(PREFIX, userId).sessions, [sessionDoc({ seed: 7000 + n, durationS: 4 })]);
      }
    };
    await write(0, 40);
    worker = await startWorker(testConfig(store, { WORKER_BATCH_SIZE: '4' }), { feedTimeoutMs: 2_000 });
    await eventually(async () => {
      expect((await allDocs(store, userDatabases(PREFIX, users[0] as string).progress, 'analysis:')).length).toBeGreaterThan(0);
    }, 20_000, 20);

    await store.stop(); // mid-run: batches in hand now fail and are retried
    await sleep(1_500);
    await store.start();
    await write(40, 20);

    await worker.idle();
    for (const userId of users) await expectUserUpToDate(store, userId, { firstRevisionOnly: true });
    const stats = worker.stats();
    expect(stats.retried).toBeGreaterThan(0);
    expect(stats.lastError?.message).toMatch(/unreachable|no answer|HTTP 5/);
    expect(stats.processed).toBeGreaterThanOrEqual(60);
  }, 60_000);
});
