import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedStore } from '../src/embeddedStore.js';
import { StreamReader } from './conformance/couchClient.js';
import { basicAuth, startTestStore, TEST_ADMIN, type TestStore } from './storeFixture.js';

describe('embedded store life cycle', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('creates a missing data folder and keeps its files there', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'm2m-store-parent-'));
    cleanups.push(() => rm(parent, { recursive: true, force: true }));
    const dataDir = join(parent, 'nested', 'data');
    const store = await startEmbeddedStore({ dataDir, port: 0, admin: TEST_ADMIN });
    cleanups.push(() => store.close());

    expect(store.url).toBe(`http://127.0.0.1:${store.port}`);
    const created = await fetch(`${store.url}/sessions`, { method: 'PUT', headers: { authorization: basicAuth(TEST_ADMIN) } });
    expect(created.status).toBe(201);
    expect(await readdir(dataDir)).toContain('sessions');
    expect(await readdir(parent)).toEqual(['nested']);
  });

  it('keeps databases and documents across a restart', async () => {
    const s = await startTestStore();
    cleanups.push(() => s.teardown());
    await s.json('PUT', '/keep');
    await s.json('PUT', '/keep/doc1', { value: 42 });
    await s.restart();
    expect((await s.json('GET', '/_all_dbs')).body).toContain('keep');
    const doc = await s.json('GET', '/keep/doc1');
    expect(doc.status).toBe(200);
    expect(doc.body.value).toBe(42);
  });

  it('close() ends open feeds and keep-alive connections, and releases the port', async () => {
    const s = await startTestStore();
    let tornDown = false;
    cleanups.push(async () => {
      if (!tornDown) await s.teardown();
    });
    await s.json('PUT', '/feeds');
    const feed = new StreamReader(await s.fetch('/feeds/_changes?feed=continuous&heartbeat=60000'));
    const longpoll = s.fetch('/feeds/_changes?feed=longpoll&heartbeat=60000&since=now');
    // A finished request leaves an idle keep-alive connection behind.
    expect((await s.json('GET', '/_up')).status).toBe(200);
    expect(s.store.stats().feeds.feeds).toBeGreaterThan(0);

    const port = s.store.port;
    await s.teardown();
    tornDown = true;

    await feed.all(); // the stream ends instead of hanging
    expect(feed.ended).toBe(true);
    await (await longpoll).text().catch(() => '');
    expect(s.store.stats().feeds).toEqual({ feeds: 0, listeners: 0, timers: 0, liveListeners: 0 });
    expect(s.store.stats().openDatabases).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/_up`)).rejects.toThrow();
  });

  it('refuses to start without admin credentials', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'm2m-store-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    await expect(
      startEmbeddedStore({ dataDir, port: 0, admin: { username: 'admin', password: '' } }),
    ).rejects.toThrow(/admin/);
  });

  it('two stores in one process keep their databases apart', async () => {
    const a: TestStore = await startTestStore();
    cleanups.push(() => a.teardown());
    const b: TestStore = await startTestStore();
    cleanups.push(() => b.teardown());
    await a.json('PUT', '/only-in-a');
    expect((await b.json('GET', '/_all_dbs')).body).not.toContain('only-in-a');
    expect((await b.json('GET', '/only-in-a')).status).toBe(404);
  });

  it('answers open live feeds at close() as at their timeout: longpolls get their results and last_seq, continuous feeds a last_seq line', async () => {
    const s = await startTestStore({ globalChangesMaxWriteDelayMs: 0 });
    let tornDown = false;
    cleanups.push(async () => {
      if (!tornDown) await s.teardown();
    });
    await s.json('PUT', '/polled');
    await s.json('PUT', '/polled/a', { n: 1 });
    await s.json('PUT', '/polled/b', { n: 2 });
    const seq = (await s.json('GET', '/polled/_changes')).body.last_seq;
    const updatesSeq = (await s.json('GET', '/_db_updates')).body.last_seq;
    // Waits far longer than any test: only the shutdown can end them.
    const longpolls = [
      s.fetch(`/polled/_changes?feed=longpoll&since=${seq}&timeout=600000`),
      s.fetch('/polled/_changes?feed=longpoll&since=now&heartbeat=60000'),
      s.fetch(`/_db_updates?feed=longpoll&since=${encodeURIComponent(String(updatesSeq))}&timeout=600000`),
    ];
    const continuous = new StreamReader(await s.fetch(`/polled/_changes?feed=continuous&since=${seq}&heartbeat=60000`));
    while (s.store.stats().feeds.feeds < 4) await new Promise((resolve) => setTimeout(resolve, 20));

    await s.teardown();
    tornDown = true;

    const [sinceSeq, sinceNow, dbUpdates] = await Promise.all(longpolls.map(async (answer) => {
      const res = await answer;
      expect(res.status).toBe(200);
      return JSON.parse(await res.text());
    }));
    expect(sinceSeq).toEqual({ results: [], last_seq: seq, pending: 0 });
    expect(sinceNow).toEqual({ results: [], last_seq: seq, pending: 0 });
    expect(dbUpdates).toEqual({ results: [], last_seq: updatesSeq });
    const lines = (await continuous.all()).split('\n').filter((line) => line.trim());
    expect(lines.map((line) => JSON.parse(line))).toEqual([{ last_seq: seq, pending: 0 }]);
    expect(s.store.stats().feeds).toEqual({ feeds: 0, listeners: 0, timers: 0, liveListeners: 0 });
  });
});
