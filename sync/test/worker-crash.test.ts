import { userDatabases } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectStatus } from '../src/index.js';
import {
  allDocs,
  createUser,
  eventually,
  expectUserUpToDate,
  PREFIX,
  putDocs,
  sessionDoc,
  startTestStore,
  testConfig,
  userIdFor,
  type TestStore,
} from './support/storeWorld.js';
import { seededRandom, sleep, spawnCli, type WorkerProcess } from './support/workerProcess.js';

let store: TestStore;
const running = new Set<WorkerProcess>();

beforeAll(async () => {
  store = await startTestStore();
});

afterAll(async () => {
  await Promise.all([...running].map((w) => w.kill('SIGKILL')));
  await store?.teardown();
});

function workerEnv(): Record<string, string> {
  return { COUCHDB_URL: store.adminUrl, WORKER_POOL_SIZE: '2', WORKER_BATCH_SIZE: '10', LOG_LEVEL: 'debug', STORE_TIMEOUT_MS: '5000' };
}

async function started(worker: WorkerProcess): Promise<void> {
  await eventually(async () => expect(worker.output()).toContain('sync worker started'), 20_000, 20);
}

/** Waits until the worker has logged `count` processed batches (or 8 s passed: it may have nothing left to do). */
async function batchesDone(worker: WorkerProcess, count: number): Promise<void> {
  await started(worker);
  const deadline = Date.now() + 8_000;
  while (Date.now() < deadline && (worker.output().match(/"msg":"batch processed"/g)?.length ?? 0) < count) await sleep(10);
}

function startChild(): WorkerProcess {
  const worker = spawnCli(['run'], workerEnv());
  running.add(worker);
  void worker.exited.then(() => running.delete(worker));
  return worker;
}

describe('crash safety', () => {
  it('loses nothing and duplicates nothing when the worker is SIGKILLed at random points', async () => {
    const random = seededRandom(20261124);
    const users = Array.from({ length: 20 }, (_, i) => userIdFor(100 + i));
    for (const userId of users) await createUser(store, userId);

    // ~200 sessions arrive in waves, to random users, while the worker is killed and restarted.
    const arrivals = (async () => {
      for (let wave = 0; wave < 20; wave++) {
        const byUser = new Map<string, Array<Record<string, unknown>>>();
        for (let i = 0; i < 10; i++) {
          const userId = users[Math.floor(random() * users.length)] as string;
          const n = wave * 10 + i;
          const doc = sessionDoc({ seed: 5000 + n, durationS: 4, startedAt: new Date(Date.UTC(2026, 0, 1 + (n % 40), 9)).toISOString() });
          byUser.set(userId, [...(byUser.get(userId) ?? []), doc]);
        }
        for (const [userId, docs] of byUser) await putDocs(store, userDatabases(PREFIX, userId).sessions, docs);
        await sleep(100 + random() * 200);
      }
    })();

    const analysed = async (): Promise<number> => {
      let n = 0;
      for (const userId of users) n += (await allDocs(store, userDatabases(PREFIX, userId).progress, 'analysis:')).length;
      return n;
    };
    let worker = startChild();
    const analysedAtKills: number[] = [];
    for (let kill = 0; kill < 4; kill++) {
      // A random point once this process is at work: after its first batch (start-up takes a variable second or two here).
      await batchesDone(worker, 1 + Math.floor(random() * 3));
      await sleep(Math.floor(random() * 200));
      expect(await worker.kill('SIGKILL')).toBe('SIGKILL');
      analysedAtKills.push(await analysed());
      worker = startChild();
    }
    await arrivals;
    // The kills landed while work was under way, not before the first write or after the last.
    expect(analysedAtKills.some((n) => n > 0 && n < 200), `analyses at the kills: ${analysedAtKills.join(', ')}`).toBe(true);

    // The last worker catches up alone: every checkpoint at the end of its feed (a cheap poll), then the full check.
    await eventually(async () => expect((await collectStatus(testConfig(store))).total.pending).toBe(0), 45_000, 300);
    for (const userId of users) await expectUserUpToDate(store, userId, { firstRevisionOnly: true });
    expect(await analysed()).toBe(200);

    // Graceful shutdown: SIGTERM ends the process with 0.
    expect(await worker.kill('SIGTERM')).toBe(0);
    expect(worker.output()).not.toMatch(/"level":(50|60)/);
  }, 90_000);

  it('on SIGTERM finishes the batch in hand, saves its checkpoint and exits 0', async () => {
    const userId = userIdFor(300);
    const names = await createUser(store, userId);
    const docs = Array.from({ length: 60 }, (_, i) => sessionDoc({ seed: 9000 + i, durationS: 4 }));
    await putDocs(store, names.sessions, docs);

    const worker = startChild();
    await eventually(async () => {
      expect((await allDocs(store, names.progress, 'analysis:')).length).toBeGreaterThan(0);
    }, 20_000, 20);
    expect(await worker.kill('SIGTERM')).toBe(0);

    // What was written is checkpointed: a new worker finishes the rest without rewriting anything.
    const written = new Map((await allDocs(store, names.progress, 'analysis:')).map((d) => [d._id, d._rev]));
    const next = startChild();
    await eventually(async () => expect((await collectStatus(testConfig(store))).total.pending).toBe(0), 30_000, 200);
    await expectUserUpToDate(store, userId, { firstRevisionOnly: true });
    for (const doc of await allDocs(store, names.progress, 'analysis:')) {
      if (written.has(doc._id)) expect(doc._rev).toBe(written.get(doc._id));
    }
    expect(await next.kill('SIGTERM')).toBe(0);
  }, 60_000);
});
