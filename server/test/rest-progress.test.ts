import { analyzeSession, summarizeProgress, synthesizeSession, type AnalysisDoc } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyWorld, type ProxyUser, type ProxyWorld } from './support/proxyWorld.js';

describe('REST: GET /api/progress', () => {
  let world: ProxyWorld;
  let user: ProxyUser;
  let analyses: AnalysisDoc[];

  beforeAll(async () => {
    world = await startProxyWorld();
    user = await world.newUser();
    // What the sync worker would write: five analyses and the progress summary.
    const sessions = [1, 2, 3, 4, 5].map((day) =>
      synthesizeSession({ seed: 400 + day, durationS: 30, startedAt: `2026-11-0${day}T10:00:00.000Z` }),
    );
    analyses = sessions.map((session) => analyzeSession(session));
    const progress = summarizeProgress(analyses);
    const toCouch = ({ id, ...rest }: { id: string }) => ({ _id: id, ...rest });
    const docs = [...analyses.map(toCouch), toCouch(progress), { _id: 'analysis:ses_00000000000000000000000000', _deleted: true }];
    const written = await world.store.json('POST', `/${user.dbs.progress}/_bulk_docs`, { docs });
    expect(written.status).toBe(201);
  });
  afterAll(async () => {
    await world.close();
  });

  it('answers null progress and no analyses for a new user', async () => {
    const other = await world.newUser();
    const answer = await other.json('GET', '/api/progress');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ progress: null, analyses: [], nextCursor: null });
  });

  it('returns the progress document and the analyses, latest first, page by page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
      const answer = await user.json('GET', `/api/progress${query}`);
      expect(answer.status).toBe(200);
      expect(answer.body.progress).toMatchObject({ id: 'progress', type: 'progress', sessionCount: 5 });
      expect(answer.body.progress._rev).toBeUndefined();
      expect(answer.body.analyses.length).toBeLessThanOrEqual(2);
      for (const analysis of answer.body.analyses) {
        expect(analysis._id).toBeUndefined();
        expect(analysis._rev).toBeUndefined();
        seen.push(analysis.id);
      }
      cursor = answer.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    const latestFirst = analyses.map((a) => a.id).sort().reverse();
    expect(seen).toEqual(latestFirst);
    const first = await user.json('GET', '/api/progress?limit=1');
    expect(first.body.analyses[0]).toEqual(analyses.find((a) => a.id === latestFirst[0]));
  });

  it('uses a default page size and returns everything that fits', async () => {
    const answer = await user.json('GET', '/api/progress');
    expect(answer.body.analyses).toHaveLength(5);
    expect(answer.body.nextCursor).toBeNull();
  });

  it('refuses bad limits, forged cursors and unknown parameters', async () => {
    const forged = Buffer.from('progress').toString('base64url');
    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'cursor=!!!', `cursor=${forged}`, 'cursor=', 'sort=asc', 'limit=1&limit=2']) {
      const answer = await user.json('GET', `/api/progress?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error, query).toBe('bad_request');
    }
  });

  it("never shows another user's progress", async () => {
    const other = await world.newUser();
    const answer = await other.json('GET', '/api/progress?limit=100');
    expect(answer.body.progress).toBeNull();
    expect(answer.body.analyses).toEqual([]);
  });
});
