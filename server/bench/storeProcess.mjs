// @ts-check
// The embedded store in a process of its own, as `npm start` runs it, for benches
// that measure the gateway's CPU apart from the store's. Sends `{ url }` once
// listening; answers `'cpu'` with `{ cpuMs }` (this process's CPU time so far);
// closes the store on `'stop'`. Argument: the data directory.
import { startEmbeddedStore } from '@m2m/embedded-store';

const dataDir = process.argv[2];
if (!dataDir || !process.send) throw new Error('run me with fork(storeProcess.mjs, [dataDir])');
const send = process.send.bind(process);
const store = await startEmbeddedStore({ dataDir, port: 0, admin: { username: 'admin', password: 'bench-admin-password' } });
send({ url: store.url });
process.on('message', (message) => {
  if (message === 'cpu') {
    const used = process.cpuUsage();
    send({ cpuMs: (used.user + used.system) / 1000 });
  } else if (message === 'stop') {
    void store.close().then(() => process.exit(0));
  }
});
