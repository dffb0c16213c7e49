import { createServer, type Socket } from 'node:net';
import { ERROR_CATALOGUE, ERROR_CODES, isErrorCode, type ErrorCode } from '@m2m/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD, uniqueUsername, type Answer } from './support/gatewayHarness.js';
import { couchSession } from './support/proxySessions.js';
import { startProxyWorld, type ProxyUser, type ProxyWorld } from './support/proxyWorld.js';

/** Codes this file cannot provoke, and the test that checks each one's answer instead. */
const CHECKED_ELSEWHERE: Partial<Record<ErrorCode, string>> = {
  internal_error: 'gateway-http.test.ts (a route that throws)',
  metrics_off: 'gateway-signin.test.ts (a gateway without METRICS_TOKEN)',
  invitation_invalid: 'care-accounts.test.ts (unknown, used and expired invitations)',
  share_code_invalid: 'care-accounts.test.ts (wrong, used and expired share codes)',
  link_not_found: 'care-accounts.test.ts (revoking a link that never was)',
  wrong_role: 'care-accounts.test.ts (each role kept to its own routes)',
};

const DAY_MS = 86_400_000;
const SESSION_ID = (n: number): string => `ses_${String(n).padStart(26, '0')}`;

describe('error codes on the wire', () => {
  let world: ProxyWorld;
  const seen = new Set<ErrorCode>();

  /** Checks an answer against the catalogue: status, CouchDB error, code, reason and request id, nothing else. */
  function expectCode(answer: { status: number; body: unknown; headers?: Headers }, code: ErrorCode): void {
    const body = answer.body as Record<string, unknown>;
    expect(body, JSON.stringify(body)).toMatchObject({ code, reason: expect.any(String), requestId: expect.any(String) });
    expect(Object.keys(body).sort()).toEqual(['code', 'error', 'reason', 'requestId']);
    const spec = ERROR_CATALOGUE[code];
    if (spec.status === 'store') expect(answer.status).toBeGreaterThanOrEqual(400);
    else expect(answer.status, code).toBe(spec.status);
    if (spec.error !== 'store') expect(body['error'], code).toBe(spec.error);
    seen.add(code);
  }

  const call = (method: string, path: string, options: { body?: unknown; token?: string; headers?: Record<string, string> } = {}): Promise<Answer> =>
    world.gateway.call(method, path, options);

  beforeAll(async () => {
    world = await startProxyWorld({
      QUOTA_STORED_BYTES: '100000',
      QUOTA_LOCAL_DOCS: '1',
      QUOTA_LOCAL_BYTES: '2048',
      QUOTA_SYNC_REQUESTS_PER_S: '1',
      QUOTA_SYNC_BURST: '30',
      LOGIN_GUESSES_PER_HOUR: '2',
      REFRESH_REUSE_GRACE_S: '0',
      STORE_TIMEOUT_MS: '3000',
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('names requests it cannot read or route', async () => {
    expectCode(await call('POST', '/auth/login', { body: '{"username": ', headers: { 'content-type': 'application/json' } }), 'body_unreadable');
    expectCode(await call('POST', '/auth/login', { body: { username: 'x', password: 'p'.repeat(20_000) } }), 'body_too_large');
    expectCode(await call('POST', '/auth/login', { body: '{}', headers: { 'content-type': 'application/json', 'content-encoding': 'compress' } }), 'body_unsupported');
    expectCode(await call('POST', '/auth/register', { body: { username: 'ab' } }), 'invalid_request');
    expectCode(await call('GET', '/no/such/route'), 'route_not_found');
    expectCode(await call('GET', '/metrics', { headers: { authorization: 'Bearer not-the-token' } }), 'metrics_token_refused');

    const user = await world.newUser();
    expectCode(await user.json('GET', '/sync/elsewhere/'), 'route_not_found');
    expectCode(await user.json('PATCH', '/sync/sessions/', {}), 'method_not_allowed');
    expectCode(await user.json('GET', '/sync/sessions/_changes?limit=many'), 'invalid_request');
    expectCode(await user.json('POST', '/sync/sessions/_bulk_docs', { docs: Array.from({ length: 1001 }, () => ({})) }), 'too_many_entries');
  });

  it('names each refusal of a sign-in and of a token', async () => {
    const username = uniqueUsername('codes');
    const first = await world.gateway.register(username);
    expectCode(await call('POST', '/auth/register', { body: { username, password: TEST_PASSWORD } }), 'username_taken');

    expectCode(await call('POST', '/auth/login', { body: { username, password: 'not the password' } }), 'credentials_incorrect');
    let limited: Answer | undefined;
    for (let attempt = 0; attempt < 5 && limited === undefined; attempt++) {
      const answer = await call('POST', '/auth/login', { body: { username, password: 'not the password' } });
      if (answer.status === 429) limited = answer;
      else expectCode(answer, 'credentials_incorrect');
    }
    expectCode(limited ?? { status: 0, body: {} }, 'too_many_attempts');

    expectCode(await call('DELETE', '/me', { token: first.accessToken, body: { password: 'not the password' } }), 'password_incorrect');
    expectCode(await call('GET', '/me'), 'access_token_required');
    expectCode(await call('GET', '/me', { headers: { authorization: 'Bearer a.b.c' } }), 'access_token_invalid');
    expectCode(await call('POST', '/auth/refresh', { body: { refreshToken: 'not-a-refresh-token' } }), 'refresh_token_invalid');

    // A refresh token presented again after its (zero) grace window ends the whole sign-in.
    const rotated = await call('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(rotated.status).toBe(200);
    world.gateway.clock.advance(1_000);
    expectCode(await call('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } }), 'refresh_token_reused');
    expectCode(await call('GET', '/me', { token: rotated.body.accessToken }), 'sign_in_ended');

    const loggedOut = await world.gateway.register();
    expect((await call('POST', '/auth/logout', { body: { refreshToken: loggedOut.refreshToken } })).status).toBe(200);
    expectCode(await call('POST', '/auth/refresh', { body: { refreshToken: loggedOut.refreshToken } }), 'refresh_token_revoked');

    const deleted = await world.gateway.register();
    expect((await call('DELETE', '/me', { token: deleted.accessToken, body: { password: TEST_PASSWORD } })).status).toBe(200);
    expectCode(await call('GET', '/me', { token: deleted.accessToken }), 'account_deleted');
  });

  it('names what the replication proxy and the REST routes refuse', async () => {
    const user = await world.newUser();
    expectCode(await user.json('GET', '/sync/sessions/_design/x'), 'request_refused');
    expectCode(await user.json('POST', '/sync/progress/_bulk_docs', { docs: [] }), 'database_read_only');
    expectCode(await user.json('PUT', `/sync/sessions/${SESSION_ID(1)}`, { type: 'session' }), 'document_invalid');

    // In a _bulk_docs answer the refused document's row carries the code; the batch is a 201.
    const big = couchSession(31, 150); // over the 100000-byte quota on its own
    const bulk = await user.json('POST', '/sync/sessions/_bulk_docs', { docs: [{ _id: SESSION_ID(2) }, big] });
    expect(bulk.status).toBe(201);
    expect(bulk.body).toEqual([
      { id: SESSION_ID(2), error: 'forbidden', reason: expect.any(String), code: 'document_invalid' },
      { id: big._id, error: 'forbidden', reason: expect.stringContaining('quota'), code: 'quota_stored_bytes' },
    ]);
    for (const row of bulk.body) expect(isErrorCode(row.code)).toBe(true);
    expectCode(await user.json('PUT', `/sync/sessions/${big._id}`, big), 'quota_stored_bytes');

    expectCode(await user.json('PUT', '/sync/sessions/_local/big', { note: 'x'.repeat(3000) }), 'quota_local_bytes');
    expect((await user.json('PUT', '/sync/sessions/_local/one', { note: 'checkpoint' })).status).toBe(201);
    expectCode(await user.json('PUT', '/sync/sessions/_local/two', { note: 'checkpoint' }), 'quota_local_docs');

    const session = couchSession(32, 10);
    expect((await user.json('POST', '/api/sessions', session)).status).toBe(201);
    expectCode(await user.json('POST', '/api/sessions', { ...session, score: (session['score'] as number) + 1 }), 'session_conflict');

    // The store's own verdict passes on with its status and error, under one code.
    expect((await world.store.json('DELETE', `/${user.dbs.progress}`)).status).toBe(200);
    const missing = await user.json('GET', '/api/progress');
    expectCode(missing, 'store_refused');
    expect(missing).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('names the per-user request quotas', async () => {
    const feeds = await world.newUser();
    const controllers = Array.from({ length: 10 }, () => new AbortController());
    try {
      const open = await Promise.all(controllers.map((c) => feeds.fetch('/sync/sessions/_changes?feed=longpoll&since=now&timeout=60000', { signal: c.signal })));
      expect(open.map((r) => r.status)).toEqual(open.map(() => 200));
      expectCode(await feeds.json('GET', '/sync/sessions/_changes?feed=longpoll&since=now&timeout=60000'), 'too_many_feeds');
    } finally {
      for (const c of controllers) c.abort();
    }

    const busy: ProxyUser = await world.newUser();
    const answers = await Promise.all(Array.from({ length: 40 }, () => busy.json('GET', '/sync/sessions/')));
    const limited = answers.filter((a) => a.status !== 200);
    expect(limited.length).toBeGreaterThan(0);
    for (const answer of limited) expectCode(answer, 'sync_rate_exceeded');
  });

  it('names the access token expiry, then a store that is down or silent', async () => {
    const user = await world.gateway.register();
    world.gateway.clock.advance(31 * DAY_MS);
    expectCode(await call('GET', '/me', { token: user.accessToken }), 'access_token_expired');
    expectCode(await call('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } }), 'refresh_token_expired');

    const fresh = await world.newUser();
    expect((await fresh.json('GET', '/sync/sessions/')).status).toBe(200); // the account check is now cached
    const port = world.store.store.port;
    await world.store.store.close();
    expectCode(await fresh.json('GET', '/sync/sessions/'), 'store_failed');
    expectCode(await call('GET', '/ready'), 'not_ready');
    expectCode(await call('POST', '/auth/login', { body: { username: uniqueUsername(), password: TEST_PASSWORD } }), 'store_unavailable');

    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    try {
      expectCode(await fresh.json('GET', '/sync/sessions/_all_docs'), 'store_timeout');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('has sent every code of the catalogue (the rest are checked where noted)', () => {
    const unseen = ERROR_CODES.filter((code) => !seen.has(code) && CHECKED_ELSEWHERE[code] === undefined);
    expect(unseen).toEqual([]);
    for (const code of Object.keys(CHECKED_ELSEWHERE)) expect(seen.has(code as ErrorCode), `${code} is listed as checked elsewhere`).toBe(false);
  });
});
