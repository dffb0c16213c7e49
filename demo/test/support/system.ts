import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedStore, type EmbeddedStore } from '@m2m/embedded-store';
import { loadConfig, startGateway, storeUrlWithCredentials, type RunningGateway } from '@m2m/server';
import { loadWorkerConfig, silentLogger, startWorker, type RunningWorker } from '@m2m/sync';

const ADMIN = { username: 'admin', password: 'demo-test-password' };

/** The server side the demo talks to, in this process over real HTTP on loopback. */
export interface DemoSystem {
  gatewayUrl: string;
  /** The sync worker can be held back, so a test sees provisional results before the server's. */
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  /** A clinician invitation code, made with `m2m-gateway invite-clinician` as the operator would. */
  inviteClinician(): Promise<string>;
  close(): Promise<void>;
}

/** The gateway's command line. */
const GATEWAY_BIN = fileURLToPath(new URL('./main.js', import.meta.resolve('@m2m/server')));

/** Embedded store, gateway (admitting `corsOrigin`) and, unless told otherwise, the sync worker. */
export async function startDemoSystem(options: { corsOrigin: string; worker: boolean }): Promise<DemoSystem> {
  const dataDir = await mkdtemp(join(tmpdir(), 'm2m-demo-'));
  let store: EmbeddedStore | undefined;
  let gateway: RunningGateway | undefined;
  let worker: RunningWorker | undefined;
  const stopWorker = async () => {
    await worker?.stop();
    worker = undefined;
  };
  const close = async () => {
    await stopWorker();
    await gateway?.close();
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    store = await startEmbeddedStore({ dataDir: join(dataDir, 'store'), port: 0, admin: ADMIN });
    const couchdbUrl = storeUrlWithCredentials(store.url, ADMIN);
    const env: Record<string, string> = {
      HOST: '127.0.0.1',
      PORT: '0',
      COUCHDB_URL: couchdbUrl,
      DATA_DIR: join(dataDir, 'gateway'),
      JWT_SECRET: 'demo-test-secret-that-is-long-enough-for-hs256-0123456789',
      CORS_ORIGINS: options.corsOrigin,
      LOG_LEVEL: 'silent',
      SHUTDOWN_GRACE_MS: '200',
      // The pre-2^17 password cost keeps registrations cheap; the gateway's own tests cover the hash.
      NODE_ENV: 'test',
      SCRYPT_LOG2_N: '15',
    };
    gateway = await startGateway(loadConfig(env));
    const system: DemoSystem = {
      gatewayUrl: gateway.url.replace(/\/+$/, ''),
      async startWorker() {
        worker ??= await startWorker(loadWorkerConfig({ COUCHDB_URL: couchdbUrl, WORKER_POOL_SIZE: '1', LOG_LEVEL: 'silent' }), {
          logger: silentLogger,
          feedTimeoutMs: 2_000,
        });
      },
      stopWorker,
      async inviteClinician() {
        const { stdout } = await promisify(execFile)(process.execPath, [GATEWAY_BIN, 'invite-clinician', '--days', '1'], { env: { ...env, PATH: process.env['PATH'] ?? '' } });
        const code = /^ {2}(\S+)$/m.exec(stdout)?.[1];
        if (!code) throw new Error(`invite-clinician printed no code: ${stdout}`);
        return code;
      },
      close,
    };
    if (options.worker) await system.startWorker();
    return system;
  } catch (err) {
    await close();
    throw err;
  }
}
