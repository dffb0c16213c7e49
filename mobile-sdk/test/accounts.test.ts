import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { firstValueFrom } from 'rxjs';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError, M2MError, NotSignedInError } from '@m2m/mobile-sdk';
import { newClient, recordingInput, uniqueName, waitFor } from './support/clients.js';
import { startSystem, type TestSystem } from './support/system.js';

const PASSWORD = 'correct horse battery';
const DAY_MS = 86_400_000;

describe('sign-in on the device', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startSystem();
  });
  afterAll(async () => {
    await system?.close();
  });

  it('stays signed in across an app restart and records offline', async () => {
    // IndexedDB (fake-indexeddb in Node) keeps its data between two clients of one realm, as a phone does between launches.
    const storage = () => getRxStorageDexie({ indexedDB, IDBKeyRange });
    const name = `restart${process.pid}`;
    const first = await newClient(system.gatewayUrl, { storage: storage(), name });
    const user = await first.register(uniqueName(), PASSWORD);
    await first.close();

    await system.stopGateway();
    const second = await newClient(system.gatewayUrl, { storage: storage(), name });
    try {
      expect(second.user()).toEqual(user);
      const session = await second.recordSession(recordingInput({ seed: 7 }));
      expect((await waitFor(second.analysis$(session.id), (a) => a !== null, 'provisional analysis'))?.source).toBe('device');
      await system.startGateway();
      await waitFor(second.syncStatus$(), (s) => s.pendingUploads === 0 && s.online, 'upload after the restart');
      expect((await waitFor(second.analysis$(session.id), (a) => a?.source === 'server', 'server analysis'))?.status).toBe('ok');
    } finally {
      await second.close();
    }
  });

  it('refreshes an access token that expired during a long offline period', async () => {
    const requested: string[] = [];
    const counting: typeof fetch = (input, init) => {
      requested.push(new URL(String(input instanceof Request ? input.url : input)).pathname);
      return fetch(input, init);
    };
    const client = await newClient(system.gatewayUrl, { fetch: counting });
    try {
      await client.register(uniqueName(), PASSWORD);
      await system.stopGateway();
      const session = await client.recordSession(recordingInput({ seed: 8 }));
      // Two hours later: the 15-minute access token has expired, the 30-day refresh token has not.
      system.clock.offsetMs = 2 * 3600_000;
      await system.startGateway();
      await waitFor(client.syncStatus$(), (s) => s.pendingUploads === 0 && s.online, 'upload with a refreshed token');
      expect((await waitFor(client.analysis$(session.id), (a) => a?.source === 'server', 'server analysis'))?.sessionId).toBe(session.id);
      expect((await firstValueFrom(client.syncStatus$())).authRequired).toBe(false);
      // One refresh, shared by the requests that met the expired token.
      expect(requested.filter((p) => p === '/auth/refresh')).toHaveLength(1);
    } finally {
      system.clock.offsetMs = 0;
      await client.close();
    }
  });

  it('asks for a new login when the refresh token is refused, keeping what was recorded', async () => {
    const client = await newClient(system.gatewayUrl);
    try {
      const username = uniqueName();
      await client.register(username, PASSWORD);
      system.clock.offsetMs = 40 * DAY_MS;
      const session = await client.recordSession(recordingInput({ seed: 9 }));
      const status = await waitFor(client.syncStatus$(), (s) => s.authRequired, 'authRequired');
      expect(status.lastError?.kind).toBe('auth');
      expect(status.lastError?.message).toMatch(/log in again/);
      expect(status.pendingUploads).toBe(1);

      // Logging in again as the same user replaces the tokens; the waiting session goes up.
      await client.login(username, PASSWORD);
      await waitFor(client.syncStatus$(), (s) => !s.authRequired && s.pendingUploads === 0, 'upload after the new login');
      expect((await waitFor(client.analysis$(session.id), (a) => a?.source === 'server', 'server analysis'))?.status).toBe('ok');
    } finally {
      system.clock.offsetMs = 0;
      await client.close();
    }
  });

  it('keeps users apart on one device: logout, login as another, back again', async () => {
    const client = await newClient(system.gatewayUrl);
    const alice = uniqueName();
    const bob = uniqueName();
    try {
      await client.register(alice, PASSWORD);
      await system.stopGateway();
      const aliceSession = await client.recordSession(recordingInput({ seed: 10 }));
      // Offline logout: Alice's session has not been sent; it must wait on the device for her.
      await client.logout();
      expect(client.user()).toBeNull();
      expect(await firstValueFrom(client.sessions$())).toEqual([]);
      await expect(client.recordSession(recordingInput({ seed: 11 }))).rejects.toBeInstanceOf(NotSignedInError);
      await system.startGateway();

      await client.register(bob, PASSWORD);
      const bobSession = await client.recordSession(recordingInput({ seed: 12 }));
      await waitFor(client.syncStatus$(), (s) => s.pendingUploads === 0 && s.online, 'Bob’s upload');
      const bobSees = await firstValueFrom(client.sessions$());
      expect(bobSees.map((e) => e.session.id)).toEqual([bobSession.id]);
      expect(await firstValueFrom(client.analysis$(aliceSession.id))).toBeNull();
      await expect(client.login(alice, PASSWORD)).rejects.toMatchObject({ code: 'signed_in' });
      await client.logout();

      await client.login(alice, PASSWORD);
      await waitFor(client.syncStatus$(), (s) => s.pendingUploads === 0 && s.online, 'Alice’s upload after her login');
      const aliceSees = await firstValueFrom(client.sessions$());
      expect(aliceSees.map((e) => e.session.id)).toEqual([aliceSession.id]);
      const aliceDb = system.databasesOf(client.user()!.userId).sessions;
      expect((await system.store('GET', `/${aliceDb}/${bobSession.id}`)).status).toBe(404);
      expect((await system.store('GET', `/${aliceDb}/${aliceSession.id}`)).status).toBe(200);
    } finally {
      await client.close();
    }
  });

  it('signs in on its known device while someone guesses the password from elsewhere', async () => {
    const client = await newClient(system.gatewayUrl);
    const username = uniqueName();
    try {
      await client.register(username, PASSWORD);
      await client.logout();
      // Guesses without this device's token, until the gateway refuses any more for the name.
      const guess = (i: number) =>
        fetch(`${system.gatewayUrl}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: `a wrong guess ${i}` }),
        });
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) statuses.push((await guess(i)).status);
      expect(statuses).toEqual([...Array<number>(10).fill(401), 429]);
      // The owner on this device is not in the guessers' budget.
      expect((await client.login(username, PASSWORD)).username).toBe(username);
      // Another device (a fresh client) is.
      const elsewhere = await newClient(system.gatewayUrl);
      try {
        await expect(elsewhere.login(username, PASSWORD)).rejects.toMatchObject({ status: 429 });
      } finally {
        await elsewhere.close();
      }
    } finally {
      await client.close();
    }
  });

  it('deletes an account: server data, device data and the sign-in', async () => {
    const client = await newClient(system.gatewayUrl);
    try {
      const username = uniqueName();
      const { userId } = await client.register(username, PASSWORD);
      await client.recordSession(recordingInput({ seed: 13 }));
      await waitFor(client.syncStatus$(), (s) => s.pendingUploads === 0 && s.online, 'upload');
      await expect(client.deleteAccount('wrong password')).rejects.toMatchObject({ status: 401, reason: 'the password is incorrect' });
      expect(client.user()?.userId).toBe(userId);

      await client.deleteAccount(PASSWORD);
      expect(client.user()).toBeNull();
      expect((await system.store('GET', `/${system.databasesOf(userId).sessions}`)).status).toBe(404);
      await expect(client.login(username, PASSWORD)).rejects.toBeInstanceOf(GatewayError);
    } finally {
      await client.close();
    }
  });

  it('names the problem with bad credentials and options', async () => {
    const client = await newClient(system.gatewayUrl);
    try {
      await expect(client.register('x', PASSWORD)).rejects.toMatchObject({ status: 400, reason: expect.stringMatching(/username/) });
      await expect(client.register(uniqueName(), 'short')).rejects.toMatchObject({ status: 400, reason: expect.stringMatching(/password/) });
      await expect(client.login(uniqueName(), PASSWORD)).rejects.toMatchObject({ status: 401 });
      await expect(client.deleteAccount(PASSWORD)).rejects.toBeInstanceOf(NotSignedInError);
      expect(client.user()).toBeNull();
    } finally {
      await client.close();
    }
    await expect(newClient('ftp://example.org')).rejects.toBeInstanceOf(M2MError);
    await expect(newClient('not a url')).rejects.toThrow(/serverUrl is not a URL/);
    await expect(newClient(system.gatewayUrl, { name: '../etc' })).rejects.toThrow(/name must be/);
    // A gateway that is not there: registering says so.
    const offline = await newClient('http://127.0.0.1:9');
    try {
      await expect(offline.register(uniqueName(), PASSWORD)).rejects.toMatchObject({ code: 'network' });
    } finally {
      await offline.close();
    }
  });
});
