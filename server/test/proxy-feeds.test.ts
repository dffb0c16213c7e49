import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StreamReader } from '../../store/test/conformance/couchClient.js';
import { couchSession } from './support/proxySessions.js';
import { startProxyWorld, type ProxyUser, type ProxyWorld } from './support/proxyWorld.js';

describe('replication proxy: _changes feeds', () => {
  let world: ProxyWorld;
  let user: ProxyUser;
  const openFeeds = () => world.store.store.stats().feeds.feeds;

  beforeAll(async () => {
    world = await startProxyWorld();
    user = await world.newUser();
  });
  afterAll(async () => {
    await world.close();
  });

  it('streams a longpoll: headers at once, then the change that ends the wait', async () => {
    const res = await user.fetch('/sync/sessions/_changes?feed=longpoll&since=now&include_docs=true&heartbeat=1000');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const feed = new StreamReader(res);
    // A heartbeat newline arrives while the feed is still open: the proxy does not buffer.
    expect(await feed.until((text) => text.includes('\n'))).toBe(true);
    expect(feed.ended).toBe(false);

    const doc = couchSession(201);
    expect((await user.json('POST', '/sync/sessions/_bulk_docs', { docs: [doc] })).status).toBe(201);
    const body = JSON.parse(await feed.all()) as { results: Array<{ id: string; doc: { type: string } }>; last_seq: unknown };
    expect(body.results.map((r) => r.id)).toEqual([doc._id]);
    expect(body.results[0]!.doc.type).toBe('session');
  });

  it('ends a longpoll with no change after its timeout', async () => {
    const answer = await user.json('GET', '/sync/sessions/_changes?feed=longpoll&since=now&timeout=50');
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([]);
    expect(answer.body.last_seq).toBeDefined();
  });

  it('serves POST _changes with filter=_doc_ids', async () => {
    const [a, b] = [couchSession(202), couchSession(203)];
    await user.json('POST', '/sync/sessions/_bulk_docs', { docs: [a, b] });
    const answer = await user.json('POST', '/sync/sessions/_changes?filter=_doc_ids', { doc_ids: [b._id] });
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((r: { id: string }) => r.id)).toEqual([b._id]);
    const viaQuery = await user.json('GET', `/sync/sessions/_changes?filter=_doc_ids&doc_ids=${encodeURIComponent(JSON.stringify([a._id]))}`);
    expect(viaQuery.body.results.map((r: { id: string }) => r.id)).toEqual([a._id]);
  });

  it('aborts the store request when the client of a longpoll goes away', async () => {
    expect(openFeeds()).toBe(0);
    const controllers = [new AbortController(), new AbortController(), new AbortController()];
    const responses = await Promise.all(
      controllers.map((c) => user.fetch('/sync/sessions/_changes?feed=longpoll&since=now&timeout=60000', { signal: c.signal })),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    await vi.waitFor(() => expect(openFeeds()).toBe(3), { timeout: 5_000 });
    for (const c of controllers) c.abort();
    // The store sees its feeds' clients (the proxy) go away and closes them.
    await vi.waitFor(() => expect(openFeeds()).toBe(0), { timeout: 5_000 });
  });

  it('answers 502 with a JSON body when the store is down', async () => {
    await world.store.store.close();
    const answer = await user.json('GET', '/sync/sessions/');
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({ error: 'bad_gateway', reason: expect.any(String) });
  });
});

describe('replication proxy: a store that stops answering', () => {
  it('answers 503 when the store accepts the connection but stays silent past STORE_TIMEOUT_MS', async () => {
    const world = await startProxyWorld({ STORE_TIMEOUT_MS: '1000' });
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    try {
      const user = await world.newUser();
      expect((await user.json('GET', '/sync/sessions/')).status).toBe(200); // the account check is now cached
      const port = world.store.store.port;
      await world.store.store.close();
      await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
      const answer = await user.json('GET', '/sync/sessions/_all_docs');
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ error: 'service_unavailable', code: 'store_timeout', reason: expect.stringMatching(/silent/) });
      expect(sockets.size).toBeGreaterThan(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
      await world.close();
    }
  });
});
