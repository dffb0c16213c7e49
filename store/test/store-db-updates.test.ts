import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StreamReader } from './conformance/couchClient.js';
import { startTestStore, type Json, type TestStore } from './storeFixture.js';

interface Update {
  db_name: string;
  type: string;
  seq: unknown;
}

/**
 * _db_updates behaviour the embedded store must add to the stand-in (CouchDB's shape is in the conformance suite).
 * Unbatched here (max_write_delay 0), so that a read sees every event recorded before it.
 */
describe('embedded _db_updates', () => {
  let s: TestStore;
  beforeEach(async () => {
    s = await startTestStore({ maxOpenDatabases: 2, globalChangesMaxWriteDelayMs: 0 });
  });
  afterEach(async () => {
    await s.teardown();
  });

  async function updates(query = ''): Promise<{ results: Update[]; last_seq: unknown }> {
    const res = await s.json('GET', `/_db_updates${query}`);
    expect(res.status).toBe(200);
    return res.body;
  }

  async function waitForEvent(since: unknown, dbName: string, type: string): Promise<Update[]> {
    const seen: Update[] = [];
    let position = since;
    for (;;) {
      const res = await s.json('GET', `/_db_updates?feed=longpoll&timeout=5000&since=${encodeURIComponent(String(position))}`);
      seen.push(...(res.body.results as Update[]));
      position = res.body.last_seq;
      if (seen.some((u) => u.db_name === dbName && u.type === type)) return seen;
    }
  }

  it('reports created, updated and deleted once each, in order', async () => {
    await s.json('PUT', '/alpha');
    await s.json('PUT', '/alpha/doc', { n: 1 });
    await s.json('DELETE', '/alpha');
    const all = await waitForEvent(0, 'alpha', 'deleted');
    expect(all.filter((u) => u.db_name === 'alpha').map((u) => u.type)).toEqual(['created', 'updated', 'deleted']);
  });

  it('orders a re-created database after its deletion', async () => {
    await s.json('PUT', '/phoenix');
    await s.json('DELETE', '/phoenix');
    await s.json('PUT', '/phoenix');
    await waitForEvent(0, 'phoenix', 'created');
    const { results } = await updates();
    const phoenix = results.filter((u) => u.db_name === 'phoenix').map((u) => u.type);
    expect(phoenix.at(-1)).toBe('created');
    expect(phoenix.filter((t) => t === 'created')).toHaveLength(1);
  });

  it('coalesces many writes to one database and loses none of the databases written', async () => {
    const names = Array.from({ length: 6 }, (_, i) => `busy-${i}`);
    for (const name of names) await s.json('PUT', `/${name}`);
    const { last_seq: before } = await updates();
    await Promise.all(
      names.flatMap((name) =>
        Array.from({ length: 10 }, (_, i) => s.json('PUT', `/${name}/doc-${i}`, { i })),
      ),
    );
    // A later marker proves every earlier event has been written.
    await s.json('PUT', '/marker');
    const after = await waitForEvent(before, 'marker', 'created');
    const updated = after.filter((u) => u.type === 'updated').map((u) => u.db_name);
    expect(new Set(updated)).toEqual(new Set(names));
    expect(updated.length).toBeLessThanOrEqual(names.length * 10);
    const { results } = await updates(`?since=${encodeURIComponent(String(before))}`);
    expect(results.filter((u) => u.type === 'updated')).toHaveLength(names.length);
  });

  it('keeps its sequence across a restart and does not report reopened databases as created', async () => {
    await s.json('PUT', '/durable');
    await s.json('PUT', '/durable/doc', {});
    await waitForEvent(0, 'durable', 'updated');
    const beforeRestart = await updates();

    await s.restart();
    const afterRestart = await updates();
    expect(afterRestart).toEqual(beforeRestart);

    // Reading and writing the reopened database is an update, not a creation.
    expect((await s.json('GET', '/durable/doc')).status).toBe(200);
    await s.json('PUT', '/durable/doc2', {});
    const since = beforeRestart.last_seq;
    const fresh = await waitForEvent(since, 'durable', 'updated');
    expect(fresh.map((u) => u.type)).toEqual(['updated']);
    expect((await updates()).results.filter((u) => u.type === 'created')).toHaveLength(1);
  });

  it('does not count reads, _local checkpoints or refused writes as updates', async () => {
    await s.json('PUT', '/quiet');
    const { last_seq: since } = await updates();
    await s.json('GET', '/quiet/_all_docs');
    await s.json('POST', '/quiet/_all_docs', { keys: ['a'] });
    await s.json('POST', '/quiet/_revs_diff', { a: ['1-x'] });
    await s.json('POST', '/quiet/_bulk_get', { docs: [{ id: 'a' }] });
    await s.json('PUT', '/quiet/_local/checkpoint', { seq: 1 });
    await s.json('PUT', '/quiet/conflicted', {});
    await s.json('PUT', '/quiet/conflicted', {}); // 409
    const res = await s.json('GET', `/_db_updates?since=${encodeURIComponent(String(since))}`);
    const quiet: Json[] = res.body.results;
    expect(quiet.map((u) => `${u.type}:${u.db_name}`)).toEqual(['updated:quiet']); // the one successful PUT
  });

  it('honours limit and descending', async () => {
    for (const name of ['one', 'two', 'three']) await s.json('PUT', `/${name}`);
    const limited = await updates('?limit=2');
    expect(limited.results.map((u) => u.db_name)).toEqual(['one', 'two']);
    const rest = await updates(`?since=${encodeURIComponent(String(limited.last_seq))}`);
    expect(rest.results.map((u) => u.db_name)).toEqual(['three']);
    const newestFirst = await updates('?descending=true&limit=1');
    expect(newestFirst.results.map((u) => u.db_name)).toEqual(['three']);
  });

  it('streams events on a continuous feed from now', async () => {
    const feed = new StreamReader(await s.fetch('/_db_updates?feed=continuous&since=now&heartbeat=10000'));
    await s.json('PUT', '/streamed');
    expect(await feed.until((text) => text.includes('"streamed"'))).toBe(true);
    expect(feed.rows()).toEqual([{ db_name: 'streamed', type: 'created', seq: expect.anything() }]);
    await feed.cancel();
  });
});

