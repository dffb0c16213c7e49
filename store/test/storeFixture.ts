import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedStore, type EmbeddedStore } from '../src/embeddedStore.js';

export const TEST_ADMIN = { username: 'admin', password: 'test-admin-password' };

export function basicAuth(auth: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** A random id of the shape the gateway gives its users (26 base32 letters and digits), for database names like production's. */
export function randomUserId(): string {
  return Array.from(randomBytes(26), (byte) => 'abcdefghijklmnopqrstuvwxyz234567'.charAt(byte & 31)).join('');
}

/** Parsed JSON answers are read freely in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface TestStore {
  store: EmbeddedStore;
  url: string;
  dataDir: string;
  /** fetch relative to the store, as the admin. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** JSON request as the admin: returns status and parsed body. */
  json(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json; headers: Headers }>;
  restart(): Promise<void>;
  teardown(): Promise<void>;
}

/** Starts a store on a free port over a fresh temporary folder. */
export async function startTestStore(
  options: { maxOpenDatabases?: number; dataDir?: string; globalChangesMaxWriteDelayMs?: number } = {},
): Promise<TestStore> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'm2m-store-')));
  const start = (): Promise<EmbeddedStore> =>
    startEmbeddedStore({
      dataDir,
      port: 0,
      admin: TEST_ADMIN,
      ...(options.maxOpenDatabases === undefined ? {} : { maxOpenDatabases: options.maxOpenDatabases }),
      ...(options.globalChangesMaxWriteDelayMs === undefined ? {} : { globalChangesMaxWriteDelayMs: options.globalChangesMaxWriteDelayMs }),
    });
  let store = await start();
  const fixture: TestStore = {
    get store() {
      return store;
    },
    get url() {
      return store.url;
    },
    dataDir,
    fetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', basicAuth(TEST_ADMIN));
      return fetch(store.url + path, { ...init, headers });
    },
    async json(method, path, body) {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers = { 'content-type': 'application/json' };
      }
      const res = await fixture.fetch(path, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async restart() {
      await store.close();
      store = await start();
    },
    async teardown() {
      await store.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return fixture;
}
