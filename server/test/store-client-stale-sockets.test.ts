import { getEventListeners } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, startTestStore, TEST_ADMIN, type TestStore } from '../../store/test/storeFixture.js';
import { StoreClient, storeUrlWithCredentials, StreamingClient, UpstreamError } from '@m2m/couch';

/**
 * A TCP relay in front of the real store that can, once armed, reset every
 * connection already open when its next request arrives: what a kept-alive
 * socket meets after the store closed it (idle timeout) or was restarted.
 */
interface Relay {
  url: string;
  /** Connections accepted. */
  connections: number;
  /** Requests cut by a reset. */
  resets: number;
  resetOpenConnections(): void;
  close(): Promise<void>;
}

async function startRelay(target: URL): Promise<Relay> {
  const open = new Set<Socket>();
  const doomed = new WeakSet<Socket>();
  const relay: Relay = {
    url: '',
    connections: 0,
    resets: 0,
    resetOpenConnections: () => {
      for (const socket of open) doomed.add(socket);
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((client) => {
    relay.connections += 1;
    open.add(client);
    const upstream = connect(Number(target.port), target.hostname);
    client.on('data', (chunk: Buffer) => {
      if (doomed.has(client)) {
        relay.resets += 1;
        upstream.destroy();
        client.resetAndDestroy();
        return;
      }
      upstream.write(new Uint8Array(chunk));
    });
    upstream.pipe(client);
    const end = (): void => {
      open.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  relay.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return relay;
}

describe('the store client on a connection the store has closed', () => {
  let store: TestStore;
  let relay: Relay;
  let client: StreamingClient;

  beforeAll(async () => {
    store = await startTestStore();
    expect((await store.json('PUT', '/stale-sockets')).status).toBe(201);
    relay = await startRelay(new URL(store.url));
    client = new StreamingClient({ url: relay.url, authorization: basicAuth(TEST_ADMIN) });
  });
  afterAll(async () => {
    client.close();
    await relay.close();
    await store.teardown();
  });

  /** A read through the client's pool, so that a kept-alive socket is there to be reused. */
  const warm = async (): Promise<void> => {
    expect((await client.json({ method: 'GET', path: '/stale-sockets', silenceMs: 5_000 })).status).toBe(200);
  };

  it('sends a read again, once, on a new connection', async () => {
    await warm();
    let before = { connections: relay.connections, resets: relay.resets };
    relay.resetOpenConnections();
    const again = await client.json({ method: 'GET', path: '/stale-sockets', silenceMs: 5_000 });
    expect(again.status).toBe(200);
    expect((again.body as { db_name: string }).db_name).toBe('stale-sockets');
    expect({ connections: relay.connections, resets: relay.resets }).toEqual({ connections: before.connections + 1, resets: before.resets + 1 });

    // A read posted as JSON, marked safe to repeat, is sent again as well.
    await warm();
    before = { connections: relay.connections, resets: relay.resets };
    relay.resetOpenConnections();
    const posted = await client.json({ method: 'POST', path: '/stale-sockets/_all_docs', body: { keys: ['a'] }, idempotent: true, silenceMs: 5_000 });
    expect(posted.status).toBe(200);
    expect({ connections: relay.connections, resets: relay.resets }).toEqual({ connections: before.connections + 1, resets: before.resets + 1 });
  });

  it('never repeats a write: its failure is reported and the document is written at most once', async () => {
    await warm();
    const before = { connections: relay.connections, resets: relay.resets };
    relay.resetOpenConnections();
    const write = client.json({ method: 'POST', path: '/stale-sockets/_bulk_docs', body: { docs: [{ _id: 'once' }] }, silenceMs: 5_000 });
    await expect(write).rejects.toThrow(UpstreamError);
    await expect(write).rejects.toThrow(/the store did not answer/);
    expect({ connections: relay.connections, resets: relay.resets }).toEqual({ connections: before.connections, resets: before.resets + 1 });
    // The relay cut the request before the store saw it: nothing was written, and nothing was sent again.
    expect((await store.json('GET', '/stale-sockets/once')).status).toBe(404);
  });

  it('aborts what is running when its target closes, without tying each request to the long-lived close signal', async () => {
    const closing = new AbortController();
    const closable = new StreamingClient({ url: store.url, authorization: basicAuth(TEST_ADMIN), closed: closing.signal });
    for (let i = 0; i < 20; i++) {
      const own = new AbortController();
      expect((await closable.json({ method: 'GET', path: '/stale-sockets', silenceMs: 5_000, signal: own.signal })).status).toBe(200);
    }
    // AbortSignal.any([request signal, close signal]) would leave one entry per request on the close
    // signal, which Node 20 keeps for the life of the process (nodejs/node#55351).
    const dependants = Object.getOwnPropertySymbols(closing.signal).find((symbol) => symbol.description === 'kDependantSignals');
    expect(dependants === undefined ? 0 : (closing.signal as unknown as Record<symbol, Set<unknown> | undefined>)[dependants]?.size ?? 0).toBe(0);

    // A longpoll under way (its headers are in) is cut when the target closes.
    const feed = await closable.request({ method: 'GET', path: '/stale-sockets/_changes', query: new URLSearchParams({ feed: 'longpoll', since: 'now', timeout: '10000' }), silenceMs: 20_000 });
    expect(feed.statusCode).toBe(200);
    const cut = new Promise((resolve, reject) => {
      feed.on('end', resolve);
      feed.on('error', reject);
    });
    feed.resume();
    closing.abort();
    await expect(cut).rejects.toThrow('aborted');
    await expect(closable.json({ method: 'GET', path: '/stale-sockets', silenceMs: 5_000 })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('fails a request still connecting as aborted, not as a store failure, when its target closes', async () => {
    // A store that takes the connection and never answers.
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const closing = new AbortController();
    const address = silent.address() as { port: number };
    const closable = new StreamingClient({ url: `http://127.0.0.1:${address.port}`, authorization: basicAuth(TEST_ADMIN), closed: closing.signal });
    try {
      const pending = closable.json({ method: 'GET', path: '/never', silenceMs: 20_000 });
      // Closed in the same turn: the request has no socket yet, and destroying it reads as a hang-up.
      closing.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    } finally {
      silent.close();
    }
  });
});

describe('the nano client on a connection the store has closed', () => {
  let store: TestStore;
  let relay: Relay;
  let client: StoreClient;

  beforeAll(async () => {
    store = await startTestStore();
    expect((await store.json('PUT', '/stale-nano')).status).toBe(201);
    relay = await startRelay(new URL(store.url));
    client = new StoreClient(storeUrlWithCredentials(relay.url, TEST_ADMIN), { timeoutMs: 5_000 });
  });
  afterAll(async () => {
    client.close();
    await relay.close();
    await store.teardown();
  });

  // Whether the pool reuses a kept-alive socket for the next call is the pool's choice: each case
  // tries a few times and needs at least one call that met a reset.
  it('sends a read again, once, on a new connection, as the streaming transport does', async () => {
    const before = relay.resets;
    for (let i = 0; i < 5 && relay.resets === before; i += 1) {
      expect(await client.request<{ db_name: string }>({ db: 'stale-nano' })).toMatchObject({ db_name: 'stale-nano' });
      relay.resetOpenConnections();
      expect(await client.request<{ db_name: string }>({ db: 'stale-nano' })).toMatchObject({ db_name: 'stale-nano' });
    }
    expect(relay.resets).toBeGreaterThan(before);
  });

  it('aborts what is running when it closes, without tying each request to its long-lived close signal', async () => {
    const closable = new StoreClient(storeUrlWithCredentials(store.url, TEST_ADMIN), { timeoutMs: 5_000 });
    for (let i = 0; i < 10; i++) {
      const own = new AbortController();
      expect(await closable.request<{ db_name: string }>({ db: 'stale-nano', signal: own.signal })).toMatchObject({ db_name: 'stale-nano' });
      expect(await closable.call<{ db_name: string }>({ db: 'stale-nano' })).toMatchObject({ db_name: 'stale-nano' });
    }
    // One entry per request on the close signal (AbortSignal.any) would stay for the life of the process (nodejs/node#55351).
    const dependants = Object.getOwnPropertySymbols(closable.closed).find((symbol) => symbol.description === 'kDependantSignals');
    expect(dependants === undefined ? 0 : (closable.closed as unknown as Record<symbol, Set<unknown> | undefined>)[dependants]?.size ?? 0).toBe(0);
    // A longpoll and a call under way end, as aborted, when the client closes.
    const feed = closable.request({ db: 'stale-nano', path: '_changes', qs: { feed: 'longpoll', since: 'now', timeout: 10_000 }, timeoutMs: 20_000 });
    const call = closable.call({ db: 'stale-nano', path: '_changes', qs: { feed: 'longpoll', since: 'now', timeout: 10_000 }, timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    closable.close();
    await expect(feed).rejects.toMatchObject({ kind: 'aborted' });
    await expect(call).rejects.toMatchObject({ kind: 'aborted' });
    await expect(closable.request({ db: 'stale-nano' })).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('never repeats a write on its own: the reset is reported and nothing is written twice', async () => {
    const before = relay.resets;
    for (let i = 0; i < 5 && relay.resets === before; i += 1) {
      expect(await client.request<{ db_name: string }>({ db: 'stale-nano' })).toMatchObject({ db_name: 'stale-nano' });
      relay.resetOpenConnections();
      const id = `once-${i}`;
      const write = client.request({ db: 'stale-nano', method: 'PUT', path: id, body: { n: i } }).then(
        () => 'written',
        () => 'refused',
      );
      const outcome = await write;
      const stored = (await store.json('GET', `/stale-nano/${id}`)).status;
      // Cut by a reset: reported, and not sent again (nothing stored); otherwise it went through once.
      expect(relay.resets > before ? [outcome, stored] : ['written', 200]).toEqual([outcome, stored]);
    }
    expect(relay.resets).toBeGreaterThan(before);
  });
});

describe('streaming transport: the connection-wide signal', () => {
  it('holds no listener per request on the long-lived closed signal, however many requests are under way', async () => {
    // A store that takes connections and never reads them: a large body stays unsent, each request under way.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.pause();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const closed = new AbortController();
    const client = new StreamingClient({ url: `http://127.0.0.1:${port}`, authorization: 'Basic eA==', closed: closed.signal });
    const body = Buffer.alloc(8 * 1024 * 1024, 0x20);
    try {
      const requests = Array.from({ length: 12 }, () =>
        client.request({ method: 'POST', path: '/db/_bulk_docs', jsonBytes: body, silenceMs: 60_000 }).then(
          () => 'answered',
          (err: unknown) => (err as Error).name,
        ),
      );
      await expect.poll(() => sockets.size, { timeout: 20_000 }).toBe(12);
      // The client's own listener (it closes its agents) and nothing per request.
      expect(getEventListeners(closed.signal, 'abort')).toHaveLength(1);
      closed.abort();
      // Closing still ends every request under way.
      expect((await Promise.all(requests)).filter((outcome) => outcome === 'answered')).toEqual([]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
