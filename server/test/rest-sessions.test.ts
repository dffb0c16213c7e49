import { synthesizeSession } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './support/proxyRawHttp.js';
import { startProxyWorld, TEST_LIMITS, type ProxyUser, type ProxyWorld } from './support/proxyWorld.js';

describe('REST: POST /api/sessions', () => {
  let world: ProxyWorld;
  let user: ProxyUser;

  beforeAll(async () => {
    world = await startProxyWorld();
    user = await world.newUser();
  });
  afterAll(async () => {
    await world.close();
  });

  const stored = (id: string, db = user.dbs.sessions) => world.store.json('GET', `/${db}/${id}`);

  it('stores a session in the device form once, however often and in whichever form it is sent', async () => {
    const session = synthesizeSession({ seed: 301, durationS: 60 });
    const first = await user.json('POST', '/api/sessions', session);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ ok: true, id: session.id, rev: expect.stringMatching(/^1-/) });

    const doc = await stored(session.id);
    expect(doc.body._id).toBe(session.id);
    expect(doc.body.id).toBeUndefined();
    expect(doc.body.sensors).toEqual(session.sensors);

    const again = await user.json('POST', '/api/sessions', session);
    expect(again.status).toBe(200);
    expect(again.body.rev).toBe(first.body.rev);

    const { id, ...rest } = session;
    const reordered = Object.fromEntries(Object.entries({ _id: id, ...rest }).reverse());
    const couchForm = await user.json('POST', '/api/sessions', { ...reordered, _rev: first.body.rev });
    expect(couchForm.status).toBe(200);
    expect(couchForm.body.rev).toBe(first.body.rev);
    expect((await stored(session.id)).body._rev).toBe(first.body.rev);
  });

  it('answers 409 for a different session under an existing id, and keeps the stored one', async () => {
    const session = synthesizeSession({ seed: 302, durationS: 60 });
    const first = await user.json('POST', '/api/sessions', session);
    expect(first.status).toBe(201);
    const other = await user.json('POST', '/api/sessions', { ...session, score: session.score + 1 });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: 'conflict', reason: expect.any(String), requestId: expect.any(String) });
    expect((await stored(session.id)).body.score).toBe(session.score);
  });

  it('stores one document when the same upload races with itself', async () => {
    const session = synthesizeSession({ seed: 303, durationS: 60 });
    const answers = await Promise.all(Array.from({ length: 6 }, () => user.json('POST', '/api/sessions', session)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.every((s) => s === 200 || s === 201)).toBe(true);
    expect(new Set(answers.map((a) => a.body.rev)).size).toBe(1);
    expect((await stored(session.id)).body._rev).toMatch(/^1-/);
  });

  it('refuses invalid sessions with 403 and a readable reason', async () => {
    const session = synthesizeSession({ seed: 304, durationS: 60 });
    const cases: Array<[unknown, RegExp]> = [
      [{ ...session, score: -1 }, /\/score/],
      [{ ...session, id: 'not-a-session' }, /session id/],
      [{ ...session, id: undefined }, /session id/],
      [{ ...session, _deleted: true }, /deleted/],
      [{ ...session, _attachments: { a: { data: 'aGk=', content_type: 'text/plain' } } }, /attachments/],
      [{ ...session, id: '_design/x' }, /design/],
      [synthesizeSession({ seed: 305, durationS: 300 }), new RegExp(`limit of ${TEST_LIMITS.maxDocBytes}`)],
    ];
    for (const [body, reason] of cases) {
      const answer = await user.json('POST', '/api/sessions', body);
      expect(answer.status).toBe(403);
      expect(answer.body.error).toBe('forbidden');
      expect(answer.body.reason).toMatch(reason);
    }
    expect((await stored(session.id)).status).toBe(404);
  });

  it('refuses malformed, mismatched and oversized bodies', async () => {
    const session = synthesizeSession({ seed: 306, durationS: 60 });
    for (const body of ['{"id": ', 'null', '[1]', '"session"']) {
      const answer = await user.json('POST', '/api/sessions', body);
      expect(answer.status, body).toBe(400);
      expect(answer.body.error).toBe('bad_request');
    }
    const mismatch = await user.json('POST', '/api/sessions', { ...session, _id: synthesizeSession({ seed: 307, durationS: 60 }).id });
    expect(mismatch.status).toBe(400);
    const huge = await user.json('POST', '/api/sessions', JSON.stringify({ ...session, pad: 'x'.repeat(TEST_LIMITS.bodyLimitBytes) }));
    expect(huge.status).toBe(413);
    const noToken = await rawRequest(world.gatewayUrl, 'POST', '/api/sessions', { 'content-type': 'application/json' }, JSON.stringify(session));
    expect(noToken.status).toBe(401);
    expect((await stored(session.id)).status).toBe(404);
  });

  it("stores into the caller's own database only", async () => {
    const other = await world.newUser();
    const session = synthesizeSession({ seed: 308, durationS: 60 });
    expect((await other.json('POST', '/api/sessions', session)).status).toBe(201);
    expect((await stored(session.id, other.dbs.sessions)).status).toBe(200);
    expect((await stored(session.id)).status).toBe(404);
  });
});
