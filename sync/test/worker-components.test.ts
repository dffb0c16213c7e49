import { userDatabases } from '@m2m/analysis-core';
import { Lifecycle } from '@m2m/service-kit';
import { afterEach, beforeAll, afterAll, describe, expect, it, vi } from 'vitest';
import { CheckpointStore } from '../src/feed/checkpointStore.js';
import { silentLogger } from '../src/logging.js';
import { WorkerMetrics } from '../src/ops/workerMetrics.js';
import { AnalysisThreads } from '../src/worker/analysisThreads.js';
import { DatabaseTurns } from '../src/worker/databaseTurns.js';
import { DbUpdatesPosition } from '../src/worker/dbUpdatesPosition.js';
import { Readiness } from '../src/worker/readiness.js';
import { SessionSweeps } from '../src/worker/sessionSweeps.js';
import { StoreConnection } from '../src/worker/storeConnection.js';
import { WorkerStatusRecorder } from '../src/worker/workerStatusRecorder.js';
import { WorkerTally } from '../src/worker/workerTally.js';
import { StoreAccessError, StoreClient } from '@m2m/couch';
import { ActivityHintFeed } from '../src/feed/activityHintFeed.js';
import { startHoldingProxy } from './support/holdingProxy.js';
import type { WorkerConfig } from '../src/config.js';
import { allDocs, createUser, eventually, getDoc, PREFIX, putDocs, sessionDoc, startTestStore, testConfig, userIdFor, withCredentials, type TestStore } from './support/storeWorld.js';
import { sleep } from './support/workerProcess.js';

// Analyses like the real thread, except that a document whose id starts with `hang` never finishes (then times out).
const misbehaving = new URL('./fixtures/misbehavingThread.mjs', import.meta.url);

describe('worker readiness', () => {
  it('is caught up once the feed answered, the start-up sweep is done and nothing waits', async () => {
    let sweepDone = false;
    let waiting = 1;
    const stopping = new AbortController();
    const readiness = new Readiness({ shard: '0/1', logger: silentLogger, stopping: stopping.signal, startupSweepDone: () => sweepDone, waiting: () => waiting, detail: () => ({ queued: waiting }) });
    let caught = false;
    void readiness.whenCaughtUp().then(() => (caught = true));
    readiness.feedAnswered();
    await sleep(250);
    expect([caught, readiness.report()]).toEqual([false, { ready: false, caughtUp: false, feed: 'ok', queued: 1 }]);
    sweepDone = true;
    await sleep(250);
    expect(caught).toBe(false);
    waiting = 0;
    await readiness.whenCaughtUp();
    expect(readiness.report()).toEqual({ ready: true, caughtUp: true, feed: 'ok', queued: 0 });
    readiness.feedWorks(false);
    expect(readiness.report()).toMatchObject({ ready: false, caughtUp: true, feed: 'failing' });
    await readiness.stop();
  });
});

