// @ts-check
// The whole server side for fleet tests and benchmarks: the embedded store,
// the gateway and one sync worker, each in its own process (as `npm start`
// runs them) on fixed loopback ports, so that each can be killed, restarted
// and measured while simulated devices keep using it.
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./serverProcess.mjs', import.meta.url));
const ADMIN = { username: 'admin', password: 'fleet-test-password' };
export const PREFIX = 'm2m-';
const KEEP_OUTPUT = 1024 * 1024;

/** @typedef {'store' | 'gateway' | 'worker'} Role */

/**
 * @typedef {object} Probe
 * @property {number} rss Resident memory, bytes.
 * @property {number} heapUsed
 * @property {number} cpuMs CPU time used so far (user and system, every thread).
 * @property {Record<string, number>} handles Active handles and requests by type (TCPSocketWrap, Timeout, ...).
 * @property {{ openDatabases: number, feeds: { feeds: number, listeners: number, timers: number, liveListeners: number } } | null} store
 */

/**
 * @typedef {object} StackOptions
 * @property {Record<string, string>} [gatewayEnv] Extra gateway variables (override the defaults).
 * @property {Record<string, string>} [workerEnv] Extra worker variables.
 * @property {Record<string, string>} [storeEnv] Extra store variables (STORE_MAX_OPEN_DATABASES).
 * @property {boolean} [worker] Start the worker (default true).
 */

/**
 * @typedef {object} Stack
 * @property {string} gatewayUrl Stable across restarts.
 * @property {string} storeUrl Without credentials.
 * @property {(role: Role) => Promise<void>} start
 * @property {(role: Role) => Promise<number | string>} stop SIGTERM, then the exit code.
 * @property {(role: Role) => Promise<number | string>} kill SIGKILL, then the signal's name.
 * @property {(role: Role) => boolean} running
 * @property {(role: Role, options?: { gc?: boolean }) => Promise<Probe>} probe Memory after a full GC (unless `gc: false`: a collection pauses the server), active handles, the store's counters.
 * @property {(role: Role) => string} output The process's recent stdout and stderr.
 * @property {(method: string, path: string, body?: unknown) => Promise<{ status: number, body: any }>} storeJson The store as its admin.
 * @property {() => Promise<void>} close
 */

/** @returns {Promise<number>} A port free right now on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * @param {StackOptions} [options]
 * @returns {Promise<Stack>}
 */
export async function startStack(options = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'm2m-fleet-'));
  const [storePort, gatewayPort] = [await freePort(), await freePort()];
  const storeUrl = `http://127.0.0.1:${storePort}`;
  const adminUrl = `http://${ADMIN.username}:${ADMIN.password}@127.0.0.1:${storePort}`;
  /** @type {Record<Role, Record<string, string>>} */
  const envs = {
    store: { DATA_DIR: dataDir, STORE_PORT: String(storePort), STORE_ADMIN: `${ADMIN.username}:${ADMIN.password}`, ...options.storeEnv },
    gateway: {
      HOST: '127.0.0.1',
      PORT: String(gatewayPort),
      COUCHDB_URL: adminUrl,
      DATA_DIR: join(dataDir, 'gateway'),
      // Fixed, so that tokens stay valid across a gateway restart.
      JWT_SECRET: 'fleet-test-secret-that-is-long-enough-for-hs256-0123456789',
      LOG_LEVEL: 'silent',
      SHUTDOWN_GRACE_MS: '500',
      // Every simulated device registers from 127.0.0.1.
      AUTH_RATE_LIMIT_PER_CLIENT: '1000000',
      // The pre-2^17 password cost keeps a fleet's registrations cheap; the gateway's own tests cover the hash.
      NODE_ENV: 'test',
      SCRYPT_LOG2_N: '15',
      ...options.gatewayEnv,
    },
    worker: { COUCHDB_URL: adminUrl, DB_PREFIX: PREFIX, LOG_LEVEL: 'silent', FEED_TIMEOUT_MS: '5000', ...options.workerEnv },
  };
  /** @type {Map<Role, { child: import('node:child_process').ChildProcess, exited: Promise<number | string>, output: string }>} */
  const children = new Map();
  /** @type {Map<Role, string>} */
  const lastOutput = new Map();
  const authorization = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`;

  /** @param {Role} role */
  async function start(role) {
    if (children.has(role)) return;
    const child = fork(CHILD, [role], {
      env: { PATH: process.env['PATH'] ?? '', ...envs[role] },
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const entry = { child, output: '', exited: /** @type {Promise<number | string>} */ (new Promise(() => {})) };
    const keep = (/** @type {Buffer} */ chunk) => {
      entry.output = (entry.output + chunk.toString()).slice(-KEEP_OUTPUT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    entry.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        lastOutput.set(role, entry.output);
        if (children.get(role) === entry) children.delete(role);
        resolve(code ?? signal ?? 'unknown');
      }),
    );
    children.set(role, entry);
    await new Promise((resolve, reject) => {
      child.on('message', (/** @type {{ kind?: string }} */ message) => {
        if (message.kind === 'ready') resolve(undefined);
      });
      void entry.exited.then((code) => reject(new Error(`the ${role} exited (${code}) before it was ready:\n${entry.output}`)));
    });
  }

  /**
   * @param {Role} role
   * @param {NodeJS.Signals} signal
   */
  async function signal(role, signal) {
    const entry = children.get(role);
    if (!entry) return 'not running';
    entry.child.kill(signal);
    return entry.exited;
  }

  /** @type {Stack} */
  const stack = {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    storeUrl,
    start,
    stop: (role) => signal(role, 'SIGTERM'),
    kill: (role) => signal(role, 'SIGKILL'),
    running: (role) => children.has(role),
    async probe(role, options = {}) {
      const entry = children.get(role);
      if (!entry) throw new Error(`the ${role} is not running`);
      return new Promise((resolve) => {
        /** @param {{ kind?: string } & Probe} message */
        const listen = (message) => {
          if (message.kind !== 'probe') return;
          entry.child.off('message', listen);
          const { rss, heapUsed, cpuMs, handles, store } = message;
          resolve({ rss, heapUsed, cpuMs, handles, store });
        };
        entry.child.on('message', listen);
        entry.child.send({ kind: 'probe', gc: options.gc !== false });
      });
    },
    output: (role) => children.get(role)?.output ?? lastOutput.get(role) ?? '',
    async storeJson(method, path, body) {
      /** @type {RequestInit} */
      const init = { method, headers: { authorization, accept: 'application/json', 'content-type': 'application/json' } };
      if (body !== undefined) init.body = JSON.stringify(body);
      const res = await fetch(storeUrl + path, init);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await Promise.all([...children.keys()].map((role) => signal(role, 'SIGKILL')));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await start('store');
    await start('gateway');
    if (options.worker !== false) await start('worker');
  } catch (err) {
    await stack.close();
    throw err;
  }
  return stack;
}
