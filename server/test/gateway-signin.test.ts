import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuessBudget } from '../src/auth/guessBudget.js';
import {
  METRICS_AUTH,
  startTestGateway,
  TEST_PASSWORD,
  TEST_STORE_ADMIN,
  uniqueUsername,
  type Json,
  type TestGateway,
} from './support/gatewayHarness.js';
import { storeUrlWithCredentials } from '@m2m/couch';

/** Shows what an authenticated router receives. */
function echoRouter(): express.Router {
  const router = express.Router();
  router.all('/*rest', (_req, res) => {
    res.json({ userId: res.locals['userId'] });
  });
  return router;
}

const HOUR = 3_600_000;
const from = (ip: string): Record<string, string> => ({ 'x-forwarded-for': ip });

describe('login throttling that an attacker cannot turn against the owner', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({
      // The limits as deployed: 30 attempts a minute per address, 10 per minute per name on register and DELETE /me.
      AUTH_RATE_LIMIT_PER_CLIENT: '30',
      AUTH_RATE_LIMIT_PER_USERNAME: '10',
      AUTH_RATE_LIMIT_WINDOW_S: '60',
      LOGIN_GUESSES_PER_HOUR: '10',
      TRUST_PROXY: 'loopback',
      // The subject is who may guess, not the hash: the cheapest cost keeps three simulated hours quick.
      SCRYPT_LOG2_N: '10',
    });
  });

  afterAll(async () => {
    await gw?.close();
  });

  it("keeps the owner's known device signing in through three hours of guessing from many addresses, and lets the attacker 10 guesses an hour", async () => {
    const owner = await gw.register(uniqueUsername('patient'));
    expect(typeof owner.deviceToken).toBe('string');
    let deviceToken = owner.deviceToken as string;
    /** Times of the guesses that reached a password check (answered 401). */
    const checked: number[] = [];
    let address = 0;
    for (let minute = 0; minute < 180; minute += 5) {
      // Twelve guesses every five minutes, each from a new address (a botnet): 144 an hour.
      for (let i = 0; i < 12; i++) {
        address += 1;
        const guess = await gw.call('POST', '/auth/login', {
          body: { username: owner.username, password: `guess number ${address}` },
          headers: from(`10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`),
        });
        expect([401, 429]).toContain(guess.status);
        if (guess.status === 401) checked.push(gw.clock());
        else expect(Number(guess.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      const login = await gw.call('POST', '/auth/login', {
        body: { username: owner.username, password: TEST_PASSWORD, deviceToken },
        headers: from('192.0.2.10'),
      });
      expect(login.status, `owner at minute ${minute}`).toBe(200);
      expect(login.body.userId).toBe(owner.userId);
      deviceToken = login.body.deviceToken as string;
      gw.clock.advance(5 * 60_000);
    }
    // In any hour, at most 10 guesses were checked; the attacker did get them (the limit is not a lockout of all).
    for (const at of checked) {
      expect(checked.filter((other) => other > at - HOUR && other <= at).length).toBeLessThanOrEqual(10);
    }
    expect(checked.length).toBeGreaterThanOrEqual(20);
    expect(checked.length).toBeLessThanOrEqual(30);
  });

  it('puts a new device, and a device token of another username, in the guessers\' budget', async () => {
    const owner = await gw.register(uniqueUsername('owner'));
    const attacker = await gw.register(uniqueUsername('attacker'));
    for (let i = 0; i < 10; i++) {
      const guess = await gw.call('POST', '/auth/login', {
        body: { username: owner.username, password: `wrong guess ${i}!` },
        headers: from(`10.9.0.${i + 1}`),
      });
      expect(guess.status).toBe(401);
    }
    const borrowed = await gw.call('POST', '/auth/login', {
      body: { username: owner.username, password: 'wrong guess 11', deviceToken: attacker.deviceToken },
      headers: from('10.9.1.1'),
    });
    expect(borrowed.status).toBe(429);
    // The owner on a device never used before waits too (OWASP's trade-off); on the known device they get in.
    const newDevice = await gw.call('POST', '/auth/login', { body: { username: owner.username, password: TEST_PASSWORD }, headers: from('10.9.2.1') });
    expect(newDevice.status).toBe(429);
    const knownDevice = await gw.call('POST', '/auth/login', {
      body: { username: owner.username, password: TEST_PASSWORD, deviceToken: owner.deviceToken },
      headers: from('10.9.2.1'),
    });
    expect(knownDevice.status).toBe(200);
    gw.clock.advance(HOUR);
  });

  it("gives a deleted account's device no budget of its own on the account that takes the name next", async () => {
    const name = uniqueUsername('reused');
    const former = await gw.register(name);
    const deleted = await gw.call('DELETE', '/me', { token: former.accessToken, body: { password: TEST_PASSWORD } });
    expect(deleted.status).toBe(200);
    const current = await gw.register(name);
    for (let i = 0; i < 10; i++) {
      const guess = await gw.call('POST', '/auth/login', {
        body: { username: name, password: `wrong guess ${i}!` },
        headers: from(`10.7.0.${i + 1}`),
      });
      expect(guess.status).toBe(401);
    }
    // The former owner's device token names the same username, but another account: it guesses in the shared budget.
    const formerDevice = await gw.call('POST', '/auth/login', {
      body: { username: name, password: 'wrong guess 11', deviceToken: former.deviceToken },
      headers: from('10.7.1.1'),
    });
    expect(formerDevice.status).toBe(429);
    const currentDevice = await gw.call('POST', '/auth/login', {
      body: { username: name, password: TEST_PASSWORD, deviceToken: current.deviceToken },
      headers: from('10.7.1.1'),
    });
    expect(currentDevice.status).toBe(200);
    gw.clock.advance(HOUR);
  });

  it('refuses a login name longer than any account can have before a guess is counted: the budget keeps no key of 16 kB', async () => {
    for (let i = 0; i < 11; i++) {
      const guess = await gw.call('POST', '/auth/login', {
        body: { username: `${'n'.repeat(8_000)}${i % 2}`, password: `wrong guess ${i}!` },
        headers: from(`10.6.0.${i + 1}`),
      });
      expect(guess.status).toBe(400);
      expect((guess.body as Json).reason).toMatch(/username must be at most 64 characters/);
    }
  });

  it('limits wrong passwords from a known device to 10 an hour (a stolen phone guesses no faster)', async () => {
    const owner = await gw.register(uniqueUsername('phone'));
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const guess = await gw.call('POST', '/auth/login', {
        body: { username: owner.username, password: `wrong guess ${i}!`, deviceToken: owner.deviceToken },
        headers: from(`10.8.0.${i + 1}`),
      });
      statuses.push(guess.status);
    }
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429]);
    // The unknown-device budget of the name is untouched by the device's guesses.
    const elsewhere = await gw.call('POST', '/auth/login', { body: { username: owner.username, password: TEST_PASSWORD }, headers: from('10.8.1.1') });
    expect(elsewhere.status).toBe(200);
    gw.clock.advance(HOUR);
  });
});

