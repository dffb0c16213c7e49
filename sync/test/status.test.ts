import { userDatabases } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectStatus, startWorker } from '../src/index.js';
import { createUser, PREFIX, putDocs, sessionDoc, startTestStore, testConfig, userIdFor, withCredentials, type Json, type TestStore } from './support/storeWorld.js';
import { runCli, sleep } from './support/workerProcess.js';

let store: TestStore;
const users = [userIdFor(700), userIdFor(701)];

beforeAll(async () => {
  store = await startTestStore();
});

afterAll(async () => {
  await store?.teardown();
});

describe('m2m-sync status', () => {
  it('shows the backlog per database and overall, and the oldest waiting session', async () => {
    const starts = ['2026-02-01T08:00:00.000Z', '2026-02-03T08:00:00.000Z', '2026-02-02T08:00:00.000Z'];
    await createUser(store, users[0] as string);
    await createUser(store, users[1] as string);
    await putDocs(store, userDatabases(PREFIX, users[0] as string).sessions, [sessionDoc({ seed: 1, startedAt: starts[0] as string }), sessionDoc({ seed: 2, startedAt: starts[1] as string })]);
    await putDocs(store, userDatabases(PREFIX, users[1] as string).sessions, [sessionDoc({ seed: 3, startedAt: starts[2] as string }), { _id: '_design/x', views: {} }]);

    const report = await collectStatus(testConfig(store));
    expect(report.total).toMatchObject({ databases: 2, databasesBehind: 2, pending: 3, oldestPendingSessionAt: '2026-02-01T08:00:00.000Z' });
    expect(report.total.oldestPendingAgeS).toBeGreaterThan(0);
    expect(report.databases.map((d) => [d.userId, d.pending, d.checkpoint]).sort()).toEqual([
      [users[0], 2, null],
      [users[1], 1, null],
    ].sort());
    expect(report.workers).toEqual([]);
    expect(report.lastError).toBeNull();

    const cli = await runCli(['status'], { COUCHDB_URL: store.adminUrl });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(userDatabases(PREFIX, users[0] as string).sessions);
    expect(cli.stdout).toMatch(/pending changes: +3\n/);
    expect(cli.stdout).toMatch(/oldest waiting: +\d+d \d+h \(session started 2026-02-01T08:00:00.000Z\)/);
    expect(cli.stdout).toMatch(/last error: +none/);
  }, 30_000);

  it('shows nothing pending once a worker caught up, and the last error a worker recorded', async () => {
    const worker = await startWorker(testConfig(store));
    await worker.idle();
    // A short outage: the worker's retried store calls leave a last error behind.
    await store.stop();
    await sleep(400);
    await store.start();
    await putDocs(store, userDatabases(PREFIX, users[1] as string).sessions, [sessionDoc({ seed: 4 })]);
    await worker.idle();
    await worker.stop();

    const cli = await runCli(['status', '--json'], { COUCHDB_URL: store.adminUrl });
    expect(cli.code).toBe(0);
    const report: Json = JSON.parse(cli.stdout);
    expect(report.total).toMatchObject({ databases: 2, databasesBehind: 0, pending: 0, oldestPendingSessionAt: null });
    expect(report.workers).toEqual([expect.objectContaining({ shard: '0/1', stoppedAt: expect.any(String) })]);
    expect(report.lastError).toMatchObject({ shard: '0/1', message: expect.stringMatching(/unreachable|no answer/) });
  }, 30_000);

  it('names the problem when the store is unreachable or refuses the credentials', async () => {
    const wrong = new URL(store.url);
    wrong.username = 'admin';
    wrong.password = 'wrong-password';
    const refusedCli = await runCli(['status'], { COUCHDB_URL: wrong.toString() });
    expect(refusedCli.code).toBe(1);
    expect(refusedCli.stderr).toMatch(/refused the credentials \(HTTP 401\).*COUCHDB_URL/);
    expect(refusedCli.stderr).not.toContain('wrong-password');

    const runRefused = await runCli(['run'], { COUCHDB_URL: wrong.toString(), LOG_LEVEL: 'silent' });
    expect(runRefused.code).toBe(1);
    expect(runRefused.stderr).toMatch(/refused the credentials/);

    const closed = await runCli(['status'], { COUCHDB_URL: withCredentials('http://127.0.0.1:9') });
    expect(closed.code).toBe(1);
    expect(closed.stderr).toMatch(/unreachable/);
  }, 30_000);
});
