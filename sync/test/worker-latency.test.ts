import { systemDatabases } from '@m2m/couch';

const activityDatabase = (prefix: string): string => systemDatabases(prefix).activity;
import { afterEach, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/index.js';
import {
  allDocs,
  createUser,
  eventually,
  expectUserUpToDate,
  getDoc,
  PREFIX,
  putDocs,
  sessionDoc,
  startTestStore,
  testConfig,
  userIdFor,
  type Json,
  type TestStore,
} from './support/storeWorld.js';

let store: TestStore | undefined;
const workers: RunningWorker[] = [];

afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop();
  await store?.teardown();
  store = undefined;
});

async function start(s: TestStore, env: Record<string, string> = {}): Promise<RunningWorker> {
  const worker = await startWorker(testConfig(s, env), { sweepIntervalMs: 0 });
  workers.push(worker);
  return worker;
}

/** Follows `_db_updates` until the store has published an update of every named database. */
async function waitForPublished(s: TestStore, names: string[]): Promise<void> {
  const missing = new Set(names);
  let since: unknown = 0;
  while (missing.size > 0) {
    const res = await s.json('GET', `/_db_updates?feed=longpoll&timeout=5000&since=${encodeURIComponent(String(since))}`);
    for (const row of res.body.results as Json[]) if (row.type === 'updated') missing.delete(row.db_name);
    since = res.body.last_seq;
  }
}

describe('sync worker with CouchDB-like _db_updates batching', () => {
  it('follows a database in use through its own _changes: a session arrives without any _db_updates event', async () => {
    // A write delay longer than the test: _db_updates announces nothing, so only the followed feed can bring the session.
    store = await startTestStore({ globalChangesMaxWriteDelayMs: 3_600_000 });
    const userId = userIdFor(301);
    const names = await createUser(store, userId);
    await putDocs(store, names.sessions, [sessionDoc({ seed: 1, startedAt: '2026-12-01T10:00:00.000Z' })]);
    const worker = await start(store);
    await eventually(async () => expect(await allDocs(store!, names.progress, 'analysis:')).toHaveLength(1));
    await eventually(async () => expect(worker.stats().liveFeeds).toBe(1));

    await putDocs(store, names.sessions, [sessionDoc({ seed: 2, startedAt: '2026-12-01T11:00:00.000Z' })]);
    await eventually(async () => expect(await allDocs(store!, names.progress, 'analysis:')).toHaveLength(2));
    await expectUserUpToDate(store, userId);
  });

  it("follows a user's sessions from the gateway's activity hint: their first session arrives without any _db_updates event", async () => {
    // _db_updates announces nothing during the test: neither the user's databases nor the session.
    store = await startTestStore({ globalChangesMaxWriteDelayMs: 3_600_000 });
    const userId = userIdFor(305);
    const names = await createUser(store, userId);
    await store.json('PUT', `/${activityDatabase(PREFIX)}`);
    const worker = await start(store);
    await worker.caughtUp();
    const visitsAtStart = worker.stats().sweepVisits;
    // The gateway writes this document when the user's device starts syncing (sign-in); rewritten until the worker follows.
    await eventually(async () => {
      const current = await getDoc(store!, activityDatabase(PREFIX), userId);
      await store!.json('PUT', `/${activityDatabase(PREFIX)}/${userId}`, { ...current, at: new Date().toISOString() });
      expect(worker.stats().liveFeeds).toBe(1);
    });

    await putDocs(store, names.sessions, [sessionDoc({ seed: 7, startedAt: '2026-12-01T09:00:00.000Z' })]);
    await eventually(async () => expect(await allDocs(store!, names.progress, 'analysis:')).toHaveLength(1));
    // Brought by the followed feed: no sweep visited the database for it.
    expect(worker.stats().sweepVisits).toBe(visitsAtStart);
    await expectUserUpToDate(store, userId);
  });

  it('misses no change when followed feeds come and go (more busy databases than WORKER_LIVE_FEEDS)', async () => {
    store = await startTestStore();
    const users = Array.from({ length: 6 }, (_, i) => userIdFor(310 + i));
    const dbs = await Promise.all(users.map((u) => createUser(store!, u)));
    const worker = await start(store, { WORKER_LIVE_FEEDS: '2', WORKER_CONCURRENCY: '2' });
    for (let round = 0; round < 4; round++) {
      await Promise.all(
        dbs.map((names, i) =>
          putDocs(store!, names.sessions, [sessionDoc({ seed: 1000 + round * 10 + i, startedAt: `2026-12-0${round + 1}T10:00:0${i}.000Z` })]),
        ),
      );
    }
    await eventually(async () => {
      for (const names of dbs) expect(await allDocs(store!, names.progress, 'analysis:')).toHaveLength(4);
    }, 60_000);
    expect(worker.stats().liveFeeds).toBeLessThanOrEqual(2);
    for (const userId of users) await expectUserUpToDate(store, userId, { firstRevisionOnly: true });
  });

  it('resumes after a restart from its saved position: no sweep, only the database with news is visited', async () => {
    store = await startTestStore();
    const users = Array.from({ length: 12 }, (_, i) => userIdFor(330 + i));
    const dbs = [];
    for (const [i, userId] of users.entries()) {
      const names = await createUser(store, userId);
      await putDocs(store, names.sessions, [sessionDoc({ seed: 2000 + i, startedAt: '2026-12-02T09:00:00.000Z' })]);
      dbs.push(names);
    }
    await waitForPublished(store, dbs.map((d) => d.sessions));

    const first = await start(store);
    await first.idle();
    await first.caughtUp();
    expect(first.stats().sweeps).toEqual(['start-up']);
    expect(first.stats().databases).toHaveLength(12);
    // The _db_updates position is saved once everything it announced is processed.
    await eventually(async () => expect((await store!.json('GET', `/m2m-worker/${encodeURIComponent('checkpoint:_db_updates:0-1')}`)).status).toBe(200));
    await first.stop();
    workers.splice(workers.indexOf(first), 1);

    const second = await start(store);
    await second.caughtUp();
    const busy = dbs[3]!;
    await putDocs(store, busy.sessions, [sessionDoc({ seed: 2100, startedAt: '2026-12-03T09:00:00.000Z' })]);
    await eventually(async () => expect(await allDocs(store!, busy.progress, 'analysis:')).toHaveLength(2));
    await second.idle();
    expect(second.stats().sweeps).toEqual([]);
    expect(second.stats().sweepVisits).toBe(0);
    expect(second.stats().databases).toEqual([busy.sessions]);
    await expectUserUpToDate(store, users[3]!);
  });

  it('says on /ready when it is caught up, and not while the store is away', async () => {
    store = await startTestStore();
    const userId = userIdFor(350);
    const names = await createUser(store, userId);
    await putDocs(store, names.sessions, [sessionDoc({ seed: 3, startedAt: '2026-12-01T10:00:00.000Z' })]);
    const worker = await start(store, { WORKER_METRICS_PORT: '0' });
    await worker.caughtUp();
    // Caught up means the start-up sweep handed everything over; the session is processed.
    await eventually(async () => expect(await allDocs(store!, names.progress, 'analysis:')).toHaveLength(1));
    const ready = await fetch(`${worker.metricsUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', caughtUp: true, feed: 'ok' });

    await store.stop();
    await eventually(async () => expect((await fetch(`${worker.metricsUrl}/ready`)).status).toBe(503), 30_000);
    expect((await fetch(`${worker.metricsUrl}/health`)).status).toBe(200);
    await store.start();
    await eventually(async () => expect((await fetch(`${worker.metricsUrl}/ready`)).status).toBe(200), 60_000);
  });
});
