import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { couchSession } from './support/proxySessions.js';
import { startProxyWorld, type ProxyUser, type ProxyWorld } from './support/proxyWorld.js';

/** The holes a security review found, each tried again over real HTTP. */
describe('replication proxy: hardening', () => {
  let world: ProxyWorld;
  let user: ProxyUser;

  beforeAll(async () => {
    world = await startProxyWorld();
    user = await world.newUser();
  });
  afterAll(async () => {
    await world.close();
  });

  const stored = (db: string, id: string) => world.store.json('GET', `/${db}/${encodeURIComponent(id)}`);

  it("pins a checkpoint's _id to its path, so a _local write cannot plant a session, progress or a design document", async () => {
    const session = couchSession(301);
    const attempts = [['sessions', session._id], ['progress', 'progress'], ['sessions', '_design/evil']] as const;
    for (const [i, [database, id]] of attempts.entries()) {
      const put = await user.json('PUT', `/sync/${database}/_local/x${i}`, { _id: id, planted: true });
      expect(put.status).toBe(201);
      expect((put.body as { id?: string }).id).toBe(`_local/x${i}`);
      const db = database === 'sessions' ? user.dbs.sessions : user.dbs.progress;
      expect((await stored(db, id)).status).toBe(404);
      expect((await stored(db, `_local/x${i}`)).body).toMatchObject({ planted: true });
    }
    const progress = await user.json('GET', '/api/progress');
    expect((progress.body as { progress: unknown }).progress).toBeNull();
  });

  it('refuses attachments and other CouchDB fields in a checkpoint', async () => {
    const put = await user.json('PUT', '/sync/sessions/_local/y', { _attachments: { 'a.txt': { content_type: 'text/plain', data: 'aGk=' } } });
    expect(put).toMatchObject({ status: 403, body: { error: 'forbidden', reason: '_attachments is not accepted in a local document' } });
  });

  it('serves no views from the store, so no design document code ever runs', async () => {
    const design = await world.store.json('PUT', `/${user.dbs.sessions}/_design/v`, { views: { all: { map: 'function (doc) { emit(doc._id, 1); }' } } });
    expect(design.status).toBe(201);
    const view = await world.store.json('GET', `/${user.dbs.sessions}/_design/v/_view/all`);
    expect(view.status).toBeGreaterThanOrEqual(400);
  });

  it('refuses a revision history longer than CouchDB keeps, on a tombstone and on a session', async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => i.toString(16).padStart(32, '0'));
    const revisions = { start: 1001, ids };
    const tombstone = { _id: couchSession(302)._id, _deleted: true, _rev: `1001-${ids[0]}`, _revisions: revisions };
    const session = { ...couchSession(303), _rev: `1001-${ids[0]}`, _revisions: revisions };
    const answer = await user.json('POST', '/sync/sessions/_bulk_docs', { new_edits: false, docs: [tombstone, session] });
    expect(answer.status).toBe(201);
    const rows = answer.body as Array<{ error?: string; reason?: string }>;
    expect(rows[0]).toMatchObject({ error: 'forbidden', reason: expect.stringContaining('1001 entries, more than the 1000 revisions kept') });
    expect(rows[1]).toMatchObject({ error: 'forbidden', reason: expect.stringContaining('/_revisions ids has 1001 entries') });
  });

  it('stores a tombstone with its metadata only, whatever body the device kept', async () => {
    const session = couchSession(304);
    const put = await user.json('POST', '/sync/sessions/_bulk_docs', { docs: [session] });
    const rev = (put.body as Array<{ rev: string }>)[0]!.rev;
    const removed = await user.json('POST', '/sync/sessions/_bulk_docs', { docs: [{ ...session, _rev: rev, _deleted: true, blob: 'A'.repeat(10_000) }] });
    expect((removed.body as Array<{ ok?: boolean }>)[0]).toMatchObject({ ok: true });
    const newRev = (removed.body as Array<{ rev: string }>)[0]!.rev;
    const tomb = await world.store.json('GET', `/${user.dbs.sessions}/${session._id}?rev=${newRev}`);
    expect(tomb.body).toEqual({ _id: session._id, _rev: newRev, _deleted: true });
  });

  it.each([
    ['_all_docs keys', 'POST', '/sync/sessions/_all_docs', { keys: Array.from({ length: 1001 }, (_, i) => `k${i}`) }, 'keys names 1001 entries'],
    ['_bulk_get docs', 'POST', '/sync/sessions/_bulk_get', { docs: Array.from({ length: 1001 }, (_, i) => ({ id: `k${i}` })) }, 'docs names 1001 entries'],
    ['_revs_diff ids', 'POST', '/sync/sessions/_revs_diff', Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, ['1-a']])), '1001 entries'],
    ['_revs_diff revisions', 'POST', '/sync/sessions/_revs_diff', { k: Array.from({ length: 10_001 }, (_, i) => `1-${i}`) }, '10001 entries'],
    ['_changes doc_ids', 'POST', '/sync/sessions/_changes?filter=_doc_ids', { doc_ids: Array.from({ length: 1001 }, (_, i) => `k${i}`) }, 'doc_ids names 1001 entries'],
    ['_bulk_docs documents', 'POST', '/sync/sessions/_bulk_docs', { docs: Array.from({ length: 1001 }, (_, i) => ({ _id: `k${i}`, _deleted: true })) }, 'docs holds 1001 documents'],
  ])('refuses an oversized list in %s with 413 before the store sees it', async (_, method, path, body, fragment) => {
    const answer = await user.json(method, path, body);
    expect(answer).toMatchObject({ status: 413, body: { error: 'request_entity_too_large', reason: expect.stringContaining(fragment) } });
  });

  it('lets one user hold at most 10 longpolls, and frees a slot when one ends', async () => {
    const feeds = Array.from({ length: 10 }, () => new AbortController());
    const open = feeds.map((c) => user.fetch('/sync/sessions/_changes?feed=longpoll&since=now&timeout=30000', { signal: c.signal }).catch(() => undefined));
    // The answers' headers arrive only when the feeds end, so wait until the store counts ten.
    await expect.poll(() => world.store.store.stats().feeds.feeds, { timeout: 10_000 }).toBeGreaterThanOrEqual(10);
    const refused = await user.json('GET', '/sync/sessions/_changes?feed=longpoll&since=now&timeout=1000');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    const other = await world.newUser();
    const allowed = await other.json('GET', '/sync/sessions/_changes?feed=longpoll&since=now&timeout=100');
    expect(allowed.status).toBe(200);
    feeds[0]!.abort();
    await expect.poll(async () => (await user.json('GET', '/sync/sessions/_changes?feed=longpoll&since=now&timeout=100')).status, { timeout: 10_000 }).toBe(200);
    feeds.forEach((c) => c.abort());
    await Promise.all(open);
  });
});
