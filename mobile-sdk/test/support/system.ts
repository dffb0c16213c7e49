import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedStore, type EmbeddedStore } from '@m2m/embedded-store';
import { loadConfig, startGateway, storeUrlWithCredentials, userDatabases, type RunningGateway } from '@m2m/server';
import { loadWorkerConfig, silentLogger, startWorker, type RunningWorker } from '@m2m/sync';

const ADMIN = { username: 'admin', password: 'sdk-test-password' };
const PREFIX = 'm2m-';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** The whole server side over real HTTP on loopback: embedded store, gateway, sync worker. */
export interface TestSystem {
  /** Stable across gateway restarts (same port). */
  gatewayUrl: string;
  /** The gateway's notion of now; tests move it to expire tokens. */
  clock: { offsetMs: number };
  startGateway(): Promise<void>;
  stopGateway(): Promise<void>;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  /** The store as its admin: method, path, body → status and JSON. */
  store(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
  databasesOf(userId: string): { sessions: string; progress: string };
  /** A clinician invitation code, as the operator's `invite-clinician` makes one. */
  inviteClinician(): Promise<string>;
  close(): Promise<void>;
}

export interface SystemOptions {
  gateway?: boolean;
  worker?: boolean;
  env?: Record<string, string>;
}

export async function startSystem(options: SystemOptions = {}): Promise<TestSystem> {
  const dataDir = await mkdtemp(join(tmpdir(), 'm2m-sdk-'));
  const store: EmbeddedStore = await startEmbeddedStore({ dataDir: join(dataDir, 'store'), port: 0, admin: ADMIN });
  const clock = { offsetMs: 0 };
  const env = {
    HOST: '127.0.0.1',
    PORT: '0',
    COUCHDB_URL: storeUrlWithCredentials(store.url, ADMIN),
    DATA_DIR: join(dataDir, 'gateway'),
    // Fixed, so that tokens stay valid across a gateway restart.
    JWT_SECRET: 'sdk-test-secret-that-is-long-enough-for-hs256-0123456789',
    LOG_LEVEL: 'silent',
    SHUTDOWN_GRACE_MS: '200',
    // The pre-2^17 password cost keeps the many registrations cheap; the gateway's own tests cover the hash.
    NODE_ENV: 'test',
    SCRYPT_LOG2_N: '15',
    ...options.env,
  };
  let gateway: RunningGateway | undefined;
  let worker: RunningWorker | undefined;
  let port = 0;
  const authorization = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`;

  const system: TestSystem = {
    get gatewayUrl() {
      if (port === 0) throw new Error('the gateway has not started yet');
      return `http://127.0.0.1:${port}`;
    },
    clock,
    async startGateway() {
      if (gateway) return;
      gateway = await startGateway(loadConfig({ ...env, PORT: String(port) }), { clock: () => Date.now() + clock.offsetMs });
      port = Number(new URL(gateway.url).port);
    },
    async stopGateway() {
      await gateway?.close();
      gateway = undefined;
    },
    async startWorker() {
      worker ??= await startWorker(
        loadWorkerConfig({ COUCHDB_URL: env.COUCHDB_URL, WORKER_POOL_SIZE: '1', LOG_LEVEL: 'silent', DB_PREFIX: PREFIX }),
        { logger: silentLogger, feedTimeoutMs: 2_000 },
      );
    },
    async stopWorker() {
      await worker?.stop();
      worker = undefined;
    },
    async store(method, path, body) {
      const init: RequestInit = { method, headers: { authorization, accept: 'application/json', 'content-type': 'application/json' } };
      if (body !== undefined) init.body = JSON.stringify(body);
      const res = await fetch(store.url + path, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    databasesOf: (userId) => userDatabases(PREFIX, userId),
    inviteClinician: () => inviteClinician(env),
    async close() {
      await system.stopWorker();
      await system.stopGateway();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    if (options.gateway !== false) await system.startGateway();
    if (options.worker !== false) await system.startWorker();
  } catch (err) {
    await system.close();
    throw err;
  }
  return system;
}

/** The gateway's command line, as the operator runs it. */
const GATEWAY_BIN = fileURLToPath(new URL('./main.js', import.meta.resolve('@m2m/server')));

/** `m2m-gateway invite-clinician` with the gateway's environment: the code it prints. */
export async function inviteClinician(env: Record<string, string>): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [GATEWAY_BIN, 'invite-clinician', '--days', '1'], { env: { ...env, PATH: process.env['PATH'] ?? '' } });
  const code = /^ {2}(\S+)$/m.exec(stdout)?.[1];
  if (!code) throw new Error(`invite-clinician printed no code: ${stdout}`);
  return code;
}
