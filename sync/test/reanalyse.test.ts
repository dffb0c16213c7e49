import { userDatabases } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reanalyse, startWorker } from '../src/index.js';
import { allDocs, createUser, expectUserUpToDate, getDoc, PREFIX, putDocs, sessionDoc, startTestStore, testConfig, userIdFor, type TestStore } from './support/storeWorld.js';
import { runCli } from './support/workerProcess.js';

let store: TestStore;
const users = [userIdFor(600), userIdFor(601), userIdFor(602)];

beforeAll(async () => {
  store = await startTestStore();
  for (const [i, userId] of users.entries()) {
    await createUser(store, userId);
    await putDocs(store, userDatabases(PREFIX, userId).sessions, [0, 1, 2, 3].map((k) => sessionDoc({ seed: 9100 + i * 4 + k, durationS: 4 })));
  }
  const worker = await startWorker(testConfig(store));
  await worker.idle();
  await worker.stop();
}, 60_000);

afterAll(async () => {
  await store?.teardown();
});

/** Makes results look as if an older analysis-core had written them (older version, other numbers). */
async function stampOldVersion(userId: string, count: number): Promise<string[]> {
  const names = userDatabases(PREFIX, userId);
  const analyses = (await allDocs(store, names.progress, 'analysis:')).slice(0, count);
  await putDocs(
    store,
    names.progress,
    analyses.map((a) => ({ ...a, analysisVersion: '0.9.0', metrics: a['metrics'] ? { ...(a['metrics'] as object), overall: { ...(a['metrics'] as { overall: object }).overall, hits: 999 } } : null })),
  );
  const progress = await getDoc(store, names.progress, 'progress');
  await putDocs(store, names.progress, [{ ...progress, analysisVersion: '0.9.0' }]);
  return analyses.map((a) => a._id);
}

function cliEnv(): Record<string, string> {
  return { COUCHDB_URL: store.adminUrl, WORKER_POOL_SIZE: '2', LOG_LEVEL: 'warn' };
}

describe('m2m-sync reanalyse', () => {
  it('brings analyses of another analysisVersion up to date, with a final count', async () => {
    const stale = [...(await stampOldVersion(users[0] as string, 2)), ...(await stampOldVersion(users[1] as string, 2))];
    const result = await runCli(['reanalyse', '--all'], cliEnv());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^reanalysed 4 of 4 session\(s\) of 2 user\(s\) to analysis version \d+\.\d+\.\d+: 4 updated, 0 unchanged, 0 removed; 2 progress document\(s\) updated\n$/);
    for (const userId of users) await expectUserUpToDate(store, userId);
    for (const id of stale) expect((await getDoc(store, userDatabases(PREFIX, users[0] as string).progress, id)) ?? (await getDoc(store, userDatabases(PREFIX, users[1] as string).progress, id))).toMatchObject({ _rev: expect.stringMatching(/^3-/) });

    // Run again: nothing is left to do.
    const again = await runCli(['reanalyse', '--all'], cliEnv());
    expect(again.stdout).toMatch(/^reanalysed 0 of 0 session\(s\) of 0 user\(s\)/);
  }, 60_000);

  it('with --force analyses every session of the named user and writes nothing unchanged', async () => {
    const names = userDatabases(PREFIX, users[2] as string);
    const before = (await allDocs(store, names.progress)).map((d) => [d._id, d._rev]);
    const result = await runCli(['reanalyse', '--user', users[2] as string, '--force'], cliEnv());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/reanalysed 4 of 4 session\(s\) of 1 user\(s\) .*: 0 updated, 4 unchanged, 0 removed; 0 progress/);
    expect((await allDocs(store, names.progress)).map((d) => [d._id, d._rev])).toEqual(before);
  }, 30_000);

  it('can be interrupted and run again to finish, and removes analyses of deleted sessions', async () => {
    const userId = users[1] as string;
    const names = userDatabases(PREFIX, userId);
    await stampOldVersion(userId, 4);
    const [gone] = await allDocs(store, names.sessions);
    await putDocs(store, names.sessions, [{ _id: gone?._id, _rev: gone?._rev, _deleted: true }]);

    const controller = new AbortController();
    const config = testConfig(store, { WORKER_BATCH_SIZE: '1', WORKER_CONCURRENCY: '1' });
    const first = await reanalyse(config, {
      userIds: [userId],
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === 'analyse' && p.sessionsDone === 1) controller.abort();
      },
    });
    expect(first).toMatchObject({ interrupted: true, sessions: 4 });
    expect(first.analysed + first.removed).toBe(1);

    const second = await reanalyse(config, { userIds: [userId] });
    expect(second.interrupted).toBe(false);
    expect(second.sessions).toBe(3);
    expect(second.analysed + second.removed).toBe(3);
    expect(first.removed + second.removed).toBe(1);
    await expectUserUpToDate(store, userId);
  }, 30_000);

  it('refuses to run without --user or --all', async () => {
    const result = await runCli(['reanalyse'], cliEnv());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--user ID, or pass --all/);
  });
});
