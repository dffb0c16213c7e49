import { sessionIdAt, userDatabases } from '@m2m/analysis-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/index.js';
import { AnalysisPool } from '../src/pool/analysisPool.js';
import { allDocs, createUser, eventually, getDoc, PREFIX, putDocs, sessionDoc, startTestStore, testConfig, userIdFor, type Json, type TestStore } from './support/storeWorld.js';

/** Valid copies of a session under new ids and start times: each is analysed on its own. */
function copies(body: Record<string, unknown>, count: number, startMs: number): Array<Record<string, unknown> & { _id: string }> {
  return Array.from({ length: count }, (_, i) => {
    const started = startMs + i * 3_600_000;
    return { ...body, _id: sessionIdAt(started, new Uint8Array(10).fill(i + 1)), startedAt: new Date(started).toISOString() };
  });
}

/** The order in which the pool finishes jobs, by label, all queued at once when every thread is ready. */
async function finishOrder(pool: AnalysisPool, jobs: Array<{ label: string; doc: unknown; tenant: string }>): Promise<string[]> {
  await eventually(async () => expect(pool.stats().ready).toBe(pool.stats().threads), 30_000, 20);
  const order: string[] = [];
  await Promise.all(jobs.map((job) => pool.analyze(job.doc, { tenant: job.tenant }).then(() => order.push(job.label))));
  return order;
}

describe('analysis pool: fair between users', () => {
  // A minute at 100 Hz costs 6,000 samples × 11 channels = 66,000; the normal session (8 s) 8,800.
  const backlog = copies(sessionDoc({ seed: 31, durationS: 60 }), 8, Date.parse('2026-04-01T08:00:00.000Z'));
  const normal = sessionDoc({ seed: 32 });

  it('runs another user’s session before the rest of a backlog queued ahead of it', async () => {
    const pool = new AnalysisPool({ size: 2 });
    try {
      const order = await finishOrder(pool, [
        ...backlog.map((doc, i) => ({ label: `heavy-${i}`, doc, tenant: 'heavy-user' })),
        { label: 'normal', doc: normal, tenant: 'normal-user' },
      ]);
      // First in, first out would finish it after at least six of the eight.
      expect(order.indexOf('normal'), order.join(', ')).toBeLessThanOrEqual(2);
    } finally {
      await pool.close();
    }
  });

  it('keeps a thread from heavy sessions, so a normal session does not wait for one', async () => {
    // A minute at 1000 Hz: 660,000, heavy here (and tens of times slower to analyse than the normal one).
    const heavy = copies(sessionDoc({ seed: 33, durationS: 60, sampleRateHz: 1000 }), 4, Date.parse('2026-04-01T20:00:00.000Z'));
    const pool = new AnalysisPool({ size: 2, heavyCost: 500_000 });
    try {
      const order = await finishOrder(pool, [
        ...heavy.map((doc, i) => ({ label: `heavy-${i}`, doc, tenant: 'heavy-user' })),
        { label: 'normal', doc: normal, tenant: 'normal-user' },
      ]);
      expect(order[0], order.join(', ')).toBe('normal');
    } finally {
      await pool.close();
    }
  });
});

describe('analysis pool: heavy sessions', () => {
  // A minute at 1000 Hz: 660,000, heavy here (and tens of times slower to analyse than the normal one).
  const heavy = copies(sessionDoc({ seed: 34, durationS: 60, sampleRateHz: 1000 }), 3, Date.parse('2026-04-02T20:00:00.000Z'));
  const normal = sessionDoc({ seed: 35 });

  it('runs a backlog of heavy sessions alone on every thread, and a normal session beside them on the lane', async () => {
    const pool = new AnalysisPool({ size: 2, heavyCost: 500_000 });
    try {
      await eventually(async () => expect(pool.stats().ready).toBe(pool.stats().threads), 30_000, 20);
      const order: string[] = [];
      const heavyDone = heavy.map((doc, i) => pool.analyze(doc, { tenant: 'heavy-user' }).then(() => order.push(`heavy-${i}`)));
      // Both threads of the pool's size take a heavy session; the third waits.
      expect(pool.stats()).toMatchObject({ busy: 2, queued: 1 });
      const normalDone = pool.analyze(normal, { tenant: 'normal-user' }).then(() => order.push('normal'));
      // The normal session does not wait for either: the lane takes it at once.
      expect(pool.stats()).toMatchObject({ busy: 3, queued: 1 });
      await Promise.all([...heavyDone, normalDone]);
      expect(order[0], order.join(', ')).toBe('normal');
    } finally {
      await pool.close();
    }
  });
});

