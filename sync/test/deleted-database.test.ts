import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/index.js';
import { allDocs, createUser, eventually, getDoc, putDocs, sessionDoc, startTestStore, testConfig, userIdFor, type TestStore } from './support/storeWorld.js';

// Analyses like the real thread, except that a document whose id starts with `hang` never finishes (then times out).
const misbehaving = new URL('./fixtures/misbehavingThread.mjs', import.meta.url);

async function batchesCounted(worker: RunningWorker): Promise<number> {
  return (await worker.metrics.batches.get()).values.reduce((sum, v) => sum + v.value, 0);
}

describe('sync worker: a database deleted between its turns', () => {
  let store: TestStore;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    store = await startTestStore();
  });

  afterAll(async () => {
    await worker?.stop();
    await store.teardown();
  });

  it('keeps nothing of it: a database created again under its name reads a full batch in its first turn', async () => {
    const a = await createUser(store, userIdFor(1421));
    const b = await createUser(store, userIdFor(1422));
    // 8 s at 100 Hz × 11 channels costs 8,800: with a budget of 10,000 each turn of A keeps one session.
    const hangA = { ...sessionDoc({ seed: 61, startedAt: '2026-05-01T08:00:00.000Z' }), _id: 'hang-a' };
    await putDocs(store, a.sessions, [hangA]);
    await putDocs(store, a.sessions, [sessionDoc({ seed: 62, startedAt: '2026-05-01T09:00:00.000Z' }), sessionDoc({ seed: 63, startedAt: '2026-05-01T10:00:00.000Z' })]);

    worker = await startWorker(
      testConfig(store, { WORKER_CONCURRENCY: '1', WORKER_POOL_SIZE: '1', WORKER_ANALYSIS_BUDGET: '10000' }),
      { pool: { threadUrl: misbehaving, jobTimeoutMs: 3_000 } },
    );
    // A's first turn is held by its hanging session; B's hanging session queues ahead of A's next turn.
    await eventually(async () => expect(worker?.stats().databases).toContain(a.sessions), 20_000, 20);
    await putDocs(store, b.sessions, [{ ...sessionDoc({ seed: 64, startedAt: '2026-05-01T08:00:00.000Z' }), _id: 'hang-b' }]);
    await eventually(async () => expect(await getDoc(store, a.progress, 'analysis:hang-a')).toBeDefined(), 30_000, 20);
    // While B's turn runs, A is deleted with changes left: it never gets another turn.
    expect((await store.json('DELETE', `/${a.sessions}`)).status).toBe(200);
    await eventually(async () => expect(await getDoc(store, b.progress, 'analysis:hang-b')).toBeDefined(), 30_000, 20);
    await worker.idle();
    // The premise: A was deleted with sessions it had not had a turn for.
    expect((await allDocs(store, a.progress, 'analysis:')).length).toBeLessThan(3);

    // Created again with three light sessions (1,100 each): one turn of a full batch takes them all.
    await createUser(store, userIdFor(1421));
    const light = [11, 12, 13].map((hour, i) => sessionDoc({ seed: 70 + i, durationS: 1, startedAt: `2026-05-02T${hour}:00:00.000Z` }));
    const before = await batchesCounted(worker);
    await putDocs(store, a.sessions, light);
    await eventually(async () => {
      for (const doc of light) expect(await getDoc(store, a.progress, `analysis:${doc._id}`)).toBeDefined();
    }, 30_000, 20);
    await worker.idle();
    expect(await batchesCounted(worker)).toBe(before + 1);
  }, 90_000);
});
