import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { loadConfig, type GatewayConfig } from '../../src/config.js';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../src/gateway.js';

/** Parsed JSON answers are read freely in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const TEST_STORE_ADMIN = { username: 'admin', password: 'gateway-test-admin' };
export const TEST_JWT_SECRET = 'test-secret-0123456789-abcdefghijklmnop';
export const TEST_PASSWORD = 'a long enough password';
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789-abcdefghij';
/** For GET /metrics: the harness configures TEST_METRICS_TOKEN. */
export const METRICS_AUTH = { authorization: `Bearer ${TEST_METRICS_TOKEN}` };

/** A clock tests move by hand (starts at the real time). */
export interface TestClock {
  (): number;
  advance(ms: number): void;
}

export function testClock(): TestClock {
  let now = Date.now();
  const clock = (() => now) as TestClock;
  clock.advance = (ms) => {
    now += ms;
  };
  return clock;
}

/** Everything the gateway logged, as text and parsed lines. */
export interface CapturedLog {
  logger: Logger;
  text(): string;
  lines(): Json[];
}

export function captureLog(): CapturedLog {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const text = (): string => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as Json),
  };
}

export interface Answer {
  status: number;
  body: Json;
  text: string;
  headers: Headers;
}

export interface CallOptions {
  /** JSON-encoded unless a string (sent as is). */
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

export interface TestGateway {
  gateway: RunningGateway;
  url: string;
  config: GatewayConfig;
  dataDir: string;
  clock: TestClock;
  /** An HTTP call to the gateway. */
  call(method: string, path: string, options?: CallOptions): Promise<Answer>;
  /** An HTTP call straight to the store, as its admin. */
  store(method: string, path: string, body?: unknown): Promise<Answer>;
  /** Registers a fresh user; returns the register answer's body plus the username. */
  register(username?: string, password?: string): Promise<Json>;
  close(): Promise<void>;
}

let userCounter = 0;
export function uniqueUsername(stem = 'user'): string {
  userCounter += 1;
  return `${stem}-${process.pid}-${userCounter}`;
}

async function toAnswer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: Json;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, body, text, headers: res.headers };
}

export function basicAuth(auth: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/**
 * Starts a gateway over a fresh temporary data folder with its embedded store,
 * both on free ports. `env` adds to (or overrides) the test defaults; a key
 * set to undefined removes a default.
 */
export async function startTestGateway(
  env: Record<string, string | undefined> = {},
  options: Omit<GatewayOptions, 'clock'> & { dataDir?: string } = {},
): Promise<TestGateway> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'm2m-gateway-')));
  const config = loadConfig({
    PORT: '0',
    STORE_PORT: '0',
    DATA_DIR: dataDir,
    DB_PREFIX: 'gwt-',
    STORE_ADMIN: `${TEST_STORE_ADMIN.username}:${TEST_STORE_ADMIN.password}`,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    AUTH_RATE_LIMIT_PER_CLIENT: '100000',
    AUTH_RATE_LIMIT_PER_USERNAME: '100000',
    LOGIN_GUESSES_PER_HOUR: '100000',
    NODE_ENV: 'test',
    METRICS_TOKEN: TEST_METRICS_TOKEN,
    // The pre-2^17 cost keeps the suite's many registrations cheap (allowed with NODE_ENV=test only);
    // tests of the hashing itself set their own.
    ...((env['NODE_ENV'] ?? 'test') === 'test' ? { SCRYPT_LOG2_N: '15' } : {}),
    ...env,
  });
  const clock = testClock();
  const gatewayOptions: GatewayOptions = { clock };
  if (options.logger) gatewayOptions.logger = options.logger;
  if (options.routers) gatewayOptions.routers = options.routers;
  const gateway = await startGateway(config, gatewayOptions);
  const adminHeader = basicAuth(config.storeAdmin ?? TEST_STORE_ADMIN);

  const call: TestGateway['call'] = async (method, path, callOptions = {}) => {
    const headers: Record<string, string> = { ...callOptions.headers };
    let body: string | undefined;
    if (callOptions.body !== undefined) {
      body = typeof callOptions.body === 'string' ? callOptions.body : JSON.stringify(callOptions.body);
      headers['content-type'] ??= 'application/json';
    }
    if (callOptions.token !== undefined) headers['authorization'] = `Bearer ${callOptions.token}`;
    return toAnswer(await fetch(gateway.url + path, { method, headers, ...(body === undefined ? {} : { body }) }));
  };

  return {
    gateway,
    url: gateway.url,
    config,
    dataDir,
    clock,
    call,
    async store(method, path, body) {
      const headers: Record<string, string> = { authorization: adminHeader, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const init: RequestInit = { method, headers };
      if (body !== undefined) init.body = JSON.stringify(body);
      return toAnswer(await fetch(gateway.storeUrl + path, init));
    },
    async register(username = uniqueUsername(), password = TEST_PASSWORD) {
      const answer = await call('POST', '/auth/register', { body: { username, password } });
      if (answer.status !== 201) throw new Error(`register ${username}: ${answer.status} ${answer.text}`);
      return { ...answer.body, username };
    },
    async close() {
      await gateway.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
