import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, startTestStore, TEST_ADMIN, type TestStore } from './storeFixture.js';

/** What CouchDB serves to anyone: Fauxton's files and who the caller is. */
const PUBLIC_PATHS: Array<[string, string]> = [
  ['GET', '/_session'],
  ['GET', '/_utils'],
  ['GET', '/_utils/'],
  ['GET', '/_utils/index.html'],
];

/** Paths of every kind: server, database, document, feeds, replication endpoints; with credentials, the public ones too. */
const PATHS: Array<[string, string]> = [
  ['GET', '/'],
  ['GET', '/_up'],
  ['GET', '/_all_dbs'],
  ['GET', '/_db_updates'],
  ['POST', '/_utils/'],
  ['PUT', '/_utils/index.html'],
  ['GET', '/_utils/../_all_dbs'],
  ['GET', '/_utils/%2e%2e/_all_dbs'],
  ['GET', '/gated'],
  ['PUT', '/gated-new'],
  ['DELETE', '/gated'],
  ['GET', '/gated/secret'],
  ['GET', '/gated/_all_docs'],
  ['GET', '/gated/_changes'],
  ['POST', '/gated/_bulk_get'],
  ['POST', '/gated/_bulk_docs'],
  ['GET', '/gated/_security'],
  ['PUT', '/gated/_local/_security'],
  ['GET', '/nope/anything'],
];

