// `npm start`: the gateway, with the embedded store in-process when COUCHDB_URL is unset.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../server/dist/main.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('M2M Sync: the server is not built yet. Run `npm install` (or `npm run build`) first.');
  process.exit(1);
}

const { main } = await import(pathToFileURL(entry).href);
try {
  const gateway = await main(process.env);
  const lines = [
    'M2M Sync is running.',
    `  gateway:  ${gateway.url}  (health ${gateway.url}/health, ready ${gateway.url}/ready, metrics ${gateway.url}/metrics)`,
    gateway.embeddedStore
      ? `  store:    ${gateway.storeUrl}  (embedded, loopback only; Fauxton at ${gateway.storeUrl}/_utils/, admin in DATA_DIR/secrets/store-admin.json)`
      : `  store:    ${gateway.storeUrl}  (COUCHDB_URL)`,
    'Stop with Ctrl-C.',
  ];
  console.log(lines.join('\n'));
} catch (err) {
  console.error(`M2M Sync could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
