/**
 * The CouchDB behaviour M2M Sync relies on, as one suite that runs unchanged
 * against any store: the embedded one, or Apache CouchDB 3.5 (COUCHDB_URL).
 * Expected values come from CouchDB's documentation. Sequences are opaque:
 * they are only passed back, never compared as numbers.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CouchClient, StreamReader, type Credentials, type HttpAnswer } from './couchClient.js';

export interface StoreUnderTest {
  url: string;
  auth: Credentials;
  teardown(): Promise<void>;
}

const REV_A = 'a'.repeat(32);
const REV_B = 'b'.repeat(32);
const REV_C = 'c'.repeat(32);

function isSeq(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number';
}

function ids(rows: Array<{ id: string }>): string[] {
  return rows.map((row) => row.id);
}

export function runStoreConformance(setup: () => Promise<StoreUnderTest>): void {
  let store: StoreUnderTest;
  let couch: CouchClient;
  const prefix = `conf-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}-`;
  const created = new Set<string>();

  /** A fresh database name; `?q=1` keeps CouchDB's feed order total (one shard). */
  async function createDb(suffix: string): Promise<string> {
    const name = prefix + suffix;
    const res = await couch.put(`/${name}?q=1`);
    expect(res.status, `PUT /${name}: ${res.text}`).toBe(201);
    created.add(name);
    return name;
  }

  beforeAll(async () => {
    store = await setup();
    couch = new CouchClient(store.url, store.auth);
  });

  afterAll(async () => {
    for (const name of created) await couch.delete(`/${name}`).catch(() => undefined);
    await store.teardown();
  });

  describe('server', () => {
    it('GET / welcomes with version and vendor', async () => {
      const res = await couch.get('/');
      expect(res.status).toBe(200);
      expect(res.body.couchdb).toBe('Welcome');
      expect(typeof res.body.version).toBe('string');
      expect(typeof res.body.vendor?.name).toBe('string');
    });

    it('GET /_up answers {"status":"ok"}', async () => {
      const res = await couch.get('/_up');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok' });
    });

    it('answers application/json, also to a client that sends no Accept header', async () => {
      const db = await createDb('content-type');
      const paths = ['/', '/_up', '/_all_dbs', `/${db}`, `/${db}/_all_docs`, `/${db}/_changes`, `/${db}/missing-doc`, `/${prefix}no-such-db`];
      for (const path of paths) {
        const bare = await couch.rawGet(path);
        expect(bare.contentType, `GET ${path} without Accept`).toMatch(/^application\/json/);
        const res = await couch.fetch(path);
        await res.text();
        expect(res.headers.get('content-type'), `GET ${path}`).toMatch(/^application\/json/);
      }
      const write = await couch.put(`/${db}/doc`, {});
      expect(write.headers.get('content-type')).toMatch(/^application\/json/);
    });
  });

  describe('_session', () => {
    it('GET /_session names the admin', async () => {
      const res = await couch.get('/_session');
      expect(res.status).toBe(200);
      expect(res.body.ok).toBe(true);
      expect(res.body.userCtx.name).toBe(store.auth.username);
      expect(res.body.userCtx.roles).toContain('_admin');
    });

    it('POST /_session logs in with a cookie that authenticates later requests', async () => {
      const res = await couch.fetch(
        '/_session',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: store.auth.username, password: store.auth.password }),
        },
        false,
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ok: true, name: store.auth.username });
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      expect(cookie).toMatch(/^AuthSession=.+/);
      const session = await couch.get('/_session', { auth: false, headers: { cookie } });
      expect(session.status).toBe(200);
      expect(session.body.userCtx.name).toBe(store.auth.username);
    });

    it('POST /_session with a wrong password answers 401', async () => {
      const res = await couch.post(
        '/_session',
        { name: store.auth.username, password: `${store.auth.password}-wrong` },
        { auth: false },
      );
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('unauthorized');
    });
  });

  describe('databases', () => {
    it('reports sizes (file, active, external) in the database info, growing with what is stored', async () => {
      const name = prefix + 'sizes';
      expect((await couch.put(`/${name}`)).status).toBe(201);
      created.add(name);
      const sizesOf = async (): Promise<{ file: number; active: number; external: number }> => (await couch.get(`/${name}`)).body.sizes;
      const empty = await sizesOf();
      for (const key of ['file', 'active', 'external'] as const) expect(typeof empty[key]).toBe('number');
      // Random text: LevelDB compresses its files, CouchDB's `external` does not.
      const docs = Array.from({ length: 20 }, (_, i) => ({ _id: `d${i}`, text: randomBytes(15_000).toString('base64') }));
      expect((await couch.post(`/${name}/_bulk_docs`, { docs })).status).toBe(201);
      const full = await sizesOf();
      expect(full.external).toBeGreaterThan(empty.external + 100_000);
      expect(full.active).toBeGreaterThan(empty.active);
    });

    it('PUT creates (201), again is 412, GET informs, DELETE removes, again is 404', async () => {
      const name = prefix + 'lifecycle';
      const first = await couch.put(`/${name}`);
      expect(first.status).toBe(201);
      expect(first.body).toEqual({ ok: true });
      created.add(name);

      const again = await couch.put(`/${name}`);
      expect(again.status).toBe(412);
      expect(again.body.error).toBe('file_exists');

      const info = await couch.get(`/${name}`);
      expect(info.status).toBe(200);
      expect(info.body.db_name).toBe(name);
      expect(info.body.doc_count).toBe(0);
      expect(isSeq(info.body.update_seq)).toBe(true);
      expect((await couch.get('/_all_dbs')).body).toContain(name);

      expect((await couch.delete(`/${name}`)).status).toBe(200);
      const gone = await couch.delete(`/${name}`);
      expect(gone.status).toBe(404);
      expect(gone.body.error).toBe('not_found');
      expect((await couch.get(`/${name}`)).status).toBe(404);
      expect((await couch.get('/_all_dbs')).body).not.toContain(name);
    });

    it('concurrent PUTs of one name: exactly one 201, the others 412', async () => {
      const name = prefix + 'race';
      const answers = await Promise.all(Array.from({ length: 8 }, () => couch.put(`/${name}`)));
      created.add(name);
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses).toEqual([201, 412, 412, 412, 412, 412, 412, 412]);
    });

    it('PUT ?q=1&n=1 creates; a q or n that is not a positive integer is 400 bad_request and creates nothing', async () => {
      const name = prefix + 'shards';
      const one = await couch.put(`/${name}?q=1&n=1`);
      expect(one.status, one.text).toBe(201);
      created.add(name);
      const refused: Array<[string, string]> = [['q', '0'], ['q', 'two'], ['q', '-1'], ['n', '0'], ['q', '']];
      for (const [param, value] of refused) {
        const other = `${prefix}shards-${param}${value === '' ? 'empty' : value.replace('-', 'minus')}`;
        const res = await couch.put(`/${other}?${param}=${value}`);
        expect(res.status, `${param}=${value}`).toBe(400);
        expect(res.body).toMatchObject({ error: 'bad_request', reason: `The \`${param}\` value should be a positive integer.` });
        expect((await couch.get(`/${other}`)).status, `${param}=${value}`).toBe(404);
      }
      // CouchDB reads the parameters first: an existing name with a bad q is 400, not 412.
      expect((await couch.put(`/${name}?q=0`)).status).toBe(400);
      // and n before q (chttpd_db's parse_shards_opt): with both wrong, the reason names n.
      const both = await couch.put(`/${prefix}shards-both?q=0&n=0`);
      expect(both.body).toMatchObject({ error: 'bad_request', reason: 'The `n` value should be a positive integer.' });
    });

    it('refuses illegal names with 400 illegal_database_name', async () => {
      for (const bad of ['Upper', '_private', '1digit', 'sp ace']) {
        const res = await couch.put(`/${encodeURIComponent(bad)}`);
        expect(res.status, bad).toBe(400);
        expect(res.body.error, bad).toBe('illegal_database_name');
      }
    });
  });

  describe('documents', () => {
    let db: string;
    beforeAll(async () => {
      db = await createDb('docs');
    });

    it('creates, reads, conflicts (409), updates and deletes a document', async () => {
      const put = await couch.put(`/${db}/doc1`, { value: 1 });
      expect(put.status).toBe(201);
      expect(put.body).toMatchObject({ ok: true, id: 'doc1' });
      const rev1 = put.body.rev as string;

      const read = await couch.get(`/${db}/doc1`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ _id: 'doc1', _rev: rev1, value: 1 });

      const noRev = await couch.put(`/${db}/doc1`, { value: 2 });
      expect(noRev.status).toBe(409);
      expect(noRev.body.error).toBe('conflict');

      const update = await couch.put(`/${db}/doc1`, { _rev: rev1, value: 2 });
      expect(update.status).toBe(201);
      const stale = await couch.put(`/${db}/doc1`, { _rev: rev1, value: 3 });
      expect(stale.status).toBe(409);

      const del = await couch.delete(`/${db}/doc1?rev=${update.body.rev}`);
      expect(del.status).toBe(200);
      expect(del.body.ok).toBe(true);
      const deleted = await couch.get(`/${db}/doc1`);
      expect(deleted.status).toBe(404);
      expect(deleted.body).toMatchObject({ error: 'not_found', reason: 'deleted' });
      const missing = await couch.get(`/${db}/never-there`);
      expect(missing.status).toBe(404);
      expect(missing.body.error).toBe('not_found');
    });
  });

  describe('_purge', () => {
    it('removes a deleted document with every revision: no read by id or rev, no _all_docs row, no change', async () => {
      const db = await createDb('purge');
      const first = await couch.put(`/${db}/secret`, { salt: 'abc', hash: 'def' });
      const second = await couch.put(`/${db}/secret`, { _rev: first.body.rev, salt: 'ghi', hash: 'jkl' });
      const del = await couch.delete(`/${db}/secret?rev=${second.body.rev}`);
      await couch.put(`/${db}/kept`, { n: 1 });
      // Before the purge, CouchDB serves a previous revision of a deleted document.
      expect((await couch.get(`/${db}/secret?rev=${first.body.rev}`)).status).toBe(200);

      const purge = await couch.post(`/${db}/_purge`, { secret: [del.body.rev], 'never-there': ['1-abc'] });
      expect([201, 202]).toContain(purge.status);
      expect(purge.body.purged).toEqual({ secret: [del.body.rev], 'never-there': [] });

      for (const rev of [first.body.rev, second.body.rev, del.body.rev]) {
        expect((await couch.get(`/${db}/secret?rev=${rev}`)).status, rev).toBe(404);
      }
      expect((await couch.get(`/${db}/secret`)).status).toBe(404);
      const rows = (await couch.post(`/${db}/_all_docs`, { keys: ['secret', 'kept'] })).body.rows;
      expect(rows[0]).toMatchObject({ key: 'secret', error: 'not_found' });
      expect(rows[1]).toMatchObject({ id: 'kept' });
      const changes = await couch.get(`/${db}/_changes`);
      expect(ids(changes.body.results)).toEqual(['kept']);
      expect(changes.text).not.toContain('jkl');
      expect((await couch.get(`/${db}`)).body.doc_count).toBe(1);
    });
  });

  describe('replication endpoints', () => {
    let db: string;
    let revX: string;
    beforeAll(async () => {
      db = await createDb('replication');
      const res = await couch.post(`/${db}/_bulk_docs`, { docs: [{ _id: 'x', n: 1 }, { _id: 'y', n: 2 }] });
      revX = res.body[0].rev;
    });

    it('_bulk_docs stores new documents and reports conflicts per document', async () => {
      const res = await couch.post(`/${db}/_bulk_docs`, { docs: [{ _id: 'bd1' }, { _id: 'x', n: 9 }] });
      expect(res.status).toBe(201);
      expect(res.body[0]).toMatchObject({ ok: true, id: 'bd1' });
      expect(typeof res.body[0].rev).toBe('string');
      expect(res.body[1]).toMatchObject({ id: 'x', error: 'conflict' });
    });

    it('_bulk_docs with new_edits:false stores the given revisions, conflicts included', async () => {
      const first = await couch.post(`/${db}/_bulk_docs`, {
        new_edits: false,
        docs: [{ _id: 'ne', _rev: `2-${REV_B}`, _revisions: { start: 2, ids: [REV_B, REV_A] }, v: 'b' }],
      });
      expect(first.status).toBe(201);
      expect(Array.isArray(first.body)).toBe(true);
      expect(first.body.filter((row: { error?: string }) => row.error)).toEqual([]);

      const read = await couch.get(`/${db}/ne?revs=true`);
      expect(read.body._rev).toBe(`2-${REV_B}`);
      expect(read.body._revisions).toEqual({ start: 2, ids: [REV_B, REV_A] });

      await couch.post(`/${db}/_bulk_docs`, {
        new_edits: false,
        docs: [{ _id: 'ne', _rev: `2-${REV_C}`, _revisions: { start: 2, ids: [REV_C, REV_A] }, v: 'c' }],
      });
      const conflicted = await couch.get(`/${db}/ne?conflicts=true`);
      expect(conflicted.body._rev).toBe(`2-${REV_C}`); // the higher revision id wins
      expect(conflicted.body._conflicts).toEqual([`2-${REV_B}`]);
    });

    it('_revs_diff lists only the missing revisions', async () => {
      const res = await couch.post(`/${db}/_revs_diff`, {
        x: [revX, `9-${REV_A}`],
        y: [],
        unknown: [`1-${REV_A}`],
      });
      expect(res.status).toBe(200);
      expect(res.body.x.missing).toEqual([`9-${REV_A}`]);
      expect(res.body.unknown.missing).toEqual([`1-${REV_A}`]);
      expect(res.body.y).toBeUndefined();
    });

    it('_bulk_get answers in request order, missing documents and revisions as error rows', async () => {
      const res = await couch.post(`/${db}/_bulk_get?revs=true`, {
        docs: [{ id: 'x', rev: revX }, { id: 'nope' }, { id: 'x', rev: `7-${REV_A}` }, { id: 'y' }],
      });
      expect(res.status).toBe(200);
      const [x, nope, badRev, y] = res.body.results;
      expect(x.id).toBe('x');
      expect(x.docs[0].ok).toMatchObject({ _id: 'x', _rev: revX, n: 1 });
      expect(x.docs[0].ok._revisions.start).toBe(1);
      expect(nope).toEqual({
        id: 'nope',
        docs: [{ error: { id: 'nope', rev: 'undefined', error: 'not_found', reason: 'missing' } }],
      });
      expect(badRev.docs[0].error).toMatchObject({ id: 'x', rev: `7-${REV_A}`, error: 'not_found' });
      expect(y.docs[0].ok).toMatchObject({ _id: 'y', n: 2 });
    });

    it('_bulk_get without rev returns every leaf of a conflicted document', async () => {
      const res = await couch.post(`/${db}/_bulk_get`, { docs: [{ id: 'ne' }] });
      const revs = res.body.results[0].docs.map((d: { ok: { _rev: string } }) => d.ok._rev).sort();
      expect(revs).toEqual([`2-${REV_B}`, `2-${REV_C}`]);
    });

    it('_all_docs with keys by POST and by GET (JSON keys) keeps key order and marks missing and deleted', async () => {
      const put = await couch.put(`/${db}/gone`, {});
      await couch.delete(`/${db}/gone?rev=${put.body.rev}`);
      const keys = ['y', 'missing', 'x', 'gone'];
      const check = (res: HttpAnswer): void => {
        expect(res.status).toBe(200);
        const rows = res.body.rows;
        expect(rows.map((r: { key: string }) => r.key)).toEqual(keys);
        expect(rows[0]).toMatchObject({ id: 'y', value: { rev: expect.any(String) } });
        expect(rows[0].doc).toMatchObject({ _id: 'y', n: 2 });
        expect(rows[1]).toMatchObject({ key: 'missing', error: 'not_found' });
        expect(rows[3]).toMatchObject({ id: 'gone', value: { deleted: true } });
        expect(rows[3].doc).toBeNull();
      };
      check(await couch.post(`/${db}/_all_docs`, { keys, include_docs: true }));
      check(await couch.get(`/${db}/_all_docs?include_docs=true&keys=${encodeURIComponent(JSON.stringify(keys))}`));
      // RxDB writes the JSON into the URL as is.
      check(await couch.get(`/${db}/_all_docs?include_docs=true&keys=${JSON.stringify(keys)}`));
    });

    it('_local documents are stored but stay out of _all_docs and _changes', async () => {
      const put = await couch.put(`/${db}/_local/checkpoint`, { seq: 1 });
      expect(put.status).toBe(201);
      expect(put.body).toMatchObject({ ok: true, id: '_local/checkpoint' });
      const read = await couch.get(`/${db}/_local/checkpoint`);
      expect(read.body).toMatchObject({ _id: '_local/checkpoint', seq: 1 });
      const update = await couch.put(`/${db}/_local/checkpoint`, { _rev: read.body._rev, seq: 2 });
      expect(update.status).toBe(201);
      expect((await couch.get(`/${db}/_local/checkpoint`)).body.seq).toBe(2);

      expect(ids((await couch.get(`/${db}/_all_docs`)).body.rows)).not.toContain('_local/checkpoint');
      expect(ids((await couch.get(`/${db}/_changes`)).body.results)).not.toContain('_local/checkpoint');

      const del = await couch.delete(`/${db}/_local/checkpoint?rev=${update.body.rev}`);
      expect(del.status).toBe(200);
      expect((await couch.get(`/${db}/_local/checkpoint`)).status).toBe(404);
    });

    it('GET _local_docs lists the _local documents only, with limit, keys, descending and include_docs', async () => {
      const local = await createDb('local-docs');
      for (const id of ['b', 'a', 'c']) expect((await couch.put(`/${local}/_local/${id}`, { seq: id })).status).toBe(201);
      expect((await couch.put(`/${local}/plain`, { n: 1 })).status).toBe(201);
      // The database's security object is not a local document in CouchDB, whatever the store keeps it as.
      expect((await couch.put(`/${local}/_security`, { admins: { names: [], roles: [] }, members: { names: [], roles: ['_admin'] } })).status).toBe(200);

      const all = await couch.get(`/${local}/_local_docs`);
      expect(all.status).toBe(200);
      expect(all.body.rows).toEqual(['a', 'b', 'c'].map((id) => ({ id: `_local/${id}`, key: `_local/${id}`, value: { rev: '0-1' } })));
      expect(ids((await couch.get(`/${local}/_local_docs?limit=2`)).body.rows)).toEqual(['_local/a', '_local/b']);
      expect(ids((await couch.get(`/${local}/_local_docs?descending=true&limit=2`)).body.rows)).toEqual(['_local/c', '_local/b']);
      const start = encodeURIComponent(JSON.stringify('_local/b'));
      expect(ids((await couch.get(`/${local}/_local_docs?startkey=${start}`)).body.rows)).toEqual(['_local/b', '_local/c']);
      expect(ids((await couch.get(`/${local}/_local_docs?endkey=${start}&inclusive_end=false`)).body.rows)).toEqual(['_local/a']);
      expect(ids((await couch.get(`/${local}/_local_docs?key=${start}`)).body.rows)).toEqual(['_local/b']);
      const withDocs = await couch.get(`/${local}/_local_docs?include_docs=true&skip=1&limit=1`);
      expect(withDocs.body.rows).toEqual([{ id: '_local/b', key: '_local/b', value: { rev: '0-1' }, doc: { _id: '_local/b', _rev: '0-1', seq: 'b' } }]);

      const removed = await couch.delete(`/${local}/_local/a?rev=0-1`);
      expect(removed.status).toBe(200);
      expect(ids((await couch.get(`/${local}/_local_docs`)).body.rows)).toEqual(['_local/b', '_local/c']);
    });
  });

  describe('_changes', () => {
    let db: string;
    beforeAll(async () => {
      db = await createDb('changes');
      await couch.post(`/${db}/_bulk_docs`, { docs: [{ _id: 'c1', n: 1 }, { _id: 'c2', n: 2 }, { _id: 'c3', n: 3 }] });
      const c3 = await couch.get(`/${db}/c3`);
      await couch.delete(`/${db}/c3?rev=${c3.body._rev}`);
    });

    it('normal feed: one object with results, last_seq and pending', async () => {
      const res = await couch.get(`/${db}/_changes`);
      expect(res.status).toBe(200);
      expect(ids(res.body.results)).toEqual(['c1', 'c2', 'c3']);
      for (const row of res.body.results) {
        expect(isSeq(row.seq)).toBe(true);
        expect(row.changes[0].rev).toEqual(expect.any(String));
      }
      expect(res.body.results[2].deleted).toBe(true);
      expect(isSeq(res.body.last_seq)).toBe(true);
      expect(res.body.pending).toBe(0);
    });

    it('include_docs, limit with pending, descending, seq_interval', async () => {
      const withDocs = await couch.get(`/${db}/_changes?include_docs=true`);
      expect(withDocs.body.results[0].doc).toMatchObject({ _id: 'c1', n: 1 });

      const limited = await couch.get(`/${db}/_changes?limit=1&seq_interval=1`);
      expect(ids(limited.body.results)).toEqual(['c1']);
      expect(limited.body.pending).toBeGreaterThan(0);

      const descending = await couch.get(`/${db}/_changes?descending=true`);
      expect(ids(descending.body.results)).toEqual(['c3', 'c2', 'c1']);
    });

    it('since accepts a returned seq (opaque: passed back as string or number) and now', async () => {
      const all = await couch.get(`/${db}/_changes`);
      const firstSeq = all.body.results[0].seq;
      for (const since of [firstSeq, String(firstSeq)]) {
        const res = await couch.get(`/${db}/_changes?since=${encodeURIComponent(since)}`);
        expect(res.status).toBe(200);
        expect(ids(res.body.results)).toEqual(['c2', 'c3']);
      }
      const fromLast = await couch.get(`/${db}/_changes?since=${encodeURIComponent(all.body.last_seq)}`);
      expect(fromLast.body.results).toEqual([]);
      const now = await couch.get(`/${db}/_changes?since=now`);
      expect(now.status).toBe(200);
      expect(now.body.results).toEqual([]);
    });

    it('style=all_docs lists every leaf of a conflicted document', async () => {
      await couch.post(`/${db}/_bulk_docs`, {
        new_edits: false,
        docs: [
          { _id: 'conflicted', _rev: `1-${REV_A}`, side: 'a' },
          { _id: 'conflicted', _rev: `1-${REV_B}`, side: 'b' },
        ],
      });
      const main = await couch.get(`/${db}/_changes?filter=_doc_ids&doc_ids=${encodeURIComponent('["conflicted"]')}`);
      expect(main.body.results[0].changes).toHaveLength(1);
      const all = await couch.get(
        `/${db}/_changes?style=all_docs&filter=_doc_ids&doc_ids=${encodeURIComponent('["conflicted"]')}`,
      );
      const revs = all.body.results[0].changes.map((c: { rev: string }) => c.rev).sort();
      expect(revs).toEqual([`1-${REV_A}`, `1-${REV_B}`]);
    });

    it('filter=_doc_ids by GET and by POST body', async () => {
      const byGet = await couch.get(`/${db}/_changes?filter=_doc_ids&doc_ids=${encodeURIComponent('["c2"]')}`);
      expect(ids(byGet.body.results)).toEqual(['c2']);
      const byPost = await couch.post(`/${db}/_changes?filter=_doc_ids`, { doc_ids: ['c1', 'c3'] });
      expect(byPost.status).toBe(200);
      expect(ids(byPost.body.results)).toEqual(['c1', 'c3']);
    });

    it('longpoll answers at once when there are changes', async () => {
      const res = await couch.get(`/${db}/_changes?feed=longpoll&since=0&limit=2`);
      expect(res.status).toBe(200);
      expect(ids(res.body.results)).toEqual(['c1', 'c2']);
      expect(isSeq(res.body.last_seq)).toBe(true);
    });

    it('longpoll with timeout answers {"results":[],"last_seq":...} when nothing happens', async () => {
      const res = await couch.get(`/${db}/_changes?feed=longpoll&since=now&timeout=200`);
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual([]);
      expect(isSeq(res.body.last_seq)).toBe(true);
    });

    it('longpoll with heartbeat waits for the next change and returns it', async () => {
      const waiting = couch.fetch(`/${db}/_changes?feed=longpoll&since=now&heartbeat=100`);
      const reader = new StreamReader(await waiting);
      await reader.until((text) => text.includes('\n')); // at least one heartbeat: still waiting
      await couch.put(`/${db}/woke`, {});
      const body = JSON.parse(await reader.all());
      expect(ids(body.results)).toEqual(['woke']);
      expect(isSeq(body.last_seq)).toBe(true);
    });

    it('continuous: one change per line, then a last_seq line at the timeout', async () => {
      const reader = new StreamReader(await couch.fetch(`/${db}/_changes?feed=continuous&since=0&timeout=300`));
      await reader.all();
      const rows = reader.rows();
      const last = rows.at(-1);
      expect(Object.keys(last)).toContain('last_seq');
      const changes = rows.slice(0, -1);
      expect(ids(changes).slice(0, 3)).toEqual(['c1', 'c2', 'c3']);
      for (const change of changes) expect(isSeq(change.seq)).toBe(true);
    });

    it('continuous with limit ends after that many changes', async () => {
      const reader = new StreamReader(await couch.fetch(`/${db}/_changes?feed=continuous&since=0&limit=2`));
      await reader.all();
      const rows = reader.rows();
      expect(ids(rows.slice(0, 2))).toEqual(['c1', 'c2']);
      expect(rows).toHaveLength(3);
      expect(isSeq(rows[2].last_seq)).toBe(true);
    });

    it('continuous from now sends heartbeats, then the change with include_docs', async () => {
      const reader = new StreamReader(
        await couch.fetch(`/${db}/_changes?feed=continuous&since=now&heartbeat=100&include_docs=true`),
      );
      await reader.until((text) => text.includes('\n'));
      expect(reader.text.trim()).toBe('');
      await couch.put(`/${db}/live`, { fresh: true });
      await reader.until((text) => text.includes('"live"'));
      await reader.until((text) => text.trimEnd().endsWith('}'));
      await reader.cancel();
      const [row] = reader.rows();
      expect(row).toMatchObject({ id: 'live', doc: { _id: 'live', fresh: true } });
    });

    it('answers 404 for a missing database and 400 for a malformed since', async () => {
      expect((await couch.get(`/${prefix}nowhere/_changes`)).status).toBe(404);
      expect((await couch.get(`/${db}/_changes?since=not-a-seq`)).status).toBe(400);
    });
  });

  describe('_db_updates', () => {
    beforeAll(async () => {
      // CouchDB keeps _db_updates in _global_changes; it must exist.
      const res = await couch.put('/_global_changes');
      expect([201, 412]).toContain(res.status);
    });

    /** Follows the feed by longpoll from `since` until `predicate` matches an event. */
    async function waitForEvent(
      since: unknown,
      predicate: (row: { db_name: string; type: string }) => boolean,
    ): Promise<{ rows: Array<{ db_name: string; type: string; seq: unknown }>; lastSeq: unknown }> {
      const rows: Array<{ db_name: string; type: string; seq: unknown }> = [];
      let position = since;
      for (let attempt = 0; attempt < 20; attempt++) {
        const res = await couch.get(`/_db_updates?feed=longpoll&timeout=2000&since=${encodeURIComponent(String(position))}`);
        expect(res.status).toBe(200);
        rows.push(...res.body.results);
        position = res.body.last_seq;
        if (rows.some(predicate)) return { rows, lastSeq: position };
      }
      throw new Error('event never arrived');
    }

    it('normal feed: rows {db_name, type, seq} and last_seq', async () => {
      const name = await createDb('dbupdates-normal');
      await waitForEvent('0', (row) => row.db_name === name && row.type === 'created');
      const res = await couch.get('/_db_updates');
      expect(res.status).toBe(200);
      expect(isSeq(res.body.last_seq)).toBe(true);
      const row = res.body.results.find((r: { db_name: string }) => r.db_name === name);
      expect(row).toMatchObject({ db_name: name, type: 'created' });
      expect(isSeq(row.seq)).toBe(true);
    });

    it('longpoll from a seq reports updates and deletion after it', async () => {
      const name = await createDb('dbupdates-longpoll');
      const start = await waitForEvent('0', (row) => row.db_name === name && row.type === 'created');
      await couch.put(`/${name}/doc`, {});
      const updated = await waitForEvent(start.lastSeq, (row) => row.db_name === name && row.type === 'updated');
      expect(updated.rows.every((row) => isSeq(row.seq))).toBe(true);
      await couch.delete(`/${name}`);
      created.delete(name);
      await waitForEvent(updated.lastSeq, (row) => row.db_name === name && row.type === 'deleted');
    });

    it('longpoll since=now with timeout answers an empty result', async () => {
      const res = await couch.get('/_db_updates?feed=longpoll&since=now&timeout=200');
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body.results)).toBe(true);
      expect(isSeq(res.body.last_seq)).toBe(true);
    });

    it('publishes in batches ([global_changes] max_write_delay): a write is announced later, never lost', async () => {
      // CouchDB writes _db_updates events on a timer (500 ms by default), so a
      // read right after a write does not show it yet; a long poll brings it.
      const name = await createDb('dbupdates-batched');
      let position = (await waitForEvent('0', (row) => row.db_name === name && row.type === 'created')).lastSeq;
      let missedAtOnce = 0;
      for (let round = 0; round < 3; round++) {
        const write = await couch.put(`/${name}/doc-${round}`, { round });
        expect(write.status).toBe(201);
        const atOnce = await couch.get(`/_db_updates?since=${encodeURIComponent(String(position))}`);
        expect(atOnce.status).toBe(200);
        const seen = (atOnce.body.results as Array<{ db_name: string; type: string }>).some((row) => row.db_name === name && row.type === 'updated');
        if (!seen) missedAtOnce += 1;
        position = (await waitForEvent(position, (row) => row.db_name === name && row.type === 'updated')).lastSeq;
      }
      expect(missedAtOnce).toBeGreaterThan(0);
    });

    it('continuous from now streams a creation as one JSON line', async () => {
      const reader = new StreamReader(await couch.fetch('/_db_updates?feed=continuous&since=now&heartbeat=500'));
      const name = await createDb('dbupdates-continuous');
      await reader.until((text) => text.includes(`"${name}"`) && text.trimEnd().endsWith('}'));
      await reader.cancel();
      const row = reader.rows().find((r) => r.db_name === name);
      expect(row).toMatchObject({ db_name: name, type: 'created' });
    });
  });

  describe('_security', () => {
    let db: string;
    beforeAll(async () => {
      db = await createDb('secured');
      await couch.put(`/${db}/secret`, { secret: 'classified-value' });
      const res = await couch.put(`/${db}/_security`, {
        admins: { names: [], roles: [] },
        members: { names: [], roles: ['_admin'] },
      });
      expect(res.status).toBe(200);
      expect(res.body.ok).toBe(true);
    });

    it('stores the security object', async () => {
      const res = await couch.get(`/${db}/_security`);
      expect(res.body.members.roles).toEqual(['_admin']);
    });

    it('refuses anonymous reads on every read path, without leaking data', async () => {
      const reads: Array<[string, string, unknown?]> = [
        ['GET', `/${db}`],
        ['GET', `/${db}/secret`],
        ['GET', `/${db}/secret?open_revs=all`],
        ['GET', `/${db}/_all_docs?include_docs=true`],
        ['POST', `/${db}/_all_docs`, { keys: ['secret'], include_docs: true }],
        ['GET', `/${db}/_changes?include_docs=true`],
        ['GET', `/${db}/_changes?feed=longpoll&since=0&include_docs=true`],
        ['POST', `/${db}/_bulk_get`, { docs: [{ id: 'secret' }] }],
        ['POST', `/${db}/_revs_diff`, { secret: ['1-x'] }],
        ['GET', `/${db}/_security`],
      ];
      for (const [method, path, body] of reads) {
        const res = await couch.request(method, path, { auth: false, ...(body === undefined ? {} : { body }) });
        expect(res.status >= 200 && res.status < 300, `${method} ${path} answered ${res.status}`).toBe(false);
        expect(res.text, `${method} ${path}`).not.toContain('classified-value');
      }
    });

    it('still serves the admin', async () => {
      const res = await couch.get(`/${db}/secret`);
      expect(res.status).toBe(200);
      expect(res.body.secret).toBe('classified-value');
      const bulk = await couch.post(`/${db}/_bulk_get`, { docs: [{ id: 'secret' }] });
      expect(bulk.body.results[0].docs[0].ok.secret).toBe('classified-value');
    });
  });
}
