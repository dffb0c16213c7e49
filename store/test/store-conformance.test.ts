import { describe } from 'vitest';
import { runStoreConformance } from './conformance/storeConformance.js';
import { startTestStore, TEST_ADMIN } from './storeFixture.js';

describe('store conformance: embedded store', () => {
  runStoreConformance(async () => {
    const s = await startTestStore();
    return { url: s.url, auth: TEST_ADMIN, teardown: () => s.teardown() };
  });
});

/**
 * The same suite against a real CouchDB, e.g.
 * COUCHDB_URL=http://admin:secret@127.0.0.1:5984 npx vitest run server/test/store-conformance.test.ts
 */
const couchdbUrl = process.env['COUCHDB_URL'];
describe.runIf(couchdbUrl)('store conformance: CouchDB at COUCHDB_URL', () => {
  runStoreConformance(async () => {
    const parsed = new URL(couchdbUrl ?? '');
    const auth = { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
    parsed.username = '';
    parsed.password = '';
    return { url: parsed.origin, auth, teardown: async () => {} };
  });
});
