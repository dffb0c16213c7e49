// `npm start`: the gateway (with the embedded store in-process when COUCHDB_URL
// is unset) and one sync worker beside it, as a child process.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const serverEntry = fileURLToPath(new URL('../server/dist/index.js', import.meta.url));
const workerEntry = fileURLToPath(new URL('../sync/dist/cli/main.js', import.meta.url));
if (!existsSync(serverEntry) || !existsSync(workerEntry)) {
  console.error('M2M Sync: the packages are not built yet. Run `npm install` (or `npm run build`) first.');
  process.exit(1);
}

const { main, loadConfig, loadOrCreateStoreAdmin, storeUrlWithCredentials } = await import(pathToFileURL(serverEntry).href);
let gateway;
try {
  gateway = await main(process.env);
} catch (err) {
  console.error(`M2M Sync could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

// The worker reaches the store as its admin: the configured CouchDB, or the embedded store's generated admin.
const config = loadConfig(process.env);
const couchdbUrl = process.env.COUCHDB_URL || storeUrlWithCredentials(gateway.storeUrl, config.storeAdmin ?? (await loadOrCreateStoreAdmin(config.dataDir)));
// Its own process group: Ctrl-C reaches the gateway, which then stops the worker with one SIGTERM (graceful).
const worker = spawn(process.execPath, [workerEntry, 'run'], { env: { ...process.env, COUCHDB_URL: couchdbUrl }, stdio: 'inherit', detached: true });
let exiting = false;
process.on('exit', () => {
  exiting = true;
  worker.kill('SIGTERM');
});
worker.on('exit', (code, signal) => {
  if (exiting) return;
  // A gateway without its worker would accept sessions that are never analysed: stop both.
  console.error(`M2M Sync: the sync worker stopped (${signal ?? `exit code ${code}`}); stopping the gateway.`);
  process.kill(process.pid, 'SIGTERM');
});

console.log([
  'M2M Sync is running.',
  `  gateway:  ${gateway.url}  (health ${gateway.url}/health, ready ${gateway.url}/ready, metrics ${gateway.url}/metrics)`,
  gateway.embeddedStore
    ? `  store:    ${gateway.storeUrl}  (embedded, loopback only; Fauxton at ${gateway.storeUrl}/_utils/, admin in DATA_DIR/secrets/store-admin.json)`
    : `  store:    ${gateway.storeUrl}  (COUCHDB_URL)`,
  `  worker:   one sync worker (pid ${worker.pid}), analysing new sessions`,
  'Stop with Ctrl-C.',
].join('\n'));
