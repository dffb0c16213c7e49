import { ACCESS_TOKEN_REFUSALS, ERROR_CATALOGUE, REFRESH_REFUSALS } from '@m2m/contract';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE as SDK_CATALOGUE, GatewayError, M2MError } from '@m2m/mobile-sdk';
import { newClient, uniqueName } from './support/clients.js';
import { startSystem, type TestSystem } from './support/system.js';

const PASSWORD = 'correct horse battery';

/**
 * A `fetch` that records the paths asked for, keeps the refresh tokens the
 * gateway hands out, and puts every error's `reason` into other words: the
 * SDK must act the same whatever the text says.
 */
function observingFetch() {
  const requested: string[] = [];
  const refreshTokens: string[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    requested.push(`${init?.method ?? 'GET'} ${url.pathname}`);
    const response = await fetch(input, init);
    if (!url.pathname.startsWith('/auth/') && !url.pathname.startsWith('/me')) return response;
    const body = (await response.json()) as Record<string, unknown>;
    if (typeof body['refreshToken'] === 'string') refreshTokens.push(body['refreshToken']);
    if (typeof body['reason'] === 'string') body['reason'] = 'in anderen Worten';
    return Response.json(body, { status: response.status });
  };
  return { fetch: fetchImpl, requested, refreshTokens };
}

describe('the SDK decides on the gateway\'s codes', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startSystem({ worker: false });
  });
  afterAll(async () => {
    await system?.close();
  });

  it('acts only on codes of the catalogue, which it offers to apps', () => {
    for (const code of [...ACCESS_TOKEN_REFUSALS, ...REFRESH_REFUSALS]) expect([400, 401], code).toContain(ERROR_CATALOGUE[code].status);
    expect(SDK_CATALOGUE).toBe(ERROR_CATALOGUE);
  });

  it('hands the code on in GatewayError, and does not refresh the token for a wrong password', async () => {
    const observed = observingFetch();
    const client = await newClient(system.gatewayUrl, { fetch: observed.fetch });
    const other = await newClient(system.gatewayUrl);
    try {
      const username = uniqueName();
      const { userId } = await client.register(username, PASSWORD);
      await expect(other.register(username, PASSWORD)).rejects.toMatchObject({ status: 409, code: 'username_taken', error: 'conflict' });
      await expect(other.login(username, 'not the password')).rejects.toMatchObject({ status: 401, code: 'credentials_incorrect' });

      const refused = client.deleteAccount('not the password');
      await expect(refused).rejects.toBeInstanceOf(GatewayError);
      await expect(refused).rejects.toMatchObject({ status: 401, code: 'password_incorrect', error: 'unauthorized', reason: 'in anderen Worten' });
      expect(observed.requested.filter((r) => r === 'POST /auth/refresh')).toEqual([]);
      expect(client.user()?.userId).toBe(userId);
    } finally {
      await other.close();
      await client.close();
    }
  });

  it('refreshes an expired access token once and sends the request again', async () => {
    const observed = observingFetch();
    const client = await newClient(system.gatewayUrl, { fetch: observed.fetch });
    try {
      await client.register(uniqueName(), PASSWORD);
      system.clock.offsetMs = 2 * 3600_000; // access_token_expired; the refresh token still holds
      await client.deleteAccount(PASSWORD);
      expect(observed.requested.filter((r) => r === 'POST /auth/refresh')).toHaveLength(1);
      expect(client.user()).toBeNull();
    } finally {
      system.clock.offsetMs = 0;
      await client.close();
    }
  });

  it('ends the sign-in without asking for a refresh once the account is deleted (from another device)', async () => {
    const observed = observingFetch();
    const client = await newClient(system.gatewayUrl, { fetch: observed.fetch });
    try {
      const username = uniqueName();
      await client.register(username, PASSWORD);
      const json = { 'content-type': 'application/json' };
      const elsewhere = await fetch(`${system.gatewayUrl}/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username, password: PASSWORD }) });
      const { accessToken } = (await elsewhere.json()) as { accessToken: string };
      const removed = await fetch(`${system.gatewayUrl}/me`, { method: 'DELETE', headers: { ...json, authorization: `Bearer ${accessToken}` }, body: JSON.stringify({ password: PASSWORD }) });
      expect(removed.status).toBeLessThan(300);

      const refused = client.deleteAccount(PASSWORD);
      await expect(refused).rejects.toMatchObject({ code: 'auth_required' });
      expect((await firstValueFrom(client.syncStatus$())).authRequired).toBe(true);
      // A refresh could only be refused the same way: none is sent, by this request or by the replication beside it.
      expect(observed.requested.filter((r) => r === 'POST /auth/refresh')).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('asks for a new login when the sign-in has ended elsewhere (sign_in_ended, then refresh_token_revoked)', async () => {
    const observed = observingFetch();
    const client = await newClient(system.gatewayUrl, { fetch: observed.fetch });
    try {
      const { userId } = await client.register(uniqueName(), PASSWORD);
      const [refreshToken] = observed.refreshTokens;
      const logout = await fetch(`${system.gatewayUrl}/auth/logout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken }) });
      expect(logout.status).toBe(200);

      const refused = client.deleteAccount(PASSWORD);
      await expect(refused).rejects.toBeInstanceOf(M2MError);
      await expect(refused).rejects.toMatchObject({ code: 'auth_required' });
      expect(observed.requested.filter((r) => r === 'POST /auth/refresh')).toHaveLength(1);
      expect((await firstValueFrom(client.syncStatus$())).authRequired).toBe(true);
      expect(client.user()?.userId).toBe(userId);
    } finally {
      await client.close();
    }
  });
});
