import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { synthesizeSession } from '@m2m/analysis-core';
import { startEmbeddedStore } from '@m2m/embedded-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, isRunning, processesWithEnv } from './support/processes.js';
import { parseBanner, REPO_ROOT, runSupervisor, startSystem, stopSupervisor, testEnv, type RunningSystem } from './support/supervisorProcess.js';

/** Parsed JSON answers are read freely in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const PASSWORD = 'a long enough password';
const START_TIMEOUT_MS = 120_000;

async function call(method: string, url: string, body?: unknown, token?: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const basic = (admin: { username: string; password: string }): string =>
  `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;

/** Every process of one `npm start` carries its DATA_DIR. */
const processesOf = (dataDir: string): number[] => processesWithEnv('DATA_DIR', dataDir);

const allPids = (system: RunningSystem): number[] => [system.pid, ...Object.values(system.children)];

describe('npm start (the supervisor)', () => {
  let root: string;
  const started: RunningSystem[] = [];
  const start = async (env: Record<string, string>): Promise<RunningSystem> => {
    const system = await startSystem(env);
    started.push(system);
    return system;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'm2m-supervisor-'));
  });

  afterAll(async () => {
    // Whatever a failed test left behind: the supervisors first, then any process of their data folders.
    for (const system of started) system.child.kill('SIGKILL');
    for (const pid of processesWithEnv('M2M_TEST_ROOT', root)) process.kill(pid, 'SIGKILL');
    await rm(root, { recursive: true, force: true });
  });

  describe('a full start on one data folder', () => {
    let dataDir: string;
    let system: RunningSystem;
    const user = { username: 'supervised', password: PASSWORD };
    let sessionId: string;

    beforeAll(async () => {
      dataDir = join(root, 'persisted');
      system = await start(testEnv(dataDir, { M2M_TEST_ROOT: root }));
    }, START_TIMEOUT_MS);

    it('runs the store, the gateway and one worker as three processes, and prints where each answers', async () => {
      const { banner, children } = system;
      expect(new Set(Object.values(children)).size).toBe(3);
      expect(banner.dataDir).toBe(dataDir);

      expect((await call('GET', `${banner.gatewayUrl}/health`)).status).toBe(200);
      expect((await call('GET', `${banner.gatewayUrl}/ready`)).status).toBe(200);

      const storeUrl = banner.fauxtonUrl.replace(/\/_utils\/$/, '');
      const up = await fetch(`${storeUrl}/_up`, { headers: { authorization: basic(banner.admin) } });
      expect(up.status).toBe(200);
      expect(await up.json()).toMatchObject({ status: 'ok' });
      // The store is admin-only: without the printed credentials it refuses.
      expect((await fetch(`${storeUrl}/_up`)).status).toBe(401);
      const fauxton = await fetch(banner.fauxtonUrl, { headers: { authorization: basic(banner.admin) } });
      expect(fauxton.status).toBe(200);
      expect(await fauxton.text()).toMatch(/<html/i);

      const config = await call('GET', `${banner.demoUrl}/config.json`);
      expect(config).toEqual({ status: 200, body: { gatewayUrl: banner.gatewayUrl } });
      // The demo's files when built (by the demo workspace), else a page saying how to build them.
      const page = await fetch(banner.demoUrl);
      if (existsSync(join(REPO_ROOT, 'demo', 'dist', 'index.html'))) {
        expect(page.status).toBe(200);
        expect(await page.text()).toMatch(/<html/i);
        expect(system.stdout()).not.toMatch(/not built/);
      } else {
        expect(page.status).toBe(503);
        expect(await page.text()).toMatch(/not built yet/);
        expect(system.stdout()).toMatch(/demo:.*not built yet/);
      }
      expect((await fetch(`${banner.metricsUrl}/metrics`)).status).toBe(200);
    });

    it('lets the demo origin through the gateway CORS', async () => {
      const demoOrigin = new URL(system.banner.demoUrl).origin;
      const preflight = await fetch(`${system.banner.gatewayUrl}/auth/login`, {
        method: 'OPTIONS',
        headers: { origin: demoOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBe(demoOrigin);
    });

    it('wires the three together: a session uploaded through the gateway is analysed by the worker', async () => {
      const { gatewayUrl } = system.banner;
      const registered = await call('POST', `${gatewayUrl}/auth/register`, user);
      expect(registered.status).toBe(201);
      const session = synthesizeSession({ seed: 6001, durationS: 60 });
      sessionId = session.id;
      const uploaded = await call('POST', `${gatewayUrl}/api/sessions`, session, registered.body.accessToken);
      expect(uploaded.status).toBe(201);

      let progress: Json;
      await eventually(
        async () => {
          progress = (await call('GET', `${gatewayUrl}/api/progress`, undefined, registered.body.accessToken)).body;
          return progress?.progress !== null && progress?.analyses?.length === 1;
        },
        30_000,
        'the worker to analyse the session',
      );
      expect(progress.analyses[0]).toMatchObject({ id: `analysis:${session.id}`, sessionId: session.id, status: 'ok' });
      expect(progress.progress).toMatchObject({ type: 'progress' });
    });

    it('stops all three on SIGINT, worker first, exits 0 and leaves no process behind', async () => {
      const pids = allPids(system);
      const exit = await stopSupervisor(system, 'SIGINT');
      expect(exit).toEqual({ code: 0, signal: null });
      // Reverse order of start: the worker saves its checkpoints while the gateway and the store still run.
      expect(system.stdout()).toMatch(/sync worker stopped\n\s*gateway stopped\n\s*embedded store stopped\nM2M Sync stopped\./);
      await eventually(() => pids.every((pid) => !isRunning(pid)), 10_000, 'every process to be gone');
      expect(processesOf(dataDir)).toEqual([]);
    });

    it('keeps the data in DATA_DIR across a restart: the user signs in and finds the analysis', async () => {
      const again = await start(testEnv(dataDir, { M2M_TEST_ROOT: root }));
      expect(again.banner.admin).toEqual(system.banner.admin);
      const login = await call('POST', `${again.banner.gatewayUrl}/auth/login`, user);
      expect(login.status).toBe(200);
      const progress = await call('GET', `${again.banner.gatewayUrl}/api/progress`, undefined, login.body.accessToken);
      expect(progress.body.analyses.map((a: Json) => a.sessionId)).toEqual([sessionId]);

      // A crashed worker is not left alone: the supervisor stops the gateway and the store and fails.
      const pids = allPids(again);
      process.kill(again.children.worker, 'SIGKILL');
      const exit = await again.exited;
      expect(exit.code).toBe(1);
      expect(again.stderr()).toMatch(/the sync worker stopped unexpectedly \(killed by SIGKILL\); stopping the gateway and the embedded store/);
      await eventually(() => pids.every((pid) => !isRunning(pid)), 10_000, 'every process to be gone');
      expect(processesOf(dataDir)).toEqual([]);
    }, START_TIMEOUT_MS);
  });

  it('takes its children down when it is killed with SIGKILL', async () => {
    const dataDir = join(root, 'killed');
    const system = await start(testEnv(dataDir, { M2M_TEST_ROOT: root }));
    const children = Object.values(system.children);
    system.child.kill('SIGKILL');
    await system.exited;
    await eventually(() => children.every((pid) => !isRunning(pid)), 45_000, 'the orphaned children to exit');
    expect(processesOf(dataDir)).toEqual([]);
  }, START_TIMEOUT_MS);

  it('kills everything at once on a second Ctrl-C while stopping', async () => {
    const dataDir = join(root, 'impatient');
    const system = await start(testEnv(dataDir, { M2M_TEST_ROOT: root }));
    // A frozen worker cannot stop by itself, so the supervisor is surely still stopping at the second signal.
    process.kill(system.children.worker, 'SIGSTOP');
    system.child.kill('SIGINT');
    await eventually(() => system.stdout().includes('Stopping M2M Sync'), 10_000, 'the supervisor to start stopping');
    system.child.kill('SIGINT');
    expect((await system.exited).code).toBe(130);
    expect(system.stderr()).toMatch(/SIGINT while stopping: killing everything at once/);
    await eventually(() => processesOf(dataDir).length === 0, 10_000, 'every process to be gone');
  }, START_TIMEOUT_MS);

  it('stops the store when the gateway fails at start-up, naming the gateway', async () => {
    const dataDir = join(root, 'bad-secret');
    // A JWT key the gateway refuses (too short); the store starts fine before it.
    await mkdir(join(dataDir, 'secrets'), { recursive: true });
    await writeFile(join(dataDir, 'secrets', 'jwt-secret'), 'short');
    const run = runSupervisor(testEnv(dataDir, { M2M_TEST_ROOT: root }));
    const exit = await run.exited;
    expect(exit.code).toBe(1);
    expect(run.stderr()).toMatch(/\[gateway\].*jwt-secret is shorter than 32 bytes/);
    expect(run.stderr()).toMatch(/the gateway stopped during start-up \(exit code 1\); stopping the embedded store/);
    expect(run.stdout()).not.toMatch(/Stop it with Ctrl-C/);
    await eventually(() => processesOf(dataDir).length === 0, 10_000, 'the store to exit');
  }, START_TIMEOUT_MS);

  it('hands every URL of COUCHDB_URL to the gateway and the worker, so a dead first URL does not stop them', async () => {
    const dataDir = join(root, 'external-store');
    const admin = { username: 'cluster-admin', password: 'cluster-password' };
    const store = await startEmbeddedStore({ dataDir: join(root, 'external-store-data'), port: 0, host: '127.0.0.1', admin });
    // A port where nothing listens, first: only a process that has the second URL too gets anywhere.
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadPort = (dead.address() as { port: number }).port;
    await new Promise((resolve) => dead.close(resolve));
    const withAdmin = (url: string): string => url.replace('http://', `http://${admin.username}:${admin.password}@`);
    const run = runSupervisor(testEnv(dataDir, { M2M_TEST_ROOT: root, COUCHDB_URL: `${withAdmin(`http://127.0.0.1:${deadPort}`)},${withAdmin(store.url)}` }));
    let exited = false;
    void run.exited.then(() => (exited = true));
    try {
      await eventually(() => run.stdout().includes('Stop it with Ctrl-C') || exited, START_TIMEOUT_MS, 'the printed block');
      expect(exited, run.stderr()).toBe(false);
      const banner = parseBanner(run.stdout());
      const registered = await call('POST', `${banner.gatewayUrl}/auth/register`, { username: 'failover', password: PASSWORD });
      expect(registered.status).toBe(201);
      const dbs = (await (await fetch(`${store.url}/_all_dbs`, { headers: { authorization: basic(admin) } })).json()) as string[];
      expect(dbs).toContain(`m2m-u-${registered.body.userId}-sessions`);
      expect((await stopSupervisor(run)).code).toBe(0);
    } finally {
      if (!exited) run.child.kill('SIGKILL');
      await store.close();
    }
  }, START_TIMEOUT_MS);

  describe('refuses to start, naming the problem, and starts no process', () => {
    let busy: Server;
    let busyPort: number;

    beforeAll(async () => {
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      busyPort = (busy.address() as { port: number }).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => busy.close(resolve));
    });

    it.each(['STORE_PORT', 'PORT', 'DEMO_PORT', 'WORKER_METRICS_PORT'])('when the port of %s is in use', async (variable) => {
      const dataDir = join(root, `busy-${variable}`);
      const run = runSupervisor(testEnv(dataDir, { M2M_TEST_ROOT: root, [variable]: String(busyPort) }));
      const exit = await run.exited;
      expect(exit.code).toBe(1);
      expect(run.stderr()).toContain(`port ${busyPort} is in use: set ${variable} to a free port`);
      expect(processesOf(dataDir)).toEqual([]);
    });

    it('when DATA_DIR cannot be written', async () => {
      const file = join(root, 'a-file');
      await writeFile(file, 'not a folder');
      const dataDir = join(file, 'data');
      const run = runSupervisor(testEnv(dataDir, { M2M_TEST_ROOT: root }));
      const exit = await run.exited;
      expect(exit.code).toBe(1);
      expect(run.stderr()).toContain(`the data folder ${dataDir} is not writable (ENOTDIR): set DATA_DIR to a folder you can write to`);
      expect(processesOf(dataDir)).toEqual([]);
    });

    it('when a setting is invalid', async () => {
      const dataDir = join(root, 'bad-setting');
      const run = runSupervisor(testEnv(dataDir, { M2M_TEST_ROOT: root, WORKER_SHARD: 'half' }));
      expect((await run.exited).code).toBe(1);
      expect(run.stderr()).toMatch(/WORKER_SHARD must be i\/n/);
    });
  });
});
