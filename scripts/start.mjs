// The gateway, the embedded store and the worker arrive with the server and sync packages.
console.log('M2M Sync: nothing to start yet. The analysis core is built; the server comes next (see README).');