describe('worker components against the store', () => {
  let store: TestStore;
  let lifecycle: Lifecycle | undefined;

  beforeAll(async () => {
    store = await startTestStore();
  });

  afterEach(async () => {
    await lifecycle?.stop();
    lifecycle = undefined;
  });

  afterAll(async () => {
    await store?.teardown();
  });

  const connectionFor = (config: WorkerConfig): StoreConnection => new StoreConnection(config, { logger: silentLogger, startupTimeoutMs: 5_000, onRetry: () => {} });
  /** A store connection for the given prefix, started (and stopped after the test). */
  const startedConnection = async (prefix: string): Promise<StoreConnection> => {
    const connection = connectionFor(testConfig(store, { DB_PREFIX: prefix }));
    lifecycle = new Lifecycle();
    lifecycle.add(connection);
    await lifecycle.start();
    return connection;
  };

  it('store connection: creates the worker database at start; refused credentials fail the start and close the client', async () => {
    const connection = connectionFor(testConfig(store, { DB_PREFIX: 'conn-' }));
    lifecycle = new Lifecycle();
    lifecycle.add(connection);
    await lifecycle.start();
    expect((await store.json('GET', '/conn-worker')).status).toBe(200);
    expect(connection.client.closed.aborted).toBe(false);
    await lifecycle.stop();
    expect(connection.client.closed.aborted).toBe(true);

    const wrong = new URL(store.adminUrl);
    wrong.password = 'not-the-password';
    const refused = connectionFor({ ...testConfig(store), couchdbUrl: wrong.toString() });
    await expect(refused.start()).rejects.toBeInstanceOf(StoreAccessError);
    expect(refused.client.closed.aborted).toBe(true);
  });

  it('a failed start releases what already started: the analysis threads are closed', async () => {
    const threads = new AnalysisThreads({ size: 1 });
    const wrong = new URL(store.adminUrl);
    wrong.password = 'not-the-password';
    const refused = connectionFor({ ...testConfig(store), couchdbUrl: wrong.toString() });
    const failing = new Lifecycle();
    failing.add(threads);
    failing.add(refused);
    await expect(failing.start()).rejects.toBeInstanceOf(StoreAccessError);
    await expect(threads.pool.analyze(sessionDoc({ seed: 1, durationS: 1 }))).rejects.toThrow('AnalysisPool: closed');
  });

  /** The store connection, analysis threads (one, whose `hang` sessions time out) and the turns, started in order. */
  async function startTurns(config: WorkerConfig, options: { stopGraceMs: number; jobTimeoutMs: number }) {
    const stopping = new AbortController();
    const connection = connectionFor(config);
    const threads = new AnalysisThreads({ size: 1, threadUrl: misbehaving, jobTimeoutMs: options.jobTimeoutMs, maxAttempts: 1 });
    const checkpoints = new CheckpointStore(connection.client, connection.workerDb);
    const tally = new WorkerTally(new WorkerMetrics({ shard: '0/1' }), new WorkerStatusRecorder(connection.client, connection.workerDb, config.shard));
    const turns = new DatabaseTurns({
      config,
      store: connection.client,
      pool: () => threads.pool,
      checkpoints,
      tally,
      logger: silentLogger,
      stopping: stopping.signal,
      stopGraceMs: options.stopGraceMs,
      onNews: () => {},
      onTurnEnd: () => {},
      onFatal: (err) => {
        throw err;
      },
    });
    lifecycle = new Lifecycle();
    for (const component of [threads, connection, turns]) lifecycle.add(component);
    await lifecycle.start();
    return { turns, threads, tally, stop: async () => (stopping.abort(), lifecycle?.stop()) };
  }

  /** A user whose first session hangs its analysis thread, then two ordinary sessions, one change each. */
  async function userWithHangingSession(n: number): Promise<{ sessions: string; progress: string }> {
    const names = await createUser(store, userIdFor(n));
    await putDocs(store, names.sessions, [{ ...sessionDoc({ seed: n, durationS: 1 }), _id: 'hang-1' }]);
    await putDocs(store, names.sessions, [sessionDoc({ seed: n + 1, durationS: 1 })]);
    await putDocs(store, names.sessions, [sessionDoc({ seed: n + 2, durationS: 1 })]);
    return names;
  }

  const analysisIds = async (db: string): Promise<string[]> => (await allDocs(store, db, 'analysis:')).map((d) => d._id);

  const savedCheckpoint = async (db: string): Promise<unknown> => (await getDoc(store, `${PREFIX}worker`, `checkpoint:${db}`))?.seq;

  it('database turns: a stop while a turn is in flight finishes the batch in hand, saves its checkpoint and starts no other', async () => {
    const names = await userWithHangingSession(2001);
    const { turns, threads, tally } = await startTurns(testConfig(store, { WORKER_BATCH_SIZE: '1', WORKER_CONCURRENCY: '1' }), { stopGraceMs: 30_000, jobTimeoutMs: 1_500 });
    turns.enqueue(names.sessions);
    await eventually(async () => expect(threads.pool.stats().busy).toBe(1), 20_000, 10);
    expect(turns.pending()).toBe('1 database turn(s) finishing their batch');
    await lifecycle?.stop();
    expect(turns.pending()).toBeUndefined();

    // The hanging session timed out into an invalid analysis, written with its checkpoint; the turn went no further.
    expect((await getDoc(store, names.progress, 'analysis:hang-1'))?.reasons?.[0]?.code).toBe('analysis-timeout');
    expect(tally.counters).toMatchObject({ batches: 1, processed: 1 });
    expect(await analysisIds(names.progress)).toEqual(['analysis:hang-1']);
    expect(await savedCheckpoint(names.sessions)).toBeDefined();
    expect(turns.stats()).toEqual({ waiting: 0, running: 0, retrying: 0 });
  });

  it('database turns: past the stop grace the store calls of the batch in hand are cancelled: nothing of it is written or checkpointed (the next run redoes it)', async () => {
    const names = await userWithHangingSession(2101);
    const { turns, threads, tally } = await startTurns(testConfig(store, { WORKER_BATCH_SIZE: '1', WORKER_CONCURRENCY: '1' }), { stopGraceMs: 100, jobTimeoutMs: 4_000 });
    turns.enqueue(names.sessions);
    await eventually(async () => expect(threads.pool.stats().busy).toBe(1), 20_000, 10);
    await lifecycle?.stop();

    expect(await getDoc(store, names.progress, 'analysis:hang-1')).toBeUndefined();
    expect(await savedCheckpoint(names.sessions)).toBeUndefined();
    expect(tally.counters.batches).toBe(0);
  });

  it('database turns: until current, every owned database with changes after its checkpoint gets its turns', async () => {
    const a = await createUser(store, userIdFor(2201));
    const b = await createUser(store, userIdFor(2202));
    await putDocs(store, a.sessions, [sessionDoc({ seed: 31, durationS: 1 }), sessionDoc({ seed: 32, durationS: 1 })]);
    await putDocs(store, b.sessions, [sessionDoc({ seed: 33, durationS: 1 })]);
    // The other tests' hanging sessions are owned too: they time out quickly.
    const { turns } = await startTurns(testConfig(store, { WORKER_BATCH_SIZE: '1' }), { stopGraceMs: 30_000, jobTimeoutMs: 500 });
    // Nothing enqueued: untilCurrent finds them by their checkpoints.
    await turns.untilCurrent();
    expect([...turns.touched]).toEqual(expect.arrayContaining([a.sessions, b.sessions]));
    expect(await analysisIds(a.progress)).toHaveLength(2);
    expect(await analysisIds(b.progress)).toHaveLength(1);
  });

  it('sweeps: hand databases over only while nothing else waits, at most concurrency - 1 at once, and a stop ends the sweep', async () => {
    const config = testConfig(store, { DB_PREFIX: 'sweep-', WORKER_CONCURRENCY: '3' });
    const dbs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const name = userDatabases('sweep-', userIdFor(2300 + i)).sessions;
      expect((await store.json('PUT', `/${name}`)).status).toBe(201);
      dbs.push(name);
    }
    const handed: string[] = [];
    let waiting = 0;
    const stopping = new AbortController();
    const connection = connectionFor(config);
    const sweeps = new SessionSweeps({
      config,
      store: connection.client,
      logger: silentLogger,
      stopping: stopping.signal,
      intervalMs: 0,
      sweepAtStart: () => true,
      enqueue: (db) => handed.push(db),
      waiting: () => waiting,
      recordError: () => {},
    });
    lifecycle = new Lifecycle();
    lifecycle.add(connection);
    lifecycle.add(sweeps);
    await lifecycle.start();
    // Two in flight (concurrency 3 leaves one run for live news).
    await eventually(async () => expect(handed).toHaveLength(2), 10_000, 10);
    // Live news waits: nothing more is handed over even when a run ends.
    waiting = 1;
    sweeps.finished(handed[0] as string);
    await sleep(300);
    expect(handed).toHaveLength(2);
    waiting = 0;
    await eventually(async () => expect(handed).toHaveLength(3), 10_000, 10);
    expect(sweeps.startupSweepDone).toBe(false);
    await lifecycle.stop();
    await sweeps.settled();
    sweeps.finished(handed[1] as string);
    await sleep(300);
    expect(handed).toHaveLength(3);
    expect(new Set(handed).size).toBe(3);
    expect(dbs).toEqual(expect.arrayContaining(handed));
    expect(sweeps.reasons).toEqual(['start-up']);
  });

  it('the _db_updates position is saved only when every announced database is processed', async () => {
    const connection = await startedConnection('pos-');
    const checkpoints = new CheckpointStore(connection.client, connection.workerDb);
    await checkpoints.loadAll();
    let quiet = false;
    const position = new DbUpdatesPosition({ checkpoints, key: '_db_updates:0-1', logger: silentLogger, whenQuiet: async () => quiet, isStopping: () => false, delayMs: 20 });
    expect(position.load()).toBeUndefined();
    position.moved('5-abc');
    await sleep(300);
    expect(await checkpoints.read('_db_updates:0-1')).toBeUndefined();
    quiet = true;
    position.moved('6-abc');
    await eventually(async () => expect(await checkpoints.read('_db_updates:0-1')).toBe('6-abc'), 10_000, 20);
    position.stop();
  });

  it('activity hints: a long poll answered with an empty body is a failure retried with backoff, and later hints still arrive', async () => {
    const db = 'hints-empty-answer';
    expect((await store.json('PUT', `/${db}`)).status).toBe(201);
    const proxy = await startHoldingProxy(store.url);
    const client = new StoreClient(withCredentials(proxy.url), { timeoutMs: 5_000 });
    const hints: string[] = [];
    const feed = new ActivityHintFeed({ store: client, logger: silentLogger, db, feedTimeoutMs: 2_000, onHint: (id) => hints.push(id) });
    try {
      proxy.emptyOnce((req) => req.url?.startsWith(`/${db}/_changes`) === true);
      await feed.start();
      await eventually(async () => expect(proxy.emptied).toBe(1), 10_000, 20);
      // The feed follows from "now": a hint written while it waits to retry is not its to see, so hints keep coming.
      let n = 0;
      await eventually(async () => {
        n += 1;
        expect((await store.json('PUT', `/${db}/user-${n}`, { at: n })).status).toBe(201);
        expect(hints.length).toBeGreaterThan(0);
      }, 10_000, 100);
    } finally {
      await feed.stop();
      client.close();
      await proxy.close();
    }
  });

  it('checkpoints: a turn moves its position on at once; positions are saved behind, many in one request, each as last advanced', async () => {
    const connection = await startedConnection('adv-');
    const keys = Array.from({ length: 6 }, (_, i) => `adv-u-${i}-sessions`);
    const checkpoints = new CheckpointStore(connection.client, connection.workerDb);
    // Another process (a restart, a shard change) saved one of them: our first save of it conflicts.
    await new CheckpointStore(connection.client, connection.workerDb).save(keys[0] as string, '0-other');
    const calls = vi.spyOn(connection.client, 'call');
    for (let round = 1; round <= 10; round++) for (const key of keys) checkpoints.advance(key, `${round}-x`);
    expect(keys.map((key) => checkpoints.get(key))).toEqual(keys.map(() => '10-x'));
    await checkpoints.flush();
    expect(checkpoints.unsavedCount).toBe(0);
    const saves = calls.mock.calls.filter(([req]) => req.path === '_bulk_docs');
    // 60 advances: the first save starts with the first position, the next takes all the others (and the conflicted one once more).
    expect(saves.length).toBeLessThanOrEqual(3);
    calls.mockRestore();
    const reader = new CheckpointStore(connection.client, connection.workerDb);
    await reader.loadAll();
    expect(keys.map((key) => reader.get(key))).toEqual(keys.map(() => '10-x'));
    checkpoints.close();
  });

  it('checkpoints: a start loads every one, a bounded page per request, however many users there are', async () => {
    const connection = await startedConnection('pages-');
    const writer = new CheckpointStore(connection.client, connection.workerDb);
    const keys = Array.from({ length: 7 }, (_, i) => `pages-u-${i}-sessions`);
    for (const [i, key] of keys.entries()) await writer.save(key, `${i + 1}-x`);
    const calls = vi.spyOn(connection.client, 'call');
    const reader = new CheckpointStore(connection.client, connection.workerDb, 3);
    await reader.loadAll();
    expect(keys.map((key) => reader.get(key))).toEqual(keys.map((_, i) => `${i + 1}-x`));
    const pages = calls.mock.calls.filter(([req]) => req.path === '_all_docs');
    // 7 checkpoints, 3 a page: rows 1-3 (+ the 4th, which starts the next page), 4-6 (+ 7th), 7.
    expect(pages.map(([req]) => req.qs?.['limit'])).toEqual([4, 4, 4]);
    calls.mockRestore();
  });
});