describe('refresh tokens with a grace window', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway({ REFRESH_REUSE_GRACE_S: '30' });
  });

  afterAll(async () => {
    await gw?.close();
  });

  const refresh = (refreshToken: string) => gw.call('POST', '/auth/refresh', { body: { refreshToken } });

  it('answers a retry within the window with a fresh pair and revokes nothing', async () => {
    const user = await gw.register();
    const first = await refresh(user.refreshToken as string);
    expect(first.status).toBe(200);
    gw.clock.advance(20_000);
    const retry = await refresh(user.refreshToken as string);
    expect(retry.status).toBe(200);
    expect(retry.body.refreshToken).not.toBe(first.body.refreshToken);
    // The retry's pair works, and so does the sign-in's access token.
    expect((await gw.call('GET', '/me', { token: retry.body.accessToken })).status).toBe(200);
    expect((await refresh(retry.body.refreshToken as string)).status).toBe(200);
  });

  it('lets concurrent refreshes with one token all succeed without revoking', async () => {
    const user = await gw.register();
    const answers = await Promise.all([1, 2, 3].map(() => refresh(user.refreshToken as string)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const last = answers[2]?.body as Json;
    expect((await gw.call('GET', '/me', { token: last.accessToken })).status).toBe(200);
  });

  it('still revokes the sign-in when a replaced token comes back after the window', async () => {
    const user = await gw.register();
    const next = await refresh(user.refreshToken as string);
    gw.clock.advance(31_000);
    const replay = await refresh(user.refreshToken as string);
    expect(replay.status).toBe(401);
    expect(replay.body.reason).toMatch(/already used/);
    expect((await refresh(next.body.refreshToken as string)).status).toBe(401);
  });
});

