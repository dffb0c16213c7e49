import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusingUrl, resolveDualStack, silentNode } from '../../test/support/deadStoreNodes.js';
import { EndpointHealth, parseStoreUrl, StoreClient, storeUrlWithCredentials, StreamingClient } from '@m2m/couch';
import { captureLog, startTestGateway, TEST_PASSWORD, TEST_STORE_ADMIN, uniqueUsername, type TestGateway } from './support/gatewayHarness.js';
import { startTestStore, TEST_ADMIN, type TestStore } from '../../store/test/storeFixture.js';

const TIMEOUT_MS = 3_000;
const withAdmin = (url: string, admin = TEST_ADMIN): string => storeUrlWithCredentials(url, admin);

describe('several store URLs: the gateway fails over between them', () => {
  let s: TestStore;
  let silent: { url: string; close(): Promise<void> };
  let refused: string;
  beforeAll(async () => {
    s = await startTestStore();
    silent = await silentNode();
    refused = await refusingUrl();
  });
  afterAll(async () => {
    await silent.close();
    await s.teardown();
  });

  it('sends any request past a URL that refuses connections, writes included', async () => {
    const store = new StoreClient(`${withAdmin(refused)},${withAdmin(s.url)}`, { timeoutMs: TIMEOUT_MS });
    try {
      expect(store.url).toBe(`${refused},${s.url}`);
      await store.request({ db: 'failover-refused', method: 'PUT' });
      expect((await s.json('GET', '/failover-refused')).status).toBe(200);
      expect(store.health.isUp(store.health.endpoints[0]!)).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('sends a write past a name whose every address refuses the connection (::1 and 127.0.0.1)', async () => {
    const restore = resolveDualStack('dual-stack.test');
    const store = new StoreClient(`${withAdmin(`http://dual-stack.test:${new URL(refused).port}`)},${withAdmin(s.url)}`, { timeoutMs: TIMEOUT_MS });
    try {
      await store.request({ db: 'failover-dual-stack', method: 'PUT' });
      expect((await s.json('GET', '/failover-dual-stack')).status).toBe(200);
    } finally {
      restore();
      await store.close();
    }
  });

  it('answers a read within the store timeout when the first URL accepts but never answers', async () => {
    const store = new StoreClient(`${withAdmin(silent.url)},${withAdmin(s.url)}`, { timeoutMs: TIMEOUT_MS });
    try {
      // One URL alone would time out: the read gets its answer only from the second, inside the same timeout.
      const info = await store.request<{ db_name?: string }>({ db: 'failover-refused' });
      expect(info.db_name).toBe('failover-refused');
      // The silent node is set aside: the next calls, writes too, go straight to the live one.
      await store.request({ db: 'failover-silent', method: 'PUT' });
      expect((await s.json('GET', '/failover-silent')).status).toBe(200);
    } finally {
      await store.close();
    }
  });

  it('while a silent URL is set aside, a read has the whole store timeout on the live one', async () => {
    expect((await s.json('PUT', '/failover-aside')).status).toBe(201);
    const client = new StoreClient(`${withAdmin(silent.url)},${withAdmin(s.url)}`, { timeoutMs: TIMEOUT_MS });
    try {
      await client.request({ db: 'failover-aside' }); // meets the silent URL once: set aside
      expect(client.health.isUp(client.health.endpoints[0]!)).toBe(false);
      // A read the live URL answers after two thirds of the timeout: a longpoll with nothing to report.
      const feed = await client.request<{ results: unknown[] }>({
        db: 'failover-aside',
        path: '_changes',
        qs: { feed: 'longpoll', since: 0, timeout: (TIMEOUT_MS * 2) / 3 },
      });
      expect(feed.results).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('fails a read whose answer the timeout cut short, rather than hand back an empty answer', async () => {
    expect((await s.json('PUT', '/failover-cut-short')).status).toBe(201);
    const store = new StoreClient(withAdmin(s.url), { timeoutMs: 1_000 });
    try {
      // A longpoll with nothing to report: headers at once, the body only after 2 s.
      const feed = store.request({ db: 'failover-cut-short', path: '_changes', qs: { feed: 'longpoll', since: 0, timeout: 2_000 } });
      await expect(feed).rejects.toThrow(/aborted due to timeout/);
    } finally {
      await store.close();
    }
  });

  it('does not send a write twice after a node took it and stayed silent; the next write goes elsewhere', async () => {
    const store = new StoreClient(`${withAdmin(silent.url)},${withAdmin(s.url)}`, { timeoutMs: TIMEOUT_MS });
    try {
      await expect(store.request({ db: 'failover-ambiguous', method: 'PUT' })).rejects.toThrow(/timeout/i);
      expect((await s.json('GET', '/failover-ambiguous')).status).toBe(404);
      await store.request({ db: 'failover-ambiguous', method: 'PUT' });
      expect((await s.json('GET', '/failover-ambiguous')).status).toBe(200);
    } finally {
      await store.close();
    }
  });

  it('a URL set aside comes back once its probe answers', async () => {
    const live = parseStoreUrl(withAdmin(s.url));
    const flaky = parseStoreUrl(withAdmin(refused));
    let now = 0;
    const changes: string[] = [];
    const health = new EndpointHealth([live, flaky], {
      cooldownMs: 1_000,
      now: () => now,
      probe: async (endpoint) =>
        (await fetch(`${endpoint.url}/_up`, { headers: { authorization: endpoint.authorization } }).then((r) => r.status, () => 0)) === 200,
      onChange: (endpoint, up) => changes.push(`${endpoint.url} ${up ? 'up' : 'down'}`),
    });
    health.markDown(live);
    expect(health.candidates()).toEqual([flaky, live]);
    now += 1_001;
    health.candidates(); // starts the probe; the URL stays aside until it answers
    await expect.poll(() => health.isUp(live)).toBe(true);
    expect(health.candidates()).toEqual([live, flaky]);
    expect(changes).toEqual([`${s.url} down`, `${s.url} up`]);
  });

  it('the proxy client reads through the live URL within the store timeout when the first never answers', async () => {
    const store = new StoreClient(`${withAdmin(silent.url)},${withAdmin(s.url)}`, { timeoutMs: TIMEOUT_MS });
    const client = new StreamingClient(store);
    try {
      const answer = await client.json({ method: 'GET', path: '/failover-refused', silenceMs: TIMEOUT_MS });
      expect(answer.status).toBe(200);
      expect((answer.body as { db_name?: string }).db_name).toBe('failover-refused');
    } finally {
      client.close();
      await store.close();
    }
  });
});

describe('the proxy client while a URL is set aside', () => {
  it('gives the live URL the whole store timeout to start its answer', async () => {
    // A node that takes two thirds of the timeout to start answering.
    const slow = createHttpServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), (TIMEOUT_MS * 2) / 3);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const silent = await silentNode();
    const store = new StoreClient(`${withAdmin(silent.url)},${withAdmin(`http://127.0.0.1:${(slow.address() as AddressInfo).port}`)}`, {
      timeoutMs: TIMEOUT_MS,
    });
    const client = new StreamingClient(store);
    try {
      store.health.markDown(store.health.endpoints[0]!);
      const answer = await client.json({ method: 'GET', path: '/', silenceMs: TIMEOUT_MS });
      expect(answer.body).toEqual({ ok: true });
    } finally {
      client.close();
      await store.close();
      await silent.close();
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });
});

describe('a gateway given a dead and a live store URL', () => {
  let s: TestStore;
  let silent: { url: string; close(): Promise<void> };
  let gw: TestGateway;
  const log = captureLog();
  beforeAll(async () => {
    s = await startTestStore();
    silent = await silentNode();
    const admin = { username: TEST_ADMIN.username, password: TEST_ADMIN.password };
    gw = await startTestGateway(
      {
        COUCHDB_URL: `${withAdmin(silent.url, admin)}, ${withAdmin(await refusingUrl(), admin)} ,${withAdmin(s.url, admin)}`,
        STORE_ADMIN: `${TEST_STORE_ADMIN.username}:${TEST_STORE_ADMIN.password}`,
        STORE_TIMEOUT_MS: String(TIMEOUT_MS),
      },
      { logger: log.logger },
    );
  });
  afterAll(async () => {
    await gw.close();
    await silent.close();
    await s.teardown();
  });

  it('starts, registers a user and serves the replication proxy', async () => {
    const registered = await gw.call('POST', '/auth/register', { body: { username: uniqueUsername('failover'), password: TEST_PASSWORD } });
    expect(registered.status).toBe(201);
    const info = await gw.call('GET', '/sync/sessions/', { token: registered.body.accessToken });
    expect(info.status).toBe(200);
    expect((await s.json('GET', `/gwt-u-${registered.body.userId}-sessions`)).status).toBe(200);
  });

  it('logs which URL stopped answering, never its credentials', () => {
    const down = log.lines().filter((line) => line.msg === 'store URL not answering: using the others');
    expect(down.map((line) => line.store)).toContain(silent.url);
    expect(log.text()).not.toContain(TEST_ADMIN.password);
  });
});
