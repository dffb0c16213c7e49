import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PouchDB from 'pouchdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStore, TEST_ADMIN, type TestStore } from './storeFixture.js';

/**
 * PouchDB's replicate() uses _changes, _revs_diff, _bulk_get, _bulk_docs with
 * new_edits:false and _local checkpoints: the store's own routes must keep it
 * working in both directions.
 */
describe('PouchDB replication against the embedded store', () => {
  let s: TestStore;
  let localDir: string;
  let Local: PouchDB.Static;
  beforeAll(async () => {
    s = await startTestStore();
    localDir = await mkdtemp(join(tmpdir(), 'm2m-local-'));
    Local = PouchDB.defaults({ prefix: join(localDir, '/') }) as unknown as PouchDB.Static;
  });
  afterAll(async () => {
    await s.teardown();
    await rm(localDir, { recursive: true, force: true });
  });

  function remote(name: string): PouchDB.Database {
    return new PouchDB(`${s.url}/${name}`, { auth: TEST_ADMIN, skip_setup: true });
  }

  it('pushes, pulls, deletes and resolves conflicts both ways', async () => {
    expect((await s.json('PUT', '/repl')).status).toBe(201);
    const local = new Local('repl-local');
    const server = remote('repl');
    try {
      await local.bulkDocs(Array.from({ length: 120 }, (_, i) => ({ _id: `ses_${i}`, i })));
      const push = await local.replicate.to(server, { batch_size: 50 });
      expect(push.ok).toBe(true);
      expect(push.docs_written).toBe(120);
      expect((await s.json('GET', '/repl')).body.doc_count).toBe(120);

      // A change on each side of the same document makes a conflict.
      const onServer = await server.get<{ i: number }>('ses_0');
      await server.put({ ...onServer, side: 'server' });
      const onLocal = await local.get<{ i: number }>('ses_0');
      await local.put({ ...onLocal, side: 'local' });
      await s.json('PUT', '/repl/from-server', { born: 'server' });
      const gone = await server.get('ses_1');
      await server.remove(gone);

      const sync = await local.sync(server);
      expect(sync.pull?.ok).toBe(true);
      expect(sync.push?.ok).toBe(true);
      expect((await local.get<{ born: string }>('from-server')).born).toBe('server');
      await expect(local.get('ses_1')).rejects.toMatchObject({ status: 404 });

      const localView = await local.get('ses_0', { conflicts: true });
      const serverView = await s.json('GET', '/repl/ses_0?conflicts=true');
      expect(serverView.body._rev).toBe(localView._rev);
      expect(serverView.body._conflicts).toHaveLength(1);
      expect(localView._conflicts).toEqual(serverView.body._conflicts);
    } finally {
      await local.destroy();
      await server.close();
    }
  });

  it('live replication from the store picks up new writes', async () => {
    expect((await s.json('PUT', '/live')).status).toBe(201);
    const local = new Local('live-local');
    const server = remote('live');
    const replication = local.replicate.from(server, { live: true, retry: false });
    try {
      await s.json('PUT', '/live/first', { n: 1 });
      await waitForDoc(local, 'first');
      await s.json('PUT', '/live/second', { n: 2 });
      await waitForDoc(local, 'second');
    } finally {
      replication.cancel();
      await local.destroy();
      await server.close();
    }
  });
});

async function waitForDoc(db: PouchDB.Database, id: string): Promise<void> {
  const found = await db.get(id).catch(() => undefined);
  if (found) return;
  await new Promise<void>((resolve) => {
    const feed = db.changes({ since: 'now', live: true, doc_ids: [id] }).on('change', () => {
      feed.cancel();
      resolve();
    });
    // The document may have arrived between the get and the listener.
    void db.get(id).then(() => {
      feed.cancel();
      resolve();
    }, () => undefined);
  });
}
