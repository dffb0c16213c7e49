#!/usr/bin/env node
// @ts-check
// `npm start`: the embedded store, the gateway and one sync worker as child
// processes, and the web demo (see README.md, "Quick start").

/** @type {typeof import('./supervisor/supervisor.mjs')} */
let supervisor;
try {
  supervisor = await import('./supervisor/supervisor.mjs');
} catch (err) {
  // The supervisor loads the packages' configuration modules: missing ones mean nothing is built yet.
  if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  console.error('M2M Sync: the packages are not built yet. Run `npm install` (or `npm run build`) first.');
  process.exit(1);
}
process.exit(await supervisor.runSupervisor(process.env));
