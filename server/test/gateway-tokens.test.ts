import { request as httpRequest } from 'node:http';
import express from 'express';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWT_AUDIENCE, JWT_ISSUER } from '../src/auth/accessTokens.js';
import { startTestGateway, TEST_JWT_SECRET, TEST_PASSWORD, type Json, type TestGateway } from './support/gatewayHarness.js';

let gw: TestGateway;
/** A user for checks that change nothing about it (each registration costs a password hash). */
let shared: Json;

/** A stand-in for the proxy: shows what the authenticated router receives. */
function echoRouter(): express.Router {
  const router = express.Router();
  router.all('/*rest', (req, res) => {
    res.json({ userId: res.locals['userId'], path: req.path, body: req.body as unknown });
  });
  return router;
}

beforeAll(async () => {
  gw = await startTestGateway({ ACCESS_TOKEN_TTL_S: '60', REFRESH_TOKEN_TTL_S: '3600' }, {
    routers: () => ({ sync: echoRouter(), api: echoRouter() }),
  });
  shared = await gw.register();
});

afterAll(async () => {
  await gw?.close();
});

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The sign-in id a real access token names. */
const signInOf = (accessToken: string): string => (jwt.decode(accessToken) as { sid: string }).sid;

function claims(userId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(gw.clock() / 1000);
  const sid = signInOf(shared.accessToken as string);
  const all = { sub: userId, sid, iss: JWT_ISSUER, aud: JWT_AUDIENCE, iat: now, exp: now + 60, ...overrides };
  // An override of undefined leaves the claim out.
  return Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
}

