import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamReader } from './conformance/couchClient.js';
import { startTestStore, type TestStore } from './storeFixture.js';

const MAX_OPEN = 50;

/** Runs `task` over `items` with at most `width` at a time. */
async function inParallel<T>(items: T[], width: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await task(item);
      }
    }),
  );
}

describe('bounded open databases', () => {
  let s: TestStore;
  beforeAll(async () => {
    s = await startTestStore({ maxOpenDatabases: MAX_OPEN });
  });
  afterAll(async () => {
    await s.teardown();
  });

  const names = Array.from({ length: 300 }, (_, i) => `m2m-u-${String(i).padStart(3, '0')}-sessions`);

  it(`creates, writes and reads 300 databases with at most ${MAX_OPEN} open`, async () => {
    await inParallel(names, 8, async (name) => {
      expect((await s.json('PUT', `/${name}`)).status).toBe(201);
      expect((await s.json('PUT', `/${name}/ses_1`, { owner: name })).status).toBe(201);
    });
    expect(s.store.stats().maxOpenDatabasesSeen).toBeLessThanOrEqual(MAX_OPEN);

    // Read every one back (most were closed meanwhile and reopen on demand).
    await inParallel(names, 8, async (name) => {
      const doc = await s.json('GET', `/${name}/ses_1`);
      expect(doc.body.owner).toBe(name);
      const changes = await s.json('GET', `/${name}/_changes`);
      expect(changes.body.results.map((r: { id: string }) => r.id)).toEqual(['ses_1']);
    });
    const stats = s.store.stats();
    expect(stats.maxOpenDatabasesSeen).toBeLessThanOrEqual(MAX_OPEN);
    expect(stats.openDatabases).toBeLessThanOrEqual(MAX_OPEN);
    expect((await s.json('GET', '/_all_dbs')).body).toHaveLength(300);
  });

  it('never closes a database that has an open feed', async () => {
    const watched = names[0] as string;
    const feed = new StreamReader(await s.fetch(`/${watched}/_changes?feed=continuous&since=now&heartbeat=30000`));
    // Touch every other database so the watched one becomes the least recently used.
    await inParallel(names.slice(1), 8, async (name) => {
      expect((await s.json('GET', `/${name}`)).status).toBe(200);
    });
    expect(s.store.stats().maxOpenDatabasesSeen).toBeLessThanOrEqual(MAX_OPEN);
    await s.json('PUT', `/${watched}/late`, {});
    expect(await feed.until((text) => text.includes('"late"'))).toBe(true);
    await feed.cancel();
  });
});
