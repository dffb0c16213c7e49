import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { couchSession } from './support/proxySessions.js';
import { startProxyWorld, type ProxyUser, type ProxyWorld } from './support/proxyWorld.js';

// Ctrl-C must not wait out the longpolls a device holds open: a stopping gateway answers them at once.
describe('gateway stop with open longpolls', () => {
  let world: ProxyWorld;
  let user: ProxyUser;

  beforeAll(async () => {
    // A grace far beyond the test's timeout: a stop that waited for the feeds would fail the test.
    world = await startProxyWorld({ SHUTDOWN_GRACE_MS: '600000' });
    user = await world.newUser();
  });
  afterAll(async () => {
    await world.close();
  });

  it('answers each open longpoll as a wait that saw nothing, from where it asked, and stops without waiting for them', async () => {
    const doc = couchSession(301);
    expect((await user.json('POST', '/sync/sessions/_bulk_docs', { docs: [doc] })).status).toBe(201);
    const first = await user.json('GET', '/sync/sessions/_changes');
    const since = String(first.body.last_seq);

    const polls = [since, since].map(async (from) => {
      const res = await user.fetch(`/sync/sessions/_changes?feed=longpoll&since=${encodeURIComponent(from)}&timeout=60000`);
      return { from, status: res.status, text: await res.text() };
    });
    // Both polls wait in the store (nothing changed after `since`) before the stop begins.
    await vi.waitFor(() => expect(world.gateway.gateway.requestsInFlight()).toBe(2), { timeout: 10_000 });
    await world.gateway.gateway.close();

    const answers = await Promise.all(polls);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.text) as { results: unknown[]; last_seq: unknown };
      expect(body.results).toEqual([]);
      expect(String(body.last_seq)).toBe(answer.from);
    }
    expect(world.gateway.gateway.requestsInFlight()).toBe(0);
  });
});
