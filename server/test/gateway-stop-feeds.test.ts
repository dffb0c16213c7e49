import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StopActions } from '../src/proxy/stopActions.js';
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

  it("holds many longpolls with one listener on the gateway's stop signal: no MaxListenersExceededWarning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      if (warning.name === 'MaxListenersExceededWarning') warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const other = await world.newUser();
      // Twice a dozen longpolls open at once (six per user, within the feed quota), then ended by their clients.
      for (let round = 0; round < 2; round++) {
        const clients = Array.from({ length: 12 }, () => new AbortController());
        const polls = clients.map((controller, i) =>
          (i % 2 === 0 ? user : other)
            .fetch('/sync/sessions/_changes?feed=longpoll&timeout=60000&since=now', { signal: controller.signal })
            .then((res) => res.text())
            .catch(() => undefined),
        );
        await vi.waitFor(() => expect(world.gateway.gateway.requestsInFlight()).toBe(12), { timeout: 20_000 });
        for (const controller of clients) controller.abort();
        await Promise.all(polls);
        await vi.waitFor(() => expect(world.gateway.gateway.requestsInFlight()).toBe(0), { timeout: 20_000 });
      }
      await new Promise((resolve) => setImmediate(resolve)); // a warning is emitted on a later tick
      expect(warnings.map((w) => w.message)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('answers each open longpoll as a wait that saw nothing (after its heartbeats too), from where it asked, and stops without waiting for them', async () => {
    const doc = couchSession(301);
    expect((await user.json('POST', '/sync/sessions/_bulk_docs', { docs: [doc] })).status).toBe(201);
    const first = await user.json('GET', '/sync/sessions/_changes');
    const since = String(first.body.last_seq);

    const heartbeats: string[] = [];
    const poll = async (query: string) => {
      const res = await user.fetch(`/sync/sessions/_changes?feed=longpoll&timeout=60000&${query}`);
      const reader = res.body!.getReader();
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
        if (text.trim() === '') heartbeats.push(query);
      }
      return { status: res.status, text };
    };
    const polls = [poll(`since=${encodeURIComponent(since)}`), poll(`since=${encodeURIComponent(since)}&heartbeat=1000`), poll('since=now')];
    // All three wait in the store (nothing changed after `since`); the heartbeat feed has sent a newline.
    await vi.waitFor(() => expect(world.gateway.gateway.requestsInFlight()).toBe(3), { timeout: 10_000 });
    await vi.waitFor(() => expect(heartbeats.length).toBeGreaterThan(0), { timeout: 10_000 });
    await world.gateway.gateway.close();

    const [plain, withHeartbeat, fromNow] = await Promise.all(polls);
    const current = (await world.store.json('GET', `/${user.dbs.sessions}`)).body.update_seq as unknown;
    for (const [answer, lastSeq] of [
      [plain, since],
      [withHeartbeat, since],
      // `since=now` gets the database's sequence, never "now": the next poll misses nothing written meanwhile.
      [fromNow, String(current)],
    ] as const) {
      expect(answer!.status).toBe(200);
      const body = JSON.parse(answer!.text) as { results: unknown[]; last_seq: unknown };
      expect(body.results).toEqual([]);
      expect(String(body.last_seq)).toBe(lastSeq);
    }
    expect(withHeartbeat!.text.startsWith('\n')).toBe(true);
    expect(world.gateway.gateway.requestsInFlight()).toBe(0);
  });
});

describe('stop actions', () => {
  it('keep one listener on the long-lived signal through many polls, forget each poll that ended, and run those still open once', () => {
    const stopping = new AbortController();
    const stops = new StopActions(stopping.signal);
    let ran = 0;
    for (let i = 0; i < 1000; i++) stops.add(() => (ran += 1))();
    const open = [stops.add(() => (ran += 1)), stops.add(() => (ran += 1))];
    expect([getEventListeners(stopping.signal, 'abort').length, stops.size]).toEqual([1, 2]);
    stopping.abort();
    stopping.abort();
    for (const forget of open) forget();
    expect([ran, stops.size]).toEqual([2, 0]);
  });
});