describe('ending a sign-in ends its access tokens', () => {
  let gw: TestGateway;
  let other: TestGateway | undefined;

  beforeAll(async () => {
    gw = await startTestGateway({ REFRESH_REUSE_GRACE_S: '30' }, { routers: () => ({ sync: echoRouter(), api: echoRouter() }) });
  });

  afterAll(async () => {
    await other?.close();
    await gw?.close();
  });

  async function statuses(token: string): Promise<number[]> {
    const answers = [];
    for (const path of ['/me', '/sync/sessions/', '/api/progress']) answers.push((await gw.call('GET', path, { token })).status);
    return answers;
  }

  it('refuses the access token at once after logout, and keeps the user\'s other sign-ins', async () => {
    const user = await gw.register();
    const second = await gw.call('POST', '/auth/login', { body: { username: user.username, password: TEST_PASSWORD } });
    expect(await statuses(user.accessToken as string)).toEqual([200, 200, 200]);
    expect((await gw.call('POST', '/auth/logout', { body: { refreshToken: user.refreshToken } })).status).toBe(200);
    expect(await statuses(user.accessToken as string)).toEqual([401, 401, 401]);
    const refused = await gw.call('GET', '/me', { token: user.accessToken });
    expect(refused.body.reason).toMatch(/sign-in has ended/);
    expect(await statuses(second.body.accessToken as string)).toEqual([200, 200, 200]);
  });

  it('refuses every access token of the sign-in at once when reuse is detected', async () => {
    const user = await gw.register();
    const next = await gw.call('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    expect(await statuses(next.body.accessToken as string)).toEqual([200, 200, 200]);
    gw.clock.advance(31_000);
    expect((await gw.call('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } })).status).toBe(401);
    expect(await statuses(user.accessToken as string)).toEqual([401, 401, 401]);
    expect(await statuses(next.body.accessToken as string)).toEqual([401, 401, 401]);
  });

  it('reaches another gateway process over the same store within 5 s', async () => {
    const adminUrl = storeUrlWithCredentials(gw.gateway.storeUrl, TEST_STORE_ADMIN);
    other = await startTestGateway({ COUCHDB_URL: adminUrl });
    const user = await gw.register();
    expect((await other.call('GET', '/me', { token: user.accessToken })).status).toBe(200);
    expect((await gw.call('POST', '/auth/logout', { body: { refreshToken: user.refreshToken } })).status).toBe(200);
    other.clock.advance(5_000);
    expect((await other.call('GET', '/me', { token: user.accessToken })).status).toBe(401);
  });
});

describe('answers that carry tokens', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway();
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('say Cache-Control: no-store on register, login, refresh and their refusals', async () => {
    const username = uniqueUsername('cache');
    const register = await gw.call('POST', '/auth/register', { body: { username, password: TEST_PASSWORD } });
    const login = await gw.call('POST', '/auth/login', { body: { username, password: TEST_PASSWORD } });
    const refresh = await gw.call('POST', '/auth/refresh', { body: { refreshToken: login.body.refreshToken } });
    const refused = await gw.call('POST', '/auth/login', { body: { username, password: 'not the password' } });
    expect([register.status, login.status, refresh.status, refused.status]).toEqual([201, 200, 200, 401]);
    for (const answer of [register, login, refresh, refused]) expect(answer.headers.get('cache-control')).toBe('no-store');
  });
});

describe('GET /metrics', () => {
  let open: TestGateway;

  beforeAll(async () => {
    open = await startTestGateway({ METRICS_TOKEN: undefined });
  });

  afterAll(async () => {
    await open?.close();
  });

  it('does not exist without METRICS_TOKEN', async () => {
    const answer = await open.call('GET', '/metrics');
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ error: 'not_found', code: 'metrics_off' });
    expect(answer.text).not.toContain('m2m_gateway_');
  });

  it('needs the configured bearer token', async () => {
    const gw = await startTestGateway();
    try {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789-abcdefghijklmnop' }, { authorization: 'Basic eDp5' }]) {
        const answer = await gw.call('GET', '/metrics', { headers });
        expect(answer.status).toBe(401);
        expect(answer.text).not.toContain('m2m_gateway_');
      }
      const answer = await gw.call('GET', '/metrics', { headers: METRICS_AUTH });
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('m2m_gateway_http_requests_total');
    } finally {
      await gw.close();
    }
  });
});

