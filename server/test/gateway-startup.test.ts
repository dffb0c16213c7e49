import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startGateway } from '../src/gateway.js';
import { startEmbeddedStore, type EmbeddedStore } from '@m2m/embedded-store';
import { basicAuth, startTestGateway, TEST_PASSWORD, uniqueUsername } from './support/gatewayHarness.js';
import { ADMIN_ONLY_SECURITY } from '@m2m/couch';

const ADMIN = { username: 'root', password: 'external-store-password' };

let store: EmbeddedStore;
let storeDir: string;

beforeAll(async () => {
  storeDir = await mkdtemp(join(tmpdir(), 'm2m-external-store-'));
  store = await startEmbeddedStore({ dataDir: storeDir, port: 0, admin: ADMIN });
});

afterAll(async () => {
  await store?.close();
  await rm(storeDir, { recursive: true, force: true });
});

function couchUrl(base: string, admin: { username: string; password: string }): string {
  const url = new URL(base);
  url.username = admin.username;
  url.password = admin.password;
  return url.toString();
}

const sockets = new Set<Socket>();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startFailure(env: Record<string, string>): Promise<Error> {
  const dataDir = await mkdtemp(join(tmpdir(), 'm2m-gateway-fail-'));
  try {
    await startGateway(
      loadConfig({ PORT: '0', STORE_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', JWT_SECRET: 'y'.repeat(40), ...env }),
    );
  } catch (err) {
    return err as Error;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  throw new Error('the gateway started');
}

async function storeGet(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(store.url + path, { headers: { authorization: basicAuth(ADMIN), accept: 'application/json' } });
  return { status: res.status, body: await res.json() };
}

describe('gateway start-up', () => {
  it('fails with a clear message when the store is unreachable', async () => {
    const port = await freePort();
    const err = await startFailure({ COUCHDB_URL: `http://admin:hidden-password@127.0.0.1:${port}` });
    expect(err.message).toMatch(new RegExp(`store at http://127\\.0\\.0\\.1:${port} is unreachable`));
    expect(err.message).toMatch(/COUCHDB_URL/);
    expect(err.message).not.toContain('hidden-password');
  });

  it('gives up on a store that accepts connections but never answers (every store call has a timeout)', async () => {
    const silent = createNetServer((socket) => sockets.add(socket)); // holds each connection open, says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const err = await startFailure({ COUCHDB_URL: `http://admin:pw@127.0.0.1:${port}`, STORE_TIMEOUT_MS: '300' });
      expect(err.message).toMatch(/unreachable: no answer within 300 ms \(STORE_TIMEOUT_MS\)/);
    } finally {
      await new Promise((resolve) => {
        silent.close(resolve);
        for (const socket of sockets) socket.destroy();
      });
    }
  });

  it('fails with a clear message when the store refuses the credentials', async () => {
    const err = await startFailure({ COUCHDB_URL: couchUrl(store.url, { username: 'root', password: 'wrong-password' }) });
    expect(err.message).toMatch(/refused the admin credentials \(HTTP 401\)/);
    expect(err.message).not.toContain('wrong-password');
  });

  it('fails on a taken PORT (leaving no embedded store running) or STORE_PORT, naming the variable', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const takenPort = (blocker.address() as AddressInfo).port;
    const storePort = await freePort();
    try {
      const err = await startFailure({ PORT: String(takenPort), STORE_PORT: String(storePort) });
      expect(err.message).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${takenPort} \\(HOST, PORT\\).*EADDRINUSE`));
      await expect(fetch(`http://127.0.0.1:${storePort}/`)).rejects.toThrow();
      const storeErr = await startFailure({ STORE_PORT: String(takenPort) });
      expect(storeErr.message).toMatch(new RegExp(`embedded store cannot start on 127\\.0\\.0\\.1:${takenPort} \\(STORE_PORT`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('bootstraps an external store idempotently: system and own databases, admin-only', async () => {
    const env = { COUCHDB_URL: couchUrl(store.url, ADMIN), DB_PREFIX: 'ext-' };
    const first = await startTestGateway(env);
    const second = await startTestGateway(env); // a second start (or a second process) changes nothing
    try {
      expect(first.gateway.embeddedStore).toBe(false);
      expect(first.gateway.storeUrl).toBe(store.url);
      const names = (await storeGet('/_all_dbs')).body as string[];
      expect(names).toEqual(expect.arrayContaining(['_users', '_replicator', '_global_changes', 'ext-accounts', 'ext-worker', 'ext-activity', 'ext-links']));
      for (const name of ['ext-accounts', 'ext-worker', 'ext-activity', 'ext-links']) {
        expect((await storeGet(`/${name}/_security`)).body).toEqual(ADMIN_ONLY_SECURITY);
      }
      const user = await first.register();
      const login = await second.call('POST', '/auth/login', { body: { username: user.username, password: TEST_PASSWORD } });
      expect(login.status).toBe(200);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('is ready only while the store answers, answers 503 when it needs the store, and stays healthy', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'm2m-flaky-store-'));
    const flaky = await startEmbeddedStore({ dataDir: dir, port: 0, admin: ADMIN });
    const gw = await startTestGateway({ COUCHDB_URL: couchUrl(flaky.url, ADMIN), STORE_TIMEOUT_MS: '1000' });
    try {
      expect((await gw.call('GET', '/ready')).status).toBe(200);
      await flaky.close();
      const ready = await gw.call('GET', '/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ error: 'not_ready', requestId: expect.any(String) });
      expect((await gw.call('GET', '/health')).status).toBe(200);
      // Requests that need the store say so, with a hint to retry.
      const login = await gw.call('POST', '/auth/login', { body: { username: 'someone', password: TEST_PASSWORD } });
      expect(login.status).toBe(503);
      expect(login.body).toMatchObject({ error: 'service_unavailable', requestId: expect.any(String) });
      expect(login.headers.get('retry-after')).toBe('5');
    } finally {
      await gw.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('generates the JWT key and the store admin once, keeps them in DATA_DIR, and reuses them after a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'm2m-gateway-secrets-'));
    const env = { STORE_ADMIN: undefined, JWT_SECRET: undefined, NODE_ENV: 'development' };
    try {
      const first = await startTestGateway(env, { dataDir });
      const user = await first.register(uniqueUsername('persist'));
      await first.close();

      const jwtFile = join(dataDir, 'secrets', 'jwt-secret');
      const adminFile = join(dataDir, 'secrets', 'store-admin.json');
      expect((await stat(jwtFile)).mode & 0o777).toBe(0o600);
      expect((await stat(adminFile)).mode & 0o777).toBe(0o600);
      expect(Buffer.byteLength(await readFile(jwtFile, 'utf8'))).toBeGreaterThanOrEqual(32);
      const admin = JSON.parse(await readFile(adminFile, 'utf8')) as { username: string; password: string };
      expect(admin.password.length).toBeGreaterThanOrEqual(24);

      const second = await startTestGateway(env, { dataDir });
      try {
        // The token signed before the restart still verifies; the store data is still there.
        expect((await second.call('GET', '/me', { token: user.accessToken })).status).toBe(200);
        const login = await second.call('POST', '/auth/login', { body: { username: user.username, password: TEST_PASSWORD } });
        expect(login.body.userId).toBe(user.userId);
        // The embedded store admits the generated admin and nobody else.
        const storeAnswer = await fetch(`${second.gateway.storeUrl}/_all_dbs`, { headers: { authorization: basicAuth(admin) } });
        expect(storeAnswer.status).toBe(200);
        const anonymous = await fetch(`${second.gateway.storeUrl}/_all_dbs`);
        expect(anonymous.status).toBe(401);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
