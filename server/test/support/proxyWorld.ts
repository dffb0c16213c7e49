import { userDatabases } from '../../src/accounts/userDatabases.js';
import { startTestStore, TEST_ADMIN, type TestStore } from '../../../store/test/storeFixture.js';
import { startTestGateway, type Json, type TestGateway } from './gatewayHarness.js';
import { storeUrlWithCredentials } from '@m2m/couch';

export type { Json };

export interface ProxyUser {
  userId: string;
  token: string;
  dbs: { sessions: string; progress: string };
  /** fetch relative to the gateway with this user's bearer token. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** JSON request with this user's token (a string body is sent as is): status and parsed body. */
  json(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json; headers: Headers }>;
}

export interface ProxyWorld {
  gateway: TestGateway;
  gatewayUrl: string;
  /** The store behind the gateway, reached directly as its admin (and its counters). */
  store: TestStore;
  /** Registers a user through POST /auth/register. */
  newUser(): Promise<ProxyUser>;
  close(): Promise<void>;
}

/** Small limits keep the oversized-document tests fast: a one-minute session is about 50 kB. */
export const TEST_LIMITS = { maxDocBytes: 200_000, bodyLimitBytes: 1_000_000 };

/**
 * The assembled gateway (real accounts, JWTs, app and middleware) in front
 * of an embedded store this harness starts itself and hands to the gateway
 * as its COUCHDB_URL, so tests can read the store's feed counters and stop it.
 */
export async function startProxyWorld(env: Record<string, string> = {}): Promise<ProxyWorld> {
  const store = await startTestStore();
  let gateway: TestGateway;
  try {
    gateway = await startTestGateway(
      {
        COUCHDB_URL: storeUrlWithCredentials(store.url, TEST_ADMIN),
        MAX_DOC_BYTES: String(TEST_LIMITS.maxDocBytes),
        BODY_LIMIT_BYTES: String(TEST_LIMITS.bodyLimitBytes),
        // Connections a test client opened but never used would otherwise hold the shutdown for seconds.
        SHUTDOWN_GRACE_MS: '300',
        ...env,
      },
    );
  } catch (err) {
    await store.teardown();
    throw err;
  }
  return {
    gateway,
    gatewayUrl: gateway.url,
    store,
    async newUser() {
      const registered = (await gateway.register()) as { userId: string; accessToken: string };
      return userClient(gateway.url, registered.userId, registered.accessToken, userDatabases(gateway.config.dbPrefix, registered.userId));
    },
    async close() {
      await gateway.close();
      await store.teardown();
    },
  };
}

export function userClient(gatewayUrl: string, userId: string, token: string, dbs: ProxyUser['dbs']): ProxyUser {
  const user: ProxyUser = {
    userId,
    token,
    dbs,
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      return fetch(gatewayUrl + path, { ...init, headers });
    },
    async json(method, path, body) {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        init.headers = { 'content-type': 'application/json' };
      }
      const res = await user.fetch(path, init);
      const text = await res.text();
      let parsed: Json = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Non-JSON answers stay text for the assertion to show.
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
  return user;
}
