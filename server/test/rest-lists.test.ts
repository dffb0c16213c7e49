import { analyzeSession, sessionIdAt, synthesizeSession, type AnalysisDoc } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILTERED_SCAN_ROWS, PENDING_SESSION_READS } from '../src/rest/scanBudget.js';
import { startProxyWorld, type Json, type ProxyUser, type ProxyWorld } from './support/proxyWorld.js';

type Doc = Record<string, unknown> & { _id: string };

interface Expected {
  id: string;
  gameId: string;
  startedAt: string;
  sessionStatus: 'analysed' | 'pending' | 'invalid';
  analysisStatus?: 'ok' | 'invalid';
}

/** Every page of a list endpoint, following `next`; each answer checked for shape. */
async function allPages(user: ProxyUser, path: string, query: string, limit: number): Promise<{ items: Json[]; pages: number }> {
  const items: Json[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const answer: { status: number; body: Json } = await user.json('GET', `${path}?${query}${query ? '&' : ''}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...answer.body.items);
    cursor = answer.body.next;
    pages += 1;
  } while (cursor !== null && pages < 50);
  expect(cursor).toBeNull();
  return { items, pages };
}

describe('REST: GET /api/sessions and GET /api/analyses', () => {
  let world: ProxyWorld;
  let alice: ProxyUser;
  let bob: ProxyUser;
  const expected: Expected[] = [];

  beforeAll(async () => {
    world = await startProxyWorld();
    [alice, bob] = await Promise.all([world.newUser(), world.newUser()]);
    // Ten short sessions over ten days, two games; the last one's id is dated a month before its startedAt (a device with a wrong clock).
    const sessions = Array.from({ length: 10 }, (_, i) => {
      const startedAt = `2026-11-${String(i + 1).padStart(2, '0')}T10:00:00.000Z`;
      const session = synthesizeSession({ seed: 700 + i, durationS: 4, startedAt, gameId: i % 3 === 0 ? 'finger-piano' : 'rhythm-tap' });
      if (i === 9) return { ...session, id: sessionIdAt(Date.parse('2026-10-01T00:00:00Z'), new Uint8Array(10).fill(7)) };
      return session;
    });
    const written = await world.store.json('POST', `/${alice.dbs.sessions}/_bulk_docs`, { docs: sessions.map(({ id, ...rest }) => ({ _id: id, ...rest })) });
    expect(written.status).toBe(201);
    const revs = new Map<string, string>((written.body as Array<{ id: string; rev: string }>).map((row) => [row.id, row.rev]));
    const analyses: Doc[] = [];
    sessions.forEach((session, i) => {
      const rev = revs.get(session.id)!;
      const analysis: AnalysisDoc = { ...analyzeSession({ ...session, _rev: rev } as never), id: `analysis:${session.id}`, sessionId: session.id, sessionRev: rev };
      const entry: Expected = { id: session.id, gameId: session.gameId, startedAt: session.startedAt, sessionStatus: 'analysed', analysisStatus: 'ok' };
      if (i === 2) {
        entry.sessionStatus = 'invalid';
        entry.analysisStatus = 'invalid';
        analysis.status = 'invalid';
      }
      if (i === 4) {
        // No analysis yet.
        entry.sessionStatus = 'pending';
        delete entry.analysisStatus;
        expected.push(entry);
        return;
      }
      // An analysis of an older revision: the session waits for its new one.
      if (i === 6) {
        analysis.sessionRev = '1-0123456789abcdef0123456789abcdef';
        entry.sessionStatus = 'pending';
      }
      expect(analysis.status === 'ok' || i === 2).toBe(true);
      const { id, ...rest } = analysis;
      analyses.push({ _id: id, ...rest });
      expected.push(entry);
    });
    expect((await world.store.json('POST', `/${alice.dbs.progress}/_bulk_docs`, { docs: analyses })).status).toBe(201);
    expected.sort((a, b) => (a.id < b.id ? 1 : -1));
  });
  afterAll(async () => {
    await world.close();
  });

  it('lists every session, latest first, page by page, without sensor blocks and with its status', async () => {
    const { items, pages } = await allPages(alice, '/api/sessions', '', 3);
    expect(pages).toBe(4);
    expect(items.map((s) => s.id)).toEqual(expected.map((e) => e.id));
    for (const item of items) {
      const want = expected.find((e) => e.id === item.id)!;
      expect(item.sensors).toBeUndefined();
      expect(item._id).toBeUndefined();
      expect(item._rev).toBeUndefined();
      expect(item).toMatchObject({ type: 'session', gameId: want.gameId, startedAt: want.startedAt, status: want.sessionStatus });
      expect(Array.isArray(item.events)).toBe(true);
    }
  });

  it.each([
    ['game=finger-piano', (e: Expected) => e.gameId === 'finger-piano'],
    ['status=pending', (e: Expected) => e.sessionStatus === 'pending'],
    ['status=invalid', (e: Expected) => e.sessionStatus === 'invalid'],
    ['status=analysed&game=rhythm-tap', (e: Expected) => e.sessionStatus === 'analysed' && e.gameId === 'rhythm-tap'],
    ['from=2026-11-03&to=2026-11-05', (e: Expected) => e.startedAt >= '2026-11-03' && e.startedAt < '2026-11-06'],
    ['from=2026-11-10T10:00:00Z', (e: Expected) => e.startedAt >= '2026-11-10T10:00'],
    ['to=2026-11-02T10:00:00.000%2B01:00', (e: Expected) => e.startedAt <= '2026-11-02T09:00:00.000Z'],
    ['from=2026-11-05&game=rhythm-tap&status=pending', (e: Expected) => e.startedAt >= '2026-11-05' && e.gameId === 'rhythm-tap' && e.sessionStatus === 'pending'],
  ])('filters sessions by %s, on startedAt whatever the id says', async (query, keep) => {
    const { items } = await allPages(alice, '/api/sessions', query, 2);
    const want = expected.filter(keep).map((e) => e.id);
    expect(want.length).toBeGreaterThan(0);
    expect(items.map((s) => s.id)).toEqual(want);
  });

  it.each([
    ['', (e: Expected) => e.analysisStatus !== undefined],
    ['status=invalid', (e: Expected) => e.analysisStatus === 'invalid'],
    ['game=finger-piano&status=ok', (e: Expected) => e.analysisStatus === 'ok' && e.gameId === 'finger-piano'],
    ['from=2026-11-09', (e: Expected) => e.analysisStatus !== undefined && e.startedAt >= '2026-11-09'],
  ])('lists and filters analyses (%s)', async (query, keep) => {
    const { items } = await allPages(alice, '/api/analyses', query, 4);
    expect(items.map((a) => a.sessionId)).toEqual(expected.filter(keep).map((e) => e.id));
    for (const item of items) {
      expect(item.id).toBe(`analysis:${item.sessionId}`);
      expect(item._rev).toBeUndefined();
      expect(item.type).toBe('analysis');
    }
  });

  it('refuses every malformed parameter with 400 invalid_request naming it', async () => {
    const other = Buffer.from('a:analysis:ses_00000000000000000000000000').toString('base64url');
    const cases: Array<[string, string]> = [
      ['from=2026-02-30', 'from'],
      ['from=yesterday', 'from'],
      ['to=2026-11-01T25:00:00Z', 'to'],
      ['to=2026-11-01T10:00:00', 'to'],
      ['from=2026-11-05&to=2026-11-01', 'from'],
      ['game=Rhythm', 'game'],
      ['game=../x', 'game'],
      [`game=${'a'.repeat(65)}`, 'game'],
      ['game[$gt]=a', 'game'],
      ['status=ok', 'status'],
      ['status=', 'status'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=1e2', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=2&limit=3', 'limit'],
      ['cursor=!!!', 'cursor'],
      ['cursor=', 'cursor'],
      [`cursor=${other}`, 'cursor'],
      [`cursor=${Buffer.from('s:_design/x').toString('base64url')}`, 'cursor'],
      ['sort=asc', 'sort'],
      ['include_docs=true', 'include_docs'],
    ];
    for (const [query, name] of cases) {
      const answer = await alice.json('GET', `/api/sessions?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.code, query).toBe('invalid_request');
      expect(answer.body.reason, query).toContain(name);
    }
    const analysisStatus = await alice.json('GET', '/api/analyses?status=pending');
    expect(analysisStatus.status).toBe(400);
    expect(analysisStatus.body.reason).toContain('status');
    const sessionCursor = (await alice.json('GET', '/api/sessions?limit=1')).body.next as string;
    const crossed = await alice.json('GET', `/api/analyses?cursor=${sessionCursor}`);
    expect(crossed.status).toBe(400);
    expect(crossed.body.reason).toContain('cursor');
  });

  it("shows another user none of the user's sessions or analyses, with or without the user's cursor", async () => {
    expect((await bob.json('GET', '/api/sessions')).body).toEqual({ items: [], next: null });
    expect((await bob.json('GET', '/api/analyses?limit=100')).body).toEqual({ items: [], next: null });
    const aliceCursor = (await alice.json('GET', '/api/sessions?limit=1')).body.next as string;
    expect((await bob.json('GET', `/api/sessions?cursor=${aliceCursor}`)).body).toEqual({ items: [], next: null });
    const anonymous = await fetch(`${world.gatewayUrl}/api/sessions`);
    expect(anonymous.status).toBe(401);
  });

  it('reads a bounded number of rows per filtered page and hands on a cursor when nothing matched yet', async () => {
    const carol = await world.newUser();
    const count = FILTERED_SCAN_ROWS + 30;
    const ids = Array.from({ length: count }, (_, i) => sessionIdAt(Date.parse('2026-01-01T00:00:00Z') + i * 60_000, new Uint8Array(10).fill(i % 256)));
    const startedAt = (i: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + i * 60_000).toISOString();
    // Bare documents written as the store's admin: the listing reads what is stored, whatever it is.
    const sessions = ids.map((id, i) => ({ _id: id, type: 'session', gameId: i === 0 ? 'rare-game' : 'rhythm-tap', startedAt: startedAt(i), sensors: { data: 'x' } }));
    const stored = await world.store.json('POST', `/${carol.dbs.sessions}/_bulk_docs`, { docs: sessions });
    expect(stored.status).toBe(201);
    const revs = new Map<string, string>((stored.body as Array<{ id: string; rev: string }>).map((row) => [row.id, row.rev]));
    // Analysed: the summaries decide the filter, so no session document is read to judge it.
    const analyses = ids.map((id, i) => ({ _id: `analysis:${id}`, type: 'analysis', sessionId: id, sessionRev: revs.get(id), status: 'ok', session: { gameId: i === 0 ? 'rare-game' : 'rhythm-tap', startedAt: startedAt(i) } }));
    expect((await world.store.json('POST', `/${carol.dbs.progress}/_bulk_docs`, { docs: analyses })).status).toBe(201);
    for (const path of ['/api/sessions', '/api/analyses']) {
      const first = await carol.json('GET', `${path}?game=rare-game`);
      expect(first.body.items, path).toEqual([]);
      expect(first.body.next, path).not.toBeNull();
      const second = await carol.json('GET', `${path}?game=rare-game&cursor=${first.body.next}`);
      expect(second.body.items, path).toHaveLength(1);
      expect(second.body.next, path).toBeNull();
    }
    const plain = await carol.json('GET', '/api/sessions?limit=100');
    expect(plain.body.items).toHaveLength(100);
    expect(plain.body.items[0].sensors).toBeUndefined();
  });

  it('reads a bounded number of whole pending sessions to judge them by game or date', async () => {
    const dave = await world.newUser();
    const count = PENDING_SESSION_READS * 2 + 5;
    const ids = Array.from({ length: count }, (_, i) => sessionIdAt(Date.parse('2026-02-01T00:00:00Z') + i * 60_000, new Uint8Array(10).fill(i)));
    // No analyses: every session is pending (the worker is behind), so only its own document tells its game.
    const sessions = ids.map((id, i) => ({ _id: id, type: 'session', gameId: i === 0 ? 'rare-game' : 'rhythm-tap', startedAt: '2026-02-01T00:00:00.000Z', sensors: { data: 'x' } }));
    expect((await world.store.json('POST', `/${dave.dbs.sessions}/_bulk_docs`, { docs: sessions })).status).toBe(201);
    const pages: Json[] = [];
    let cursor: string | null = null;
    do {
      const answer: { body: Json } = await dave.json('GET', `/api/sessions?game=rare-game&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(answer.body.items);
      cursor = answer.body.next;
    } while (cursor !== null && pages.length < 10);
    expect(pages.map((items) => items.length)).toEqual([0, 0, 1]);
    expect(pages[2][0]).toMatchObject({ id: ids[0], status: 'pending', gameId: 'rare-game' });
    // Without a game or date filter, pending sessions need no judging: one page holds them all.
    expect((await dave.json('GET', '/api/sessions?status=pending&limit=100')).body.items).toHaveLength(count);
  });
});
