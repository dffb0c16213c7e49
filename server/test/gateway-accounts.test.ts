import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userDatabases } from '../src/accounts/userDatabases.js';
import { startTestGateway, TEST_PASSWORD, uniqueUsername, type Json, type TestGateway } from './support/gatewayHarness.js';
import { ADMIN_ONLY_SECURITY } from '@m2m/couch';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterAll(async () => {
  await gw?.close();
});

async function databaseNames(): Promise<string[]> {
  return (await gw.store('GET', '/_all_dbs')).body as string[];
}

describe('accounts', () => {
  it('registers, answers tokens, and provisions two admin-only databases', async () => {
    const username = uniqueUsername('alice');
    const answer = await gw.call('POST', '/auth/register', { body: { username, password: TEST_PASSWORD } });
    expect(answer.status).toBe(201);
    expect(Object.keys(answer.body).sort()).toEqual(['accessToken', 'deviceToken', 'expiresIn', 'refreshToken', 'role', 'userId']);
    expect(answer.body.userId).toMatch(/^[a-z2-7]{26}$/);
    expect(answer.body.expiresIn).toBe(900);
    expect(typeof answer.body.accessToken).toBe('string');
    expect(typeof answer.body.refreshToken).toBe('string');

    const names = userDatabases('gwt-', answer.body.userId);
    expect(names).toEqual({
      sessions: `gwt-u-${answer.body.userId}-sessions`,
      progress: `gwt-u-${answer.body.userId}-progress`,
    });
    for (const name of Object.values(names)) {
      const info = await gw.store('GET', `/${name}`);
      expect(info.status).toBe(200);
      const security = await gw.store('GET', `/${name}/_security`);
      expect(security.body).toEqual(ADMIN_ONLY_SECURITY);
    }

    const me = await gw.call('GET', '/me', { token: answer.body.accessToken });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ userId: answer.body.userId, username, role: 'patient', createdAt: expect.any(String) });
  });

  it('gives different users different ids and never stores the password in clear', async () => {
    const a = await gw.register();
    const b = await gw.register();
    expect(a.userId).not.toBe(b.userId);
    const account = await gw.store('GET', `/gwt-accounts/${encodeURIComponent(`account:${a.userId}`)}`);
    expect(account.status).toBe(200);
    expect(account.text).not.toContain(TEST_PASSWORD);
    expect(account.body.password).toMatchObject({ scheme: 'scrypt', salt: expect.any(String), hash: expect.any(String) });
    const other = await gw.store('GET', `/gwt-accounts/${encodeURIComponent(`account:${b.userId}`)}`);
    expect(other.body.password.salt).not.toBe(account.body.password.salt);
  });

  it('answers 409 for a taken username', async () => {
    const user = await gw.register();
    const again = await gw.call('POST', '/auth/register', { body: { username: user.username, password: 'another password!' } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'conflict', requestId: expect.any(String) });
  });

  it('lets exactly one of concurrent registrations of one name win, and leaves no databases from the others', async () => {
    const username = uniqueUsername('race');
    const before = (await databaseNames()).length;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => gw.call('POST', '/auth/register', { body: { username, password: TEST_PASSWORD } })),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    expect((await databaseNames()).length).toBe(before + 2);
    const winner = answers.find((a) => a.status === 201)?.body as Json;
    const login = await gw.call('POST', '/auth/login', { body: { username, password: TEST_PASSWORD } });
    expect(login.body.userId).toBe(winner.userId);
  });

  it('logs in with the right password and gives the same 401 for a wrong password and an unknown user', async () => {
    const user = await gw.register();
    const ok = await gw.call('POST', '/auth/login', { body: { username: user.username, password: TEST_PASSWORD } });
    expect(ok.status).toBe(200);
    expect(ok.body.userId).toBe(user.userId);
    expect(ok.body.refreshToken).not.toBe(user.refreshToken);

    const wrong = await gw.call('POST', '/auth/login', { body: { username: user.username, password: 'not the password' } });
    const unknown = await gw.call('POST', '/auth/login', { body: { username: uniqueUsername('ghost'), password: 'not the password' } });
    const malformedName = await gw.call('POST', '/auth/login', { body: { username: '../Admin', password: 'not the password' } });
    for (const answer of [wrong, unknown, malformedName]) {
      expect(answer.status).toBe(401);
      expect(answer.headers.get('content-type')).toMatch(/application\/json/);
    }
    const strip = (body: Json): Json => ({ ...body, requestId: undefined });
    expect(strip(unknown.body)).toEqual(strip(wrong.body));
    expect(strip(malformedName.body)).toEqual(strip(wrong.body));
    expect(wrong.body.requestId).not.toBe(unknown.body.requestId);
  });

  it.each([
    [{ username: 'ab', password: TEST_PASSWORD }, /username/],
    [{ username: 'x'.repeat(65), password: TEST_PASSWORD }, /username/],
    [{ username: 'Alice', password: TEST_PASSWORD }, /username/],
    [{ username: 'a/b/c', password: TEST_PASSWORD }, /username/],
    [{ username: '..%2Fadmin', password: TEST_PASSWORD }, /username/],
    [{ username: 'bad name', password: TEST_PASSWORD }, /username/],
    [{ username: 'ok-name', password: 'short' }, /password/],
    [{ username: 'ok-name', password: '🙂🙂🙂🙂🙂🙂🙂🙂🙂' }, /password/], // 9 characters, 18 UTF-16 units
    [{ username: 'ok-name', password: 'p'.repeat(1025) }, /password/],
    [{ username: 42, password: TEST_PASSWORD }, /username must be a string/],
    [{ username: 'ok-name', password: ['a', 'b'] }, /password must be a string/],
    [{ password: TEST_PASSWORD }, /username is required/],
    [{ username: 'ok-name' }, /password is required/],
  ])('refuses registration %j with 400', async (body, reason) => {
    const answer = await gw.call('POST', '/auth/register', { body });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('bad_request');
    expect(answer.body.reason).toMatch(reason);
  });

  it('accepts the edges of the username and password rules', async () => {
    const short = await gw.call('POST', '/auth/register', {
      body: { username: `a.${process.pid % 10}`, password: '🙂'.repeat(10) },
    });
    expect([201, 409]).toContain(short.status); // 409 when an earlier run in this process took it
    const long = await gw.call('POST', '/auth/register', {
      body: { username: `${uniqueUsername('x')}_${'y'.repeat(40)}`.slice(0, 64), password: '0123456789' },
    });
    expect(long.status).toBe(201);
  });

  it('deletes the account with its password: databases gone, tokens and login refused, name free again', async () => {
    const user = await gw.register();
    const names = Object.values(userDatabases('gwt-', user.userId));
    expect((await databaseNames())).toEqual(expect.arrayContaining(names));

    const wrong = await gw.call('DELETE', '/me', { token: user.accessToken, body: { password: 'not the password' } });
    expect(wrong.status).toBe(401);
    const missing = await gw.call('DELETE', '/me', { token: user.accessToken, body: {} });
    expect(missing.status).toBe(400);
    const anonymous = await gw.call('DELETE', '/me', { body: { password: TEST_PASSWORD } });
    expect(anonymous.status).toBe(401);

    const deleted = await gw.call('DELETE', '/me', { token: user.accessToken, body: { password: TEST_PASSWORD } });
    expect(deleted.status).toBe(200);
    const remaining = await databaseNames();
    for (const name of names) {
      expect(remaining).not.toContain(name);
      expect((await gw.store('GET', `/${name}`)).status).toBe(404);
    }

    expect((await gw.call('GET', '/me', { token: user.accessToken })).status).toBe(401);
    const refresh = await gw.call('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(refresh.status).toBe(401);
    const login = await gw.call('POST', '/auth/login', { body: { username: user.username, password: TEST_PASSWORD } });
    expect(login.status).toBe(401);
    const families = await gw.store(
      'GET',
      `/gwt-accounts/_all_docs?startkey=${encodeURIComponent(JSON.stringify(`refresh:${user.userId}:`))}&endkey=${encodeURIComponent(JSON.stringify(`refresh:${user.userId}:\ufff0`))}`,
    );
    expect(families.body.rows).toEqual([]);

    const again = await gw.register(user.username);
    expect(again.userId).not.toBe(user.userId);
  });

  it('takes over a name whose account vanished (a crash between steps)', async () => {
    const user = await gw.register();
    const accountPath = `/gwt-accounts/${encodeURIComponent(`account:${user.userId}`)}`;
    const account = await gw.store('GET', accountPath);
    expect((await gw.store('DELETE', `${accountPath}?rev=${account.body._rev}`)).status).toBe(200);
    const answer = await gw.call('POST', '/auth/register', { body: { username: user.username, password: TEST_PASSWORD } });
    expect(answer.status).toBe(201);
    expect(answer.body.userId).not.toBe(user.userId);
  });
});