describe('access tokens', () => {
  it('admits a valid token to /me, /sync and /api and hands the router the user id', async () => {
    const user = shared;
    const me = await gw.call('GET', '/me', { token: user.accessToken });
    expect(me.body.userId).toBe(user.userId);
    for (const path of ['/sync/sessions/', '/api/progress']) {
      const answer = await gw.call('GET', path, { token: user.accessToken });
      expect(answer.status).toBe(200);
      expect(answer.body.userId).toBe(user.userId);
    }
  });

  it('expires after ACCESS_TOKEN_TTL_S, and the refresh token still works', async () => {
    const user = await gw.register();
    gw.clock.advance(59_000);
    expect((await gw.call('GET', '/me', { token: user.accessToken })).status).toBe(200);
    gw.clock.advance(2_000);
    const expired = await gw.call('GET', '/me', { token: user.accessToken });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ error: 'unauthorized', reason: expect.stringMatching(/expired/) });
    expect(expired.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const refreshed = await gw.call('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect((await gw.call('GET', '/me', { token: refreshed.body.accessToken })).status).toBe(200);
  });

  const sign = (body: Record<string, unknown>, key = TEST_JWT_SECRET, algorithm: jwt.Algorithm = 'HS256'): string =>
    jwt.sign(body, key, { algorithm });

  it.each([
    ['another key', (id: string) => sign(claims(id), 'another-secret-0123456789-abcdefghijkl')],
    ['alg none', (id: string) => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims(id))}.`],
    ['HS512 with the right key', (id: string) => sign(claims(id), TEST_JWT_SECRET, 'HS512')],
    ['a wrong issuer', (id: string) => sign(claims(id, { iss: 'someone-else' }))],
    ['a wrong audience', (id: string) => sign(claims(id, { aud: 'other-app' }))],
    ['no subject', (id: string) => sign(claims(id, { sub: undefined }))],
    ['no sign-in id', (id: string) => sign(claims(id, { sid: undefined }))],
    ['a sign-in id that is no sign-in of this user', (id: string) => sign(claims(id, { sid: 'A'.repeat(22) }))],
    ['a subject that is no user id', (id: string) => sign(claims(id, { sub: `../${id}` }))],
    ['no expiry', (id: string) => sign(claims(id, { exp: undefined }))],
    ['an expiry in the past', (id: string) => sign(claims(id, { exp: Math.floor(gw.clock() / 1000) - 1 }))],
    [
      'a tampered payload',
      (id: string) => {
        const [header, , signature] = sign(claims(id)).split('.');
        return `${header}.${b64(claims(id, { exp: Math.floor(gw.clock() / 1000) + 86_400 }))}.${signature}`;
      },
    ],
  ])('refuses a token with %s on /me, /sync and /api', async (_name, makeToken) => {
    const token = makeToken(shared.userId as string);
    for (const path of ['/me', '/sync/sessions/', '/api/progress']) {
      const answer = await gw.call('GET', path, { token });
      expect(answer.status, path).toBe(401);
      expect(answer.body.error).toBe('unauthorized');
      expect(answer.body.userId).toBeUndefined();
    }
  });

  it('accepts a hand-made token with the right key, issuer, audience and a live sign-in (the checks above are the only difference)', async () => {
    const token = jwt.sign(claims(shared.userId as string), TEST_JWT_SECRET, { algorithm: 'HS256' });
    expect((await gw.call('GET', '/me', { token })).status).toBe(200);
  });

  it.each([
    ['no header', {}],
    ['Basic credentials', { authorization: `Basic ${Buffer.from('admin:gateway-test-admin').toString('base64')}` }],
    ['a bare token', { authorization: 'abc.def.ghi' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
    ['garbage', { authorization: 'Bearer not-a-jwt' }],
  ])('refuses %s with 401 and a JSON body', async (_name, headers: Record<string, string>) => {
    for (const path of ['/me', '/sync/sessions/_all_docs', '/api/sessions']) {
      const answer = await gw.call('GET', path, { headers });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: 'unauthorized', reason: expect.any(String), requestId: expect.any(String) });
    }
  });

  it("refuses a deleted user's token everywhere", async () => {
    const user = await gw.register();
    expect((await gw.call('GET', '/sync/sessions/', { token: user.accessToken })).status).toBe(200);
    expect((await gw.call('DELETE', '/me', { token: user.accessToken, body: { password: TEST_PASSWORD } })).status).toBe(200);
    for (const path of ['/me', '/sync/sessions/', '/api/progress']) {
      const answer = await gw.call('GET', path, { token: user.accessToken });
      expect(answer.status).toBe(401);
      expect(answer.body.reason).toMatch(/no longer exists/);
    }
  });

  it('never reaches /me or the routers through encoded or relative paths without a token', async () => {
    const raw = (path: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const url = new URL(gw.url);
        const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    for (const path of ['/sync/../me', '/sync%2F..%2Fme', '//me', '/health/../sync/sessions/', '/SYNC/sessions/', '/me%2F', '/api/..%2F..%2Fsync']) {
      expect([401, 404], path).toContain(await raw(path));
    }
  });
});

describe('refresh tokens', () => {
  let owner: Json;

  it('rotates: each refresh answers a new pair and the old refresh token stops working', async () => {
    const user = await gw.register();
    const first = await gw.call('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(first.status).toBe(200);
    expect(first.body.userId).toBe(user.userId);
    expect(first.body.refreshToken).not.toBe(user.refreshToken);
    const second = await gw.call('POST', '/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
  });

  it('revokes the whole family when a rotated token is used again after the grace window', async () => {
    const user = await gw.register();
    const next = await gw.call('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    gw.clock.advance(31_000);
    const replay = await gw.call('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(replay.status).toBe(401);
    expect(replay.body.reason).toMatch(/already used/);
    // The legitimate holder's newer token is revoked too.
    const legit = await gw.call('POST', '/auth/refresh', { body: { refreshToken: next.body.refreshToken } });
    expect(legit.status).toBe(401);
    expect(legit.body.reason).toMatch(/revoked/);
    // Another login of the same user is a different family and keeps working.
    const login = await gw.call('POST', '/auth/login', { body: { username: user.username, password: TEST_PASSWORD } });
    expect((await gw.call('POST', '/auth/refresh', { body: { refreshToken: login.body.refreshToken } })).status).toBe(200);
  });

  it('lets three concurrent refreshes with the same token succeed (the grace window), each with its own new token', async () => {
    const user = await gw.register();
    const answers = await Promise.all(
      [1, 2, 3].map(() => gw.call('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(new Set(answers.map((a) => a.body.refreshToken as string)).size).toBe(3);
  });

  it('expires after REFRESH_TOKEN_TTL_S', async () => {
    const user = await gw.register();
    gw.clock.advance(3_601_000);
    const answer = await gw.call('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(answer.status).toBe(401);
    expect(answer.body.reason).toMatch(/expired/);
  });

  it('is revoked by logout, which is idempotent and tells nothing about unknown tokens', async () => {
    const user = await gw.register();
    expect((await gw.call('POST', '/auth/logout', { body: { refreshToken: user.refreshToken } })).body).toEqual({ ok: true });
    expect((await gw.call('POST', '/auth/logout', { body: { refreshToken: user.refreshToken } })).status).toBe(200);
    expect((await gw.call('POST', '/auth/logout', { body: { refreshToken: 'whatever' } })).status).toBe(200);
    const refresh = await gw.call('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(refresh.status).toBe(401);
  });

  it('is stored hashed: the accounts database never holds the token', async () => {
    const user = await gw.register();
    const secret = (user.refreshToken as string).split('.')[2] ?? '';
    expect(secret.length).toBeGreaterThan(30);
    const docs = await gw.store('GET', '/gwt-accounts/_all_docs?include_docs=true');
    expect(docs.text).toContain(user.userId);
    expect(docs.text).not.toContain(secret);
  });

  it.each([
    ['a made-up token', () => 'abc.def.ghi'],
    ['another user id in a real token', (t: string, other: string) => t.replace(/^[a-z2-7]+/, other)],
    ['an empty string', () => ''],
    // Last: presenting a wrong secret counts as reuse and revokes the family of `owner`.
    ['a changed secret', (t: string) => `${t.slice(0, -4)}AAAA`],
  ])('refuses %s with 401', async (_name, tamper: (token: string, other: string) => string) => {
    owner ??= await gw.register();
    const answer = await gw.call('POST', '/auth/refresh', { body: { refreshToken: tamper(owner.refreshToken, shared.userId) } });
    expect(answer.status).toBe(401);
    expect(answer.body.userId).toBeUndefined();
  });

  it('refuses wrong types with 400', async () => {
    for (const body of [{}, { refreshToken: 42 }, { refreshToken: null }, [], 'null']) {
      const answer = await gw.call('POST', '/auth/refresh', { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error).toBe('bad_request');
    }
  });
});
