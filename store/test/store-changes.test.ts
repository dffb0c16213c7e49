import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StreamReader } from './conformance/couchClient.js';
import { startTestStore, type Json, type TestStore } from './storeFixture.js';

/** Feed behaviour specific to the embedded store (CouchDB's own is in the conformance suite). */
describe('embedded _changes feeds', () => {
  let s: TestStore;
  beforeAll(async () => {
    s = await startTestStore();
    await s.json('PUT', '/feeds');
    await s.json('POST', '/feeds/_bulk_docs', { docs: [{ _id: 'a' }, { _id: 'b' }, { _id: 'c' }] });
  });
  afterAll(async () => {
    await s.teardown();
  });

  const idle = { feeds: 0, listeners: 0, timers: 0, liveListeners: 0 };

  it('releases every listener and timer of 200 feeds whose clients went away', async () => {
    const controllers: AbortController[] = [];
    const opened: Array<Promise<unknown>> = [];
    for (let i = 0; i < 200; i++) {
      const controller = new AbortController();
      controllers.push(controller);
      const kind =
        i % 3 === 0
          ? 'feed=continuous&heartbeat=50'
          : i % 3 === 1
            ? 'feed=longpoll&since=now&heartbeat=50'
            : 'feed=longpoll&since=now&timeout=60000';
      opened.push(s.fetch(`/feeds/_changes?${kind}`, { signal: controller.signal }).catch(() => undefined));
    }
    await Promise.all(opened); // headers are sent as soon as a feed is open
    await vi.waitFor(() => expect(s.store.stats().feeds.feeds).toBe(200), { timeout: 20_000 });
    const busy = s.store.stats().feeds;
    expect(busy.listeners).toBe(200);
    expect(busy.timers).toBe(200);
    expect(busy.liveListeners).toBe(1); // one PouchDB listener serves every feed of the database

    for (const controller of controllers) controller.abort();
    await vi.waitFor(() => expect(s.store.stats().feeds).toEqual(idle), { timeout: 20_000 });
  });

  it('sends heartbeats as they happen (no compression buffering them)', async () => {
    const res = await s.fetch('/feeds/_changes?feed=continuous&since=now&heartbeat=20');
    expect(res.headers.get('content-encoding')).toBeNull();
    const feed = new StreamReader(res);
    expect(await feed.until((text) => text.includes('\n\n'))).toBe(true);
    expect(feed.text.trim()).toBe('');
    await feed.cancel();
    await vi.waitFor(() => expect(s.store.stats().feeds).toEqual(idle));
  });

  it('a longpoll with heartbeat waits past its timeout and answers the next change', async () => {
    const pending = s.fetch('/feeds/_changes?feed=longpoll&since=now&heartbeat=20&timeout=10');
    const feed = new StreamReader(await pending);
    expect(await feed.until((text) => text.includes('\n\n'))).toBe(true); // still open after heartbeats
    await s.json('PUT', '/feeds/woken', {});
    const body: Json = JSON.parse(await feed.all());
    expect(body.results.map((r: Json) => r.id)).toEqual(['woken']);
  });

  it('ends a feed of a database that is deleted under it', async () => {
    await s.json('PUT', '/doomed');
    const feed = new StreamReader(await s.fetch('/doomed/_changes?feed=continuous&heartbeat=1000'));
    expect((await s.json('DELETE', '/doomed')).status).toBe(200);
    await feed.all();
    expect(feed.ended).toBe(true);
    await vi.waitFor(() => expect(s.store.stats().feeds).toEqual(idle));
  });

  it('accepts since as a number, a JSON string, a CouchDB-style string and now', async () => {
    const all = await s.json('GET', '/feeds/_changes');
    const firstSeq = all.body.results[0].seq;
    const expected = all.body.results.slice(1).map((r: Json) => r.id);
    for (const since of [String(firstSeq), `"${firstSeq}"`, `${firstSeq}-g1AAAAopaque`]) {
      const res = await s.json('GET', `/feeds/_changes?since=${encodeURIComponent(since)}`);
      expect(res.status, since).toBe(200);
      expect(res.body.results.map((r: Json) => r.id), since).toEqual(expected);
    }
    const now = await s.json('GET', '/feeds/_changes?since=now');
    expect(now.body.results).toEqual([]);
    expect(now.body.last_seq).toEqual(all.body.last_seq);
  });

  it('answers 400 to a malformed since, feed or limit', async () => {
    for (const query of ['since=abc', 'feed=sideways', 'limit=-1', 'heartbeat=soon', 'include_docs=maybe']) {
      const res = await s.json('GET', `/feeds/_changes?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error).toBe('bad_request');
    }
  });

  it('answers 404 for a missing database', async () => {
    expect((await s.json('GET', '/missing/_changes')).status).toBe(404);
  });
});
