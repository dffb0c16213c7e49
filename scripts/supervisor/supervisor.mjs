// @ts-check
import { fileURLToPath } from 'node:url';
import { loadOrCreateStoreAdmin } from '@m2m/embedded-store';
import { formatBanner } from './banner.mjs';
import { ChildGroup, TITLES } from './childGroup.mjs';
import { describeExit } from './childProcess.mjs';
import { ensureWritableDataDir } from './dataDir.mjs';
import { startDemoServer } from './demoServer.mjs';
import { packageBin } from './packageBins.mjs';
import { reservePorts } from './ports.mjs';
import { answersOk, waitUntilReady } from './readiness.mjs';
import { DEMO_HOST, loadSettings } from './settings.mjs';
import { StartError, errorText } from './startError.mjs';

const DEMO_DIST = fileURLToPath(new URL('../../demo/dist/', import.meta.url));
/** The embedded store listens on loopback only (its own entry point insists on it too). */
const STORE_HOST = '127.0.0.1';
const STARTUP_TIMEOUT_MS = 60_000;
/** How long a child may take to stop after SIGTERM (the worker finishes its batch) before it is killed. */
const STOP_GRACE_MS = 30_000;

/**
 * Why the supervisor stops: a signal, or a child that exited on its own.
 * @typedef {{ kind: 'signal', signal: NodeJS.Signals } | { kind: 'crash', label: import('./childGroup.mjs').Label, exit: import('./childProcess.mjs').ChildExit }} HaltReason
 */

/**
 * Everything decided before the first child starts.
 * @typedef {object} Plan
 * @property {import('./settings.mjs').Settings} settings
 * @property {{ embedded: boolean, url: string, admin: { username: string, password: string } }} store
 * @property {{ store: string | undefined, gateway: string, worker: string }} bins
 * @property {{ gateway: number, demo: number, metrics: number, store: number | undefined }} ports
 * @property {string} gatewayUrl
 * @property {string} metricsUrl
 */

/**
 * `npm start`: the embedded store, the gateway and one sync worker as child
 * processes, started in that order, each once the one before is ready; the
 * demo served from this process. Runs until SIGINT/SIGTERM (then stops the
 * children in reverse order) or until a child stops on its own (then stops
 * the others). Resolves with the exit code.
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<number>}
 */
