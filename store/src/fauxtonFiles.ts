import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type RequestHandler } from 'express';

// The Fauxton express-pouchdb ships (its dependency pouchdb-fauxton, whose "main" is www/index.html).
const fromExpressPouchDB = createRequire(createRequire(import.meta.url).resolve('express-pouchdb'));
const FAUXTON_DIR = dirname(fromExpressPouchDB.resolve('pouchdb-fauxton'));

/**
 * This Fauxton predates CouchDB 3, whose database info reports sizes only as
 * `sizes` (`data_size` and `disk_size` are gone): its database list read 0
 * bytes for every database. Its bundle is served reading `sizes.active`
 * first, as CouchDB 3's own Fauxton shows it.
 */
const OLD_SIZE_READ = 'e.data_size||e.disk_size||0';
const SIZE_READ = '(e.sizes&&e.sizes.active)||e.data_size||e.disk_size||0';
const BUNDLE = /^bundle-[0-9a-f]+\.js$/;

/** Patched bundles by file name, read once; null when a file has nothing to patch. */
const patched = new Map<string, Promise<string | null>>();

function patchedBundle(file: string): Promise<string | null> {
  let text = patched.get(file);
  if (!text) {
    text = readFile(join(FAUXTON_DIR, 'dashboard.assets', 'js', file), 'utf8').then(
      (source) => (source.includes(OLD_SIZE_READ) ? source.replace(OLD_SIZE_READ, SIZE_READ) : null),
      () => null,
    );
    patched.set(file, text);
  }
  return text;
}

/**
 * Fauxton's files at /_utils: public, as CouchDB serves them (they hold no
 * data; every request Fauxton makes for data passes the admin gate).
 */
export function fauxtonFiles(): RequestHandler {
  const router = express.Router();
  // CouchDB redirects /_utils to /_utils/.
  router.get('/_utils', (req, res, next) => (req.originalUrl.split('?')[0] === '/_utils' ? res.redirect(301, '/_utils/') : next()));
  router.get('/_utils/dashboard.assets/js/:file', async (req, res, next) => {
    const file = req.params.file;
    const text = BUNDLE.test(file) ? await patchedBundle(file) : null;
    if (text === null) return next();
    res.type('application/javascript').send(text);
  });
  router.use('/_utils', express.static(FAUXTON_DIR, { redirect: false }));
  return router;
}