describe('admin gate', () => {
  let s: TestStore;
  beforeAll(async () => {
    s = await startTestStore();
    await s.json('PUT', '/gated');
    await s.json('PUT', '/gated/secret', { secret: 'do-not-leak' });
  });
  afterAll(async () => {
    await s.teardown();
  });

  const anonymousOrWrong: Array<[string, Record<string, string>]> = [
    ['anonymous', {}],
    ['wrong password', { authorization: basicAuth({ username: TEST_ADMIN.username, password: 'nope' }) }],
    ['wrong user', { authorization: basicAuth({ username: 'someone', password: TEST_ADMIN.password }) }],
    ['malformed header', { authorization: 'Basic !!!' }],
    ['bearer token', { authorization: 'Bearer abc' }],
    ['forged cookie', { cookie: 'AuthSession=YWRtaW4.99999999999999.forged' }],
  ];
  const withoutCredentials = new Set(['anonymous', 'forged cookie']);

  for (const [who, headers] of anonymousOrWrong) {
    // No Basic challenge, as CouchDB by default: a browser would put up its own prompt over Fauxton's sign-in form.
    it(`answers 401 without a Basic challenge to ${who} on every path`, async () => {
      for (const [method, path] of [...PATHS, ...(withoutCredentials.has(who) ? [] : PUBLIC_PATHS)]) {
        const body = method === 'POST' || method === 'PUT' ? '{"docs":[{"id":"secret"}]}' : undefined;
        const res = await fetch(s.url + path, {
          method,
          headers: { ...headers, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body }),
          redirect: 'manual',
        });
        const text = await res.text();
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.headers.get('www-authenticate'), `${method} ${path}`).toBeNull();
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(JSON.parse(text)).toMatchObject({ error: 'unauthorized' });
        expect(text).not.toContain('do-not-leak');
      }
      // Nothing was changed by the refused requests.
      expect((await s.json('GET', '/gated/secret')).body.secret).toBe('do-not-leak');
      expect((await s.json('GET', '/gated-new')).status).toBe(404);
    });
  }

  it('serves a caller without credentials Fauxton\'s files and, at GET /_session, nobody\'s context, as CouchDB does', async () => {
    for (const cookie of [undefined, 'AuthSession=YWRtaW4.99999999999999.forged']) {
      const headers: Record<string, string> = cookie ? { cookie } : {};
      const page = await fetch(`${s.url}/_utils/`, { headers });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      const redirect = await fetch(`${s.url}/_utils`, { headers, redirect: 'manual' });
      expect(redirect.status).toBe(301);
      expect(redirect.headers.get('location')).toBe('/_utils/');
      const session = await fetch(`${s.url}/_session`, { headers });
      expect(session.status).toBe(200);
      expect(await session.json()).toEqual({ ok: true, userCtx: { name: null, roles: [] }, info: { authentication_handlers: ['cookie', 'default'] } });
      expect((await fetch(`${s.url}/_utils/no-such-file.js`, { headers })).status).toBe(401);
    }
  });

  it('stays responsive after refused database deletions (the stand-in hangs otherwise)', async () => {
    await Promise.all(Array.from({ length: 5 }, () => fetch(`${s.url}/gated`, { method: 'DELETE' })));
    const info = await s.json('GET', '/gated');
    expect(info.status).toBe(200);
  });

  it('admits the admin by Basic credentials', async () => {
    const res = await s.json('GET', '/gated/secret');
    expect(res.status).toBe(200);
  });

  describe('cookie session (as Fauxton logs in)', () => {
    async function login(body: string, contentType: string): Promise<Response> {
      return fetch(`${s.url}/_session`, { method: 'POST', headers: { 'content-type': contentType }, body });
    }

    it('POST /_session with a form sets AuthSession; the cookie then admits the admin', async () => {
      const res = await login(
        `name=${TEST_ADMIN.username}&password=${encodeURIComponent(TEST_ADMIN.password)}`,
        'application/x-www-form-urlencoded',
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, name: TEST_ADMIN.username, roles: ['_admin'] });
      const setCookie = res.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/^AuthSession=[^;]+;/);
      expect(setCookie).toMatch(/HttpOnly/i);
      const cookie = setCookie.split(';')[0] ?? '';

      const session = await fetch(`${s.url}/_session`, { headers: { cookie } });
      expect(session.status).toBe(200);
      expect(await session.json()).toMatchObject({
        ok: true,
        userCtx: { name: TEST_ADMIN.username, roles: ['_admin'] },
        info: { authenticated: 'cookie' },
      });
      const doc = await fetch(`${s.url}/gated/secret`, { headers: { cookie } });
      expect(doc.status).toBe(200);
    });

    it('POST /_session with JSON works too; a tampered cookie is refused', async () => {
      const res = await login(JSON.stringify({ name: TEST_ADMIN.username, password: TEST_ADMIN.password }), 'application/json');
      expect(res.status).toBe(200);
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const value = cookie.slice('AuthSession='.length);
      const [name, expiry, signature] = value.split('.');
      const tampered = [
        `AuthSession=${name}.${Number(expiry) + 1}.${signature}`,
        `AuthSession=${Buffer.from('root').toString('base64url')}.${expiry}.${signature}`,
        `AuthSession=${name}.${expiry}.${(signature ?? '').slice(0, -2)}xx`,
      ];
      for (const bad of tampered) {
        expect((await fetch(`${s.url}/gated/secret`, { headers: { cookie: bad } })).status).toBe(401);
      }
    });

    it('a wrong password gets 401 and no cookie', async () => {
      const res = await login(JSON.stringify({ name: TEST_ADMIN.username, password: 'wrong' }), 'application/json');
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
      expect(res.headers.get('set-cookie')).toBeNull();
    });

    it('DELETE /_session clears the cookie', async () => {
      const res = await fetch(`${s.url}/_session`, { method: 'DELETE' });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toMatch(/^AuthSession=;.*Max-Age=0/);
    });
  });

  it('a security object is served as stored and replaced at once, though kept in memory between writes as CouchDB keeps it', async () => {
    await s.json('PUT', '/secured');
    const first = { members: { roles: ['patient'] } };
    expect((await s.json('PUT', '/secured/_security', first)).status).toBe(200);
    expect((await s.json('GET', '/secured/_security')).body).toEqual(first);
    // Requests in between read the object to check access: it stays as stored.
    await s.json('GET', '/secured/nothing-here');
    await s.json('GET', '/secured/_all_docs');
    expect((await s.json('GET', '/secured/_security')).body).toEqual(first);
    const second = { admins: { names: ['ops'] }, members: { roles: ['clinician'] } };
    expect((await s.json('PUT', '/secured/_security', second)).status).toBe(200);
    expect((await s.json('GET', '/secured/_security')).body).toEqual(second);
  });
});