describe('password hashing cost', () => {
  it('hashes new passwords with scrypt N=2^17, r=8, p=1 by default, and upgrades a weaker hash at the next login', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'm2m-scrypt-'));
    try {
      const weak = await startTestGateway({ SCRYPT_LOG2_N: '14' }, { dataDir });
      const user = await weak.register();
      const accountPath = `/gwt-accounts/${encodeURIComponent(`account:${user.userId}`)}`;
      expect((await weak.store('GET', accountPath)).body.password).toMatchObject({ N: 2 ** 14, r: 8, p: 1 });
      await weak.close();

      const strong = await startTestGateway({ SCRYPT_LOG2_N: undefined }, { dataDir });
      try {
        const fresh = await strong.register();
        const freshDoc = await strong.store('GET', `/gwt-accounts/${encodeURIComponent(`account:${fresh.userId}`)}`);
        expect(freshDoc.body.password).toMatchObject({ N: 2 ** 17, r: 8, p: 1 });

        const wrong = await strong.call('POST', '/auth/login', { body: { username: user.username, password: 'not the password' } });
        expect(wrong.status).toBe(401);
        expect((await strong.store('GET', accountPath)).body.password.N).toBe(2 ** 14);
        const login = await strong.call('POST', '/auth/login', { body: { username: user.username, password: TEST_PASSWORD } });
        expect(login.status).toBe(200);
        const upgraded = (await strong.store('GET', accountPath)).body.password;
        expect(upgraded).toMatchObject({ N: 2 ** 17, r: 8, p: 1 });
        const again = await strong.call('POST', '/auth/login', { body: { username: user.username, password: TEST_PASSWORD } });
        expect(again.status).toBe(200);
      } finally {
        await strong.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('guess budget memory and window', () => {
  it('keeps at most maxKeys keys, counts over a sliding hour, and gives back a right guess', () => {
    let now = 0;
    const budget = new GuessBudget(2, HOUR, () => now, 100);
    for (let i = 0; i < 1_000; i++) budget.take(`attacker-${i}`);
    expect(budget.size).toBeLessThanOrEqual(100);
    expect(budget.take('victim')).toEqual({ allowed: true });
    now += 30 * 60_000;
    expect(budget.take('victim')).toEqual({ allowed: true });
    // Two in the last hour: the third waits until the first is an hour old, not for a fixed window's end.
    expect(budget.take('victim')).toEqual({ allowed: false, retryAfterS: 1800 });
    now += 30 * 60_000;
    expect(budget.take('victim')).toEqual({ allowed: true });
    budget.giveBack('victim');
    expect(budget.take('victim')).toEqual({ allowed: true });
    expect(budget.take('victim')).toEqual({ allowed: false, retryAfterS: 1800 });
  });
});

describe('account deletion', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway();
  });

  afterAll(async () => {
    await gw?.close();
  });

  /** Every revision the store admin can name for a document: the current one and those in its history. */
  async function revisionsOf(id: string): Promise<string[]> {
    const answer = await gw.store('GET', `/gwt-accounts/${encodeURIComponent(id)}?revs_info=true`);
    expect(answer.status, id).toBe(200);
    return (answer.body._revs_info as { rev: string }[]).map((info) => info.rev);
  }

  it('leaves nothing: no account, name or refresh token document, no revision of them, no database', async () => {
    const user = await gw.register(uniqueUsername('leaving'));
    // More revisions and documents: a second sign-in, a rotation, a logout.
    const second = await gw.call('POST', '/auth/login', { body: { username: user.username, password: TEST_PASSWORD } });
    await gw.call('POST', '/auth/refresh', { body: { refreshToken: user.refreshToken } });
    await gw.call('POST', '/auth/logout', { body: { refreshToken: second.body.refreshToken } });
    const all = await gw.store('GET', '/gwt-accounts/_all_docs');
    const ids = (all.body.rows as { id: string }[]).map((row) => row.id).filter((id) => id.includes(user.userId as string) || id.includes(user.username as string));
    expect(ids.length).toBe(4); // account, username, two sign-ins
    const revisions = new Map<string, string[]>();
    for (const id of ids) revisions.set(id, await revisionsOf(id));
    expect([...revisions.values()].flat().length).toBeGreaterThan(4);

    expect((await gw.call('DELETE', '/me', { token: user.accessToken, body: { password: TEST_PASSWORD } })).status).toBe(200);

    for (const [id, revs] of revisions) {
      expect((await gw.store('GET', `/gwt-accounts/${encodeURIComponent(id)}`)).status, id).toBe(404);
      for (const rev of revs) {
        const old = await gw.store('GET', `/gwt-accounts/${encodeURIComponent(id)}?rev=${rev}`);
        expect(old.status, `${id} ${rev}`).toBe(404);
      }
    }
    const rows = (await gw.store('POST', '/gwt-accounts/_all_docs', { keys: ids })).body.rows as Json[];
    for (const row of rows) expect(row.error, row.key).toBe('not_found');
    const changes = await gw.store('GET', '/gwt-accounts/_changes?style=all_docs');
    expect(changes.text).not.toContain(user.userId);
    expect(changes.text).not.toContain(user.username);
    for (const db of ['sessions', 'progress']) expect((await gw.store('GET', `/gwt-u-${user.userId}-${db}`)).status).toBe(404);
  });
});
