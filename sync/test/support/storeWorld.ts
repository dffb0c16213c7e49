import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeSession, summarizeProgress, synthesizeSession, userDatabases, type SynthOptions } from '@m2m/analysis-core';
import { startEmbeddedStore, type EmbeddedStore } from '@m2m/embedded-store';
import { expect } from 'vitest';
import { loadWorkerConfig, type WorkerConfig } from '../../src/config.js';
import { conformAnalysis } from '../../src/pool/conformAnalysis.js';
import { deviceForm, storedAnalysisBody, storedProgressBody, type StoredDoc } from '../../src/writer/documentForms.js';

export const ADMIN = { username: 'admin', password: 'sync-test-password' };
export const PREFIX = 'm2m-';

/** Parsed JSON answers are read freely in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface TestStore {
  readonly store: EmbeddedStore;
  /** Base URL without credentials. */
  readonly url: string;
  /** URL with the admin credentials (COUCHDB_URL). */
  readonly adminUrl: string;
  readonly port: number;
  dataDir: string;
  json(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  /** Closes the store (an outage); `start` brings it back on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  teardown(): Promise<void>;
}

const authorization = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`;

/**
 * The embedded store over real HTTP on a free port, in a fresh temporary folder.
 * `_db_updates` is batched as on CouchDB (max_write_delay 500 ms) unless told otherwise.
 */
export async function startTestStore(options: { globalChangesMaxWriteDelayMs?: number } = {}): Promise<TestStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'm2m-sync-store-'));
  const delay = options.globalChangesMaxWriteDelayMs === undefined ? {} : { globalChangesMaxWriteDelayMs: options.globalChangesMaxWriteDelayMs };
  let store: EmbeddedStore | undefined = await startEmbeddedStore({ dataDir, port: 0, admin: ADMIN, ...delay });
  const port = store.port;
  const current = (): EmbeddedStore => {
    if (!store) throw new Error('the test store is stopped');
    return store;
  };
  const base = store.url;
  const fixture: TestStore = {
    get store() {
      return current();
    },
    url: base,
    adminUrl: withCredentials(base),
    port,
    dataDir,
    async json(method, path, body) {
      const init: RequestInit = { method, headers: { authorization, accept: 'application/json', 'content-type': 'application/json' } };
      if (body !== undefined) init.body = JSON.stringify(body);
      const res = await fetch(base + path, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async stop() {
      await store?.close();
      store = undefined;
    },
    async start() {
      store ??= await startEmbeddedStore({ dataDir, port, admin: ADMIN, ...delay });
    },
    async teardown() {
      await store?.close();
      store = undefined;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return fixture;
}

export function withCredentials(base: string): string {
  const url = new URL(base);
  url.username = ADMIN.username;
  url.password = ADMIN.password;
  return url.toString().replace(/\/$/, '');
}

export function testConfig(store: TestStore, env: Record<string, string> = {}): WorkerConfig {
  return loadWorkerConfig({ COUCHDB_URL: store.adminUrl, WORKER_POOL_SIZE: '2', LOG_LEVEL: 'silent', STORE_TIMEOUT_MS: '5000', ...env });
}

/** A deterministic user id (26 of [a-z2-7]) from a number. */
export function userIdFor(n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let state = (n * 2654435761 + 12345) >>> 0;
  let id = '';
  for (let i = 0; i < 26; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    id += alphabet[state >>> 27];
  }
  return id;
}

/** Creates a user's two databases as the gateway does. */
export async function createUser(store: TestStore, userId: string): Promise<{ sessions: string; progress: string }> {
  const names = userDatabases(PREFIX, userId);
  for (const name of Object.values(names)) {
    const res = await store.json('PUT', `/${name}`);
    if (res.status !== 201 && res.status !== 412) throw new Error(`creating ${name}: ${res.status}`);
  }
  return names;
}

/** A synthetic session in CouchDB form (`_id`, no `id`). */
export function sessionDoc(options: SynthOptions): Record<string, unknown> & { _id: string } {
  const { id, ...rest } = synthesizeSession({ durationS: 8, ...options });
  return { _id: id, ...rest };
}

/** Writes documents into a database; returns their revisions by id. */
export async function putDocs(store: TestStore, db: string, docs: Array<Record<string, unknown>>): Promise<Map<string, string>> {
  const res = await store.json('POST', `/${db}/_bulk_docs`, { docs });
  if (res.status !== 201) throw new Error(`_bulk_docs ${db}: ${res.status} ${JSON.stringify(res.body)}`);
  const revs = new Map<string, string>();
  for (const row of res.body as Json[]) {
    if (row.error) throw new Error(`_bulk_docs ${db}: ${row.id} ${row.error}`);
    revs.set(row.id, row.rev);
  }
  return revs;
}

export async function getDoc(store: TestStore, db: string, id: string): Promise<Json | undefined> {
  const res = await store.json('GET', `/${db}/${encodeURIComponent(id)}`);
  return res.status === 200 ? res.body : undefined;
}

export async function allDocs(store: TestStore, db: string, range?: string): Promise<StoredDoc[]> {
  const qs = range ? `&startkey=${encodeURIComponent(JSON.stringify(range))}&endkey=${encodeURIComponent(JSON.stringify(`${range}\ufff0`))}` : '';
  const res = await store.json('GET', `/${db}/_all_docs?include_docs=true${qs}`);
  if (res.status !== 200) throw new Error(`_all_docs ${db}: ${res.status}`);
  return (res.body.rows as Json[]).map((r) => r.doc).filter((d: StoredDoc) => !d._id.startsWith('_design/'));
}

/** A stored document without its `_rev`, to compare content. */
export function withoutRev(doc: Json): Json {
  const copy = { ...doc };
  delete copy._rev;
  return copy;
}

/** Polls until `check` passes or the time is up (then its last failure is thrown). */
export async function eventually(check: () => Promise<void>, timeoutMs = 20_000, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/**
 * The contract for one user: every stored session has exactly its current
 * analysis (analyzeSession of the stored document, within analysisSchema's limits, at revision 1 unless the
 * analysis had to change), nothing else is analysed, and progress is
 * summarizeProgress of all the analyses.
 */
export async function expectUserUpToDate(store: TestStore, userId: string, options: { firstRevisionOnly?: boolean } = {}): Promise<void> {
  const names = userDatabases(PREFIX, userId);
  // Ids over 200 characters cannot name an analysis (analysisSchema): the worker skips them.
  const sessions = (await allDocs(store, names.sessions)).filter((s) => s._id.length <= 200);
  const analyses = await allDocs(store, names.progress, 'analysis:');
  const byId = new Map(analyses.map((a) => [a._id, a]));
  for (const session of sessions) {
    const stored = byId.get(`analysis:${session._id}`);
    expect(stored, `analysis of ${session._id}`).toBeDefined();
    const { _rev, ...body } = stored as StoredDoc;
    expect(body).toEqual(storedAnalysisBody(conformAnalysis(analyzeSession(session))));
    if (options.firstRevisionOnly) expect(_rev, `revision of analysis:${session._id}`).toMatch(/^1-/);
  }
  expect(analyses.map((a) => a._id).sort()).toEqual(sessions.map((s) => `analysis:${s._id}`).sort());
  const progress = await getDoc(store, names.progress, 'progress');
  expect(progress, `progress of ${userId}`).toBeDefined();
  expect(withoutRev(progress)).toEqual(storedProgressBody(summarizeProgress(analyses.map(deviceForm))));
}
