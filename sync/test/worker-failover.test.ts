import { userDatabases } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusingUrl, resolveDualStack, silentNode } from '../../test/support/deadStoreNodes.js';
import { startWorker, type RunningWorker } from '../src/index.js';
import { createUser, expectUserUpToDate, PREFIX, putDocs, sessionDoc, startTestStore, testConfig, userIdFor, withCredentials, type TestStore } from './support/storeWorld.js';
import { StoreClient, StoreError } from '@m2m/couch';

const TIMEOUT_MS = 3_000;

let store: TestStore;
let silent: { url: string; close(): Promise<void> };
let refused: string;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  store = await startTestStore();
  silent = await silentNode();
  refused = await refusingUrl();
});

afterAll(async () => {
  await worker?.stop();
  await silent.close();
  await store?.teardown();
});

describe('worker store client with several URLs', () => {
  it('reads within the store timeout past a refusing and a silent URL, and writes past a refusing one', async () => {
    const client = new StoreClient(`${withCredentials(refused)},${withCredentials(silent.url)},${store.adminUrl}`, { timeoutMs: TIMEOUT_MS });
    try {
      expect(client.url).toBe(`${refused},${silent.url},${store.url}`);
      const session = await client.request<{ userCtx: { roles: string[] } }>({ path: '_session' });
      expect(session.userCtx.roles).toContain('_admin');
      await client.request({ db: 'failover-worker', method: 'PUT' });
      expect((await store.json('GET', '/failover-worker')).status).toBe(200);
    } finally {
      client.close();
    }
  });

  it('sends a write past a name whose every address refuses the connection (::1 and 127.0.0.1)', async () => {
    const restore = resolveDualStack('dual-stack.test');
    const client = new StoreClient(`${withCredentials(`http://dual-stack.test:${new URL(refused).port}`)},${store.adminUrl}`, { timeoutMs: TIMEOUT_MS });
    try {
      await client.request({ db: 'failover-worker-dual-stack', method: 'PUT' });
      expect((await store.json('GET', '/failover-worker-dual-stack')).status).toBe(200);
    } finally {
      restore();
      client.close();
    }
  });

  it('while a silent URL is set aside, a read has the whole store timeout on the live one', async () => {
    expect((await store.json('PUT', '/failover-worker-aside')).status).toBe(201);
    const client = new StoreClient(`${withCredentials(silent.url)},${store.adminUrl}`, { timeoutMs: TIMEOUT_MS });
    try {
      await client.request({ db: 'failover-worker-aside' }); // meets the silent URL once: set aside
      expect(client.health.isUp(client.health.endpoints[0]!)).toBe(false);
      // A read the live URL answers after two thirds of the timeout: a longpoll with nothing to report.
      const feed = await client.request<{ results: unknown[] }>({
        db: 'failover-worker-aside',
        path: '_changes',
        qs: { feed: 'longpoll', since: 0, timeout: (TIMEOUT_MS * 2) / 3 },
      });
      expect(feed.results).toEqual([]);
    } finally {
      client.close();
    }
  });

  it('fails a read whose answer the timeout cut short, rather than hand back an empty answer', async () => {
    expect((await store.json('PUT', '/failover-worker-cut-short')).status).toBe(201);
    const client = new StoreClient(store.adminUrl, { timeoutMs: 1_000 });
    try {
      // A longpoll with nothing to report: headers at once, the body only after 2 s.
      const feed = await client
        .request({ db: 'failover-worker-cut-short', path: '_changes', qs: { feed: 'longpoll', since: 0, timeout: 2_000 } })
        .catch((err: unknown) => err);
      expect(feed).toBeInstanceOf(StoreError);
      expect((feed as StoreError).kind).toBe('timeout');
    } finally {
      client.close();
    }
  });

  it('does not send a write again after a silent node took it (request); call retries it on the live URL', async () => {
    const client = new StoreClient(`${withCredentials(silent.url)},${store.adminUrl}`, { timeoutMs: TIMEOUT_MS, backoff: { baseMs: 10, maxMs: 50 } });
    try {
      const first = await client.request({ db: 'failover-worker-write', method: 'PUT' }).catch((err: unknown) => err);
      expect(first).toBeInstanceOf(StoreError);
      expect((first as StoreError).kind).toBe('timeout');
      expect((await store.json('GET', '/failover-worker-write')).status).toBe(404);
      await client.call({ db: 'failover-worker-write', method: 'PUT' });
      expect((await store.json('GET', '/failover-worker-write')).status).toBe(200);
    } finally {
      client.close();
    }
  });
});

describe('a worker given a dead and a live store URL', () => {
  it('analyses every session, the first URL never answering', async () => {
    const users = [userIdFor(910), userIdFor(911)];
    for (const userId of users) await createUser(store, userId);
    worker = await startWorker(
      testConfig(store, { COUCHDB_URL: `${withCredentials(silent.url)},${withCredentials(refused)},${store.adminUrl}`, STORE_TIMEOUT_MS: String(TIMEOUT_MS) }),
      { feedTimeoutMs: 1_000 },
    );
    for (const [n, userId] of users.entries()) {
      await putDocs(store, userDatabases(PREFIX, userId).sessions, [sessionDoc({ seed: 9100 + n, durationS: 4 })]);
    }
    await worker.idle();
    for (const userId of users) await expectUserUpToDate(store, userId, { firstRevisionOnly: true });
    expect(worker.stats().processed).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