export async function runSupervisor(env) {
  const halt = new AbortController();
  const children = new ChildGroup((label, exit) => halt.abort(/** @type {HaltReason} */ ({ kind: 'crash', label, exit })));
  let stopping = false;

  /** @param {NodeJS.Signals} signal */
  const onSignal = (signal) => {
    // A signal while already stopping (after Ctrl-C, or a crash) means: now.
    if (stopping || halt.signal.aborted) {
      tell(`${signal} while stopping: killing everything at once`);
      children.signalAll('SIGKILL');
      process.exit(130);
    }
    halt.abort(/** @type {HaltReason} */ ({ kind: 'signal', signal }));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Should the supervisor itself fail, no child outlives it (they also watch their IPC pipe).
  process.on('exit', () => children.signalAll('SIGTERM'));

  /** @type {string | undefined} */
  let failure;
  /** @type {import('./demoServer.mjs').DemoServer | undefined} */
  let demo;
  let running = false;
  try {
    const plan = await planStart(env);
    if (halt.signal.aborted) throw new StartError('interrupted', 'interrupted before start-up');
    await startChildren(env, plan, children, halt.signal);
    demo = await startDemoServer({
      host: DEMO_HOST,
      port: plan.ports.demo,
      distDir: DEMO_DIST,
      config: { gatewayUrl: plan.gatewayUrl },
      variable: 'DEMO_PORT',
    });
    if (halt.signal.aborted) throw new StartError('interrupted', 'interrupted during start-up');
    running = true;
    process.stdout.write(
      `${formatBanner({
        gatewayUrl: plan.gatewayUrl,
        demoUrl: demo.url,
        demoBuilt: demo.built,
        storeUrl: plan.store.url,
        embeddedStore: plan.store.embedded,
        admin: plan.store.admin,
        dataDir: plan.settings.gateway.dataDir,
        workerMetricsUrl: plan.metricsUrl,
      })}\n`,
    );
    await new Promise((resolve) => {
      if (halt.signal.aborted) resolve(undefined);
      else halt.signal.addEventListener('abort', () => resolve(undefined), { once: true });
    });
  } catch (err) {
    if (!(err instanceof StartError)) failure = `unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
    else if (err.code !== 'interrupted') failure = err.message;
  }

  stopping = true;
  const reason = /** @type {HaltReason | undefined} */ (halt.signal.reason);
  if (reason?.kind === 'crash') {
    const others = children.runningTitles();
    failure =
      `the ${TITLES[reason.label]} stopped ${running ? 'unexpectedly' : 'during start-up'} (${describeExit(reason.exit)})` +
      (others.length > 0 ? `; stopping the ${others.join(' and the ')}` : '');
  }
  if (failure !== undefined) tell(failure);
  else if (children.size > 0) process.stdout.write('Stopping M2M Sync...\n');

  await demo?.close();
  const unclean = await children.stopInReverse(STOP_GRACE_MS, reason?.kind === 'crash' ? reason.label : undefined);
  if (unclean.length > 0) tell(`did not stop cleanly: ${unclean.join(', ')}`);
  else if (failure === undefined && children.size > 0) process.stdout.write('M2M Sync stopped.\n');
  return failure !== undefined || unclean.length > 0 ? 1 : 0;
}

/**
 * Store, gateway, worker: each starts once the one before answers. The
 * children get the environment as given, plus what wires them together.
 * @param {NodeJS.ProcessEnv} env
 * @param {Plan} plan
 * @param {ChildGroup} children
 * @param {AbortSignal} halt
 */
async function startChildren(env, plan, children, halt) {
  const { settings, store } = plan;
  /** @param {import('./childGroup.mjs').Label} label @param {() => Promise<boolean>} isReady */
  const ready = (label, isReady) => waitUntilReady({ label: TITLES[label], isReady, timeoutMs: STARTUP_TIMEOUT_MS, halt });
  // An external store keeps COUCHDB_URL whole: it may list several URLs of one cluster, for failover.
  const storeUrl = store.embedded ? withCredentials(store.url, store.admin) : /** @type {string} */ (settings.gateway.couchdbUrl);
  const common = { ...env, DATA_DIR: settings.gateway.dataDir, LOG_LEVEL: settings.childLogLevel };

  if (plan.bins.store !== undefined && plan.ports.store !== undefined) {
    children.launch('store', plan.bins.store, [], { ...common, STORE_PORT: String(plan.ports.store) });
    const authorization = `Basic ${Buffer.from(`${store.admin.username}:${store.admin.password}`).toString('base64')}`;
    await ready('store', () => answersOk(`${store.url}/_up`, { authorization }));
  }

  children.launch('gateway', plan.bins.gateway, [], {
    ...common,
    COUCHDB_URL: storeUrl,
    PORT: String(plan.ports.gateway),
    // The demo calls the gateway from the browser; origins the user configured stay as they are.
    ...(settings.gateway.corsOrigins.length === 0 ? { CORS_ORIGINS: demoOrigins(plan.ports.demo).join(',') } : {}),
  });
  await ready('gateway', () => answersOk(`${plan.gatewayUrl}/ready`));

  children.launch('worker', plan.bins.worker, ['run'], { ...common, COUCHDB_URL: storeUrl, WORKER_METRICS_PORT: String(plan.ports.metrics) });
  await ready('worker', () => answersOk(`${plan.metricsUrl}/health`));
}

/**
 * Reads the settings and checks everything that can be checked before a
 * child starts: built entry points, the data folder, the ports, the admin.
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<Plan>}
 */
async function planStart(env) {
  const settings = loadSettings(env);
  const { gateway, worker } = settings;
  const embedded = gateway.couchdbUrl === undefined;
  const bins = {
    store: embedded ? packageBin('@m2m/embedded-store', 'm2m-store') : undefined,
    gateway: packageBin('@m2m/server', 'm2m-gateway'),
    worker: packageBin('@m2m/sync', 'm2m-sync'),
  };
  await ensureWritableDataDir(gateway.dataDir);
  const [gatewayPort = 0, demoPort = 0, metricsPort = 0, storePort] = await reservePorts([
    { variable: 'PORT', host: gateway.host, port: gateway.port },
    { variable: 'DEMO_PORT', host: DEMO_HOST, port: settings.demoPort },
    // Unset, the worker's metrics get a free port: `npm start` needs them to know the worker is ready.
    { variable: 'WORKER_METRICS_PORT', host: worker.metricsHost, port: worker.metricsPort ?? 0 },
    ...(embedded ? [{ variable: 'STORE_PORT', host: STORE_HOST, port: gateway.storePort }] : []),
  ]);
  const store = embedded
    ? { embedded, url: `http://${STORE_HOST}:${storePort}`, admin: await storeAdmin(gateway) }
    : // COUCHDB_URL may list several URLs of one cluster: the banner shows the first.
      { embedded, ...splitCredentials((/** @type {string} */ (gateway.couchdbUrl)).split(',')[0]?.trim() ?? '') };
  return {
    settings,
    store,
    bins,
    ports: { gateway: gatewayPort, demo: demoPort, metrics: metricsPort, store: storePort },
    gatewayUrl: `http://${browsableHost(gateway.host)}:${gatewayPort}`,
    metricsUrl: `http://${browsableHost(worker.metricsHost)}:${metricsPort}`,
  };
}

/**
 * STORE_ADMIN, or the admin generated on the first start and kept in DATA_DIR/secrets (the store reads the same file).
 * @param {import('@m2m/server/config').GatewayConfig} gateway
 */
async function storeAdmin(gateway) {
  if (gateway.storeAdmin) return gateway.storeAdmin;
  try {
    return await loadOrCreateStoreAdmin(gateway.dataDir);
  } catch (err) {
    throw new StartError('data_dir', `the store's admin cannot be read or created under DATA_DIR: ${errorText(err)}`, { cause: err });
  }
}

/**
 * @param {string} urlWithCredentials
 * @returns {{ url: string, admin: { username: string, password: string } }}
 */
function splitCredentials(urlWithCredentials) {
  const parsed = new URL(urlWithCredentials);
  const admin = { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString().replace(/\/+$/, ''), admin };
}

/**
 * @param {string} url
 * @param {{ username: string, password: string }} admin
 */
function withCredentials(url, admin) {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(admin.username);
  parsed.password = encodeURIComponent(admin.password);
  return parsed.toString().replace(/\/+$/, '');
}

/**
 * The demo's origins, so that the gateway's CORS admits it.
 * @param {number} port
 */
function demoOrigins(port) {
  return [`http://${DEMO_HOST}:${port}`, `http://localhost:${port}`];
}

/**
 * A wildcard address is not one a browser can open.
 * @param {string} host
 */
function browsableHost(host) {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** @param {string} message */
function tell(message) {
  process.stderr.write(`M2M Sync: ${message}\n`);
}