describe('embedded _db_updates in batches ([global_changes] max_write_delay)', () => {
  it('holds events until the next tick of the delay, and writes them all when the store closes', async () => {
    // A delay far longer than the test: no tick comes, so only batching explains what is (not) seen.
    const s = await startTestStore({ globalChangesMaxWriteDelayMs: 3_600_000 });
    try {
      const before = await s.json('GET', '/_db_updates');
      await s.json('PUT', '/held');
      await s.json('PUT', '/held/doc', { n: 1 });
      const atOnce = await s.json('GET', `/_db_updates?since=${encodeURIComponent(String(before.body.last_seq))}`);
      expect(atOnce.body.results).toEqual([]);
      await s.restart();
      const after = await s.json('GET', `/_db_updates?since=${encodeURIComponent(String(before.body.last_seq))}`);
      expect((after.body.results as Update[]).map((u) => `${u.type}:${u.db_name}`)).toEqual(['created:held', 'updated:held']);
    } finally {
      await s.teardown();
    }
  });

  it('announces a write within one tick by long poll (default delay)', async () => {
    const s = await startTestStore();
    try {
      const before = await s.json('GET', '/_db_updates');
      await s.json('PUT', '/ticked');
      const res = await s.json('GET', `/_db_updates?feed=longpoll&timeout=10000&since=${encodeURIComponent(String(before.body.last_seq))}`);
      expect((res.body.results as Update[]).map((u) => `${u.type}:${u.db_name}`)).toEqual(['created:ticked']);
    } finally {
      await s.teardown();
    }
  });
});
