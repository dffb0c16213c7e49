import { MAX_PROGRESS_GAMES, userDatabases } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/index.js';
import { createUser, expectUserUpToDate, getDoc, PREFIX, putDocs, sessionDoc, startTestStore, testConfig, userIdFor, type TestStore } from './support/storeWorld.js';

let store: TestStore;
let worker: RunningWorker;

beforeAll(async () => {
  store = await startTestStore();
  worker = await startWorker(testConfig(store));
});

afterAll(async () => {
  await worker?.stop();
  await store?.teardown();
});

describe('sync worker: the progress document stays bounded', () => {
  it('lists the most recently played games when a user plays more games than the progress shows', async () => {
    const userId = userIdFor(1404);
    const names = userDatabases(PREFIX, userId);
    await createUser(store, userId);
    const games = MAX_PROGRESS_GAMES + 10;
    const start = Date.parse('2026-05-01T08:00:00.000Z');
    const sessions = Array.from({ length: games }, (_, i) =>
      sessionDoc({ seed: 1400 + i, durationS: 2, gameId: `game-${String(i).padStart(3, '0')}`, startedAt: new Date(start + i * 3_600_000).toISOString() }));
    await putDocs(store, names.sessions, sessions);
    await worker.idle();

    const progress = await getDoc(store, names.progress, 'progress');
    expect(progress.sessionCount).toBe(games);
    expect(Object.keys(progress.games)).toEqual(Array.from({ length: MAX_PROGRESS_GAMES }, (_, i) => `game-${String(i + 10).padStart(3, '0')}`));
    // And it is what summarizeProgress gives over every stored analysis, as on the device.
    await expectUserUpToDate(store, userId);
  });
});
