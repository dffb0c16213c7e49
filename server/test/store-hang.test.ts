import { synthesizeSession } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startChildStore, type ChildStore } from './support/childStore.js';
import { startTestGateway, TEST_PASSWORD, TEST_STORE_ADMIN, type TestGateway } from './support/gatewayHarness.js';
import { storeUrlWithCredentials } from '@m2m/couch';

/** Short, so the test is quick; every answer must come within it plus a margin for a busy machine (less than a second timeout). */
const STORE_TIMEOUT_MS = 3_000;
const MARGIN_MS = 2_000;
const PUSHES = 8;

interface Outcome {
  what: string;
  status: number | 'no answer';
  ms: number;
  error?: unknown;
}

describe('a hung store (SIGSTOP): every store-bound request answers within the store timeout', () => {
  let store: ChildStore;
  let gw: TestGateway;
  let user: { username: string; accessToken: string };
  /** Users who have not written yet: the gateway knows nothing of their stored bytes, so a write takes two store calls. */
  const fresh: Array<{ accessToken: string }> = [];
  const sessionId = synthesizeSession({ seed: 4201, durationS: 30 }).id;

  beforeAll(async () => {
    store = await startChildStore(TEST_STORE_ADMIN);
    gw = await startTestGateway({
      COUCHDB_URL: storeUrlWithCredentials(store.url, TEST_STORE_ADMIN),
      STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
      SHUTDOWN_GRACE_MS: '300',
    });
    user = (await gw.register()) as { username: string; accessToken: string };
    const stored = await gw.call('POST', '/api/sessions', { token: user.accessToken, body: synthesizeSession({ seed: 4201, durationS: 30 }) });
    expect(stored.status).toBe(201);
    for (let i = 0; i < 4; i++) fresh.push((await gw.register()) as { accessToken: string });
  }, 60_000);
  afterAll(async () => {
    store?.resume();
    await gw?.close();
    await store?.close();
  }, 60_000);

  /** One call to the gateway, given at most the store timeout plus the margin to answer. */
  async function attempt(what: string, method: string, path: string, body?: unknown, token: string | undefined = user.accessToken): Promise<Outcome> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers['authorization'] = `Bearer ${token}`;
    const started = Date.now();
    try {
      const res = await fetch(gw.url + path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(STORE_TIMEOUT_MS + MARGIN_MS),
      });
      await res.arrayBuffer();
      return { what, status: res.status, ms: Date.now() - started };
    } catch (error) {
      return { what, status: 'no answer', ms: Date.now() - started, error };
    }
  }

  function everyKind(round: number): Array<Promise<Outcome>> {
    const writers = [user, ...fresh];
    // Valid sessions, so that each push needs the store whatever the gateway knows already (a quota reading, say).
    const pushes = Array.from({ length: PUSHES }, (_, i) => {
      const { id, ...session } = synthesizeSession({ seed: 4400 + round * 100 + i, durationS: 5 });
      return attempt('push', 'POST', '/sync/sessions/_bulk_docs', { docs: [{ _id: id, ...session }] }, writers[i % writers.length]?.accessToken);
    });
    const upload = synthesizeSession({ seed: 4300 + round, durationS: 30 });
    return [
      attempt('login', 'POST', '/auth/login', { username: user.username, password: TEST_PASSWORD }, undefined),
      ...pushes,
      attempt('read', 'GET', `/sync/sessions/${encodeURIComponent(sessionId)}`),
      attempt('rest', 'GET', '/api/progress'),
      attempt('rest', 'POST', '/api/sessions', upload, fresh[round]?.accessToken),
    ];
  }

  it('answers login, pushes, reads and REST calls within the store timeout while the store is frozen, and works again after SIGCONT', async () => {
    store.hang();
    let hung: Outcome[];
    try {
      hung = await Promise.all(everyKind(1));
    } finally {
      store.resume();
    }
    // Every request got an answer in time (none ran into the client's limit), and the same one: 503,
    // from the gateway's own routes and from the replication proxy alike.
    expect(hung.filter(({ status }) => status !== 503).map(({ what, status }) => `${what}: ${status}`)).toEqual([]);
    expect(hung.length).toBe(PUSHES + 4);

    // Back again: the same kinds of request succeed (the first after the freeze may still meet its tail).
    await vi.waitFor(async () => expect((await attempt('login', 'POST', '/auth/login', { username: user.username, password: TEST_PASSWORD }, undefined)).status).toBe(200), {
      timeout: 30_000,
      interval: 500,
    });
    const again = await Promise.all(everyKind(2));
    expect(again.map(({ what, status }) => ({ what, status }))).toEqual(
      again.map(({ what }, i) => ({ what, status: what === 'push' || i === again.length - 1 ? 201 : 200 })),
    );
  });
});