describe('sync worker: fair between users', () => {
  let store: TestStore;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    store = await startTestStore();
    return async () => store.teardown();
  });

  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
  });

  it('analyses a normal user’s new session before a heavy user’s backlog is done', async () => {
    const heavyUser = userIdFor(1401);
    const normalUser = userIdFor(1402);
    const heavy = await createUser(store, heavyUser);
    const normal = await createUser(store, normalUser);
    // Twelve one-minute sessions at 1000 Hz (660,000 samples each): two turns' worth of the default budget.
    const backlog = copies(sessionDoc({ seed: 41, durationS: 60, sampleRateHz: 1000 }), 12, Date.parse('2026-04-02T08:00:00.000Z'));
    await putDocs(store, heavy.sessions, backlog);

    // One database at a time: without turns, the heavy backlog would keep the only slot until drained.
    worker = await startWorker(testConfig(store, { WORKER_CONCURRENCY: '1' }));
    await eventually(async () => expect(worker?.stats().databases).toContain(heavy.sessions), 20_000, 20);
    const session = sessionDoc({ seed: 42, startedAt: '2026-04-03T08:00:00.000Z' });
    await putDocs(store, normal.sessions, [session]);

    let heavyDoneWhenNormalArrived = -1;
    await eventually(
      async () => {
        const heavyCount = (await allDocs(store, heavy.progress, 'analysis:')).length;
        const analysis = await getDoc(store, normal.progress, `analysis:${session._id}`);
        expect(analysis).toBeDefined();
        heavyDoneWhenNormalArrived = heavyCount;
      },
      120_000,
      50,
    );
    expect(heavyDoneWhenNormalArrived).toBeLessThan(backlog.length);
    await worker.idle();
    expect((await allDocs(store, heavy.progress, 'analysis:')).length).toBe(backlog.length);
  });

  it('gives a session over the analysis budget an invalid analysis naming the budget', async () => {
    const userId = userIdFor(1403);
    const names = userDatabases(PREFIX, userId);
    await createUser(store, userId);
    const small = sessionDoc({ seed: 51, startedAt: '2026-04-04T08:00:00.000Z' });
    // Five minutes at 100 Hz: 30,000 samples × 11 channels = 330,000, over a budget of 100,000.
    const large = sessionDoc({ seed: 52, durationS: 300, startedAt: '2026-04-04T09:00:00.000Z' });
    await putDocs(store, names.sessions, [small, large]);
    worker = await startWorker(testConfig(store, { WORKER_ANALYSIS_BUDGET: '100000' }));
    await worker.idle();

    const refused: Json = await getDoc(store, names.progress, `analysis:${large._id}`);
    expect(refused).toMatchObject({ status: 'invalid', metrics: null });
    expect(refused.reasons).toHaveLength(1);
    expect(refused.reasons[0].code).toBe('analysis-over-budget');
    expect(refused.reasons[0].message).toContain('330000 samples');
    expect(refused.reasons[0].message).toContain('budget of 100000');
    expect(refused.reasons[0].message).toContain('WORKER_ANALYSIS_BUDGET');
    expect(await getDoc(store, names.progress, `analysis:${small._id}`)).toMatchObject({ status: 'ok' });
    expect(await getDoc(store, names.progress, 'progress')).toMatchObject({ sessionCount: 1, invalidSessionCount: 1 });
  });
});
