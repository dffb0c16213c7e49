import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { firstValueFrom } from 'rxjs';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { M2MClient } from '@m2m/mobile-sdk';
import { newClient, recordingInput, uniqueName, waitFor } from './support/clients.js';
import { startSystem, type TestSystem } from './support/system.js';

const PASSWORD = 'correct horse battery';

describe('replication through the gateway', () => {
  let system: TestSystem;
  const clients: M2MClient[] = [];
  const open = async (options: Parameters<typeof newClient>[1] = {}) => {
    const client = await newClient(system.gatewayUrl, options);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    // 60 kB: a 10-second session fits, a 2-minute one does not.
    system = await startSystem({ env: { MAX_DOC_BYTES: '60000' } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await system?.close();
  });

  it('brings two devices of one user (memory and IndexedDB storage) to the same sessions and results; another user sees none', async () => {
    const username = uniqueName();
    const phone = await open();
    const tablet = await open({ storage: getRxStorageDexie({ indexedDB, IDBKeyRange }), name: `tablet${process.pid}` });
    await phone.register(username, PASSWORD);
    await tablet.login(username, PASSWORD);
    const stranger = await open();
    await stranger.register(uniqueName(), PASSWORD);
    const strangerSession = await stranger.recordSession(recordingInput({ seed: 30, durationS: 10 }));

    const recorded = [
      await phone.recordSession(recordingInput({ seed: 31, durationS: 10 })),
      await phone.recordSession(recordingInput({ seed: 32, durationS: 10 })),
      await tablet.recordSession(recordingInput({ seed: 33, durationS: 10 })),
    ];
    const ids = recorded.map((s) => s.id).sort();
    for (const device of [phone, tablet]) {
      const entries = await waitFor(device.sessions$(), (list) => list.length === 3 && list.every((e) => e.upload === 'uploaded'), 'all three sessions on each device');
      expect(entries.map((e) => e.session.id).sort()).toEqual(ids);
      const progress = await waitFor(device.progress$(), (p) => p?.source === 'server' && p.sessionCount === 3, 'server progress over 3 sessions');
      expect(progress?.sessionCount).toBe(3);
      for (const id of ids) expect((await waitFor(device.analysis$(id), (a) => a?.source === 'server', `analysis of ${id}`))?.sessionId).toBe(id);
      expect(await firstValueFrom(device.analysis$(strangerSession.id))).toBeNull();
    }
    const tabletSession = (await firstValueFrom(tablet.sessions$())).find((e) => e.session.id === recorded[0]!.id)!.session;
    expect(tabletSession.sensors.data).toBe(recorded[0]!.sensors.data);
    expect((await firstValueFrom(stranger.sessions$())).map((e) => e.session.id)).toEqual([strangerSession.id]);
  });

  it('reports a session the gateway refuses and keeps syncing the rest', async () => {
    const client = await open();
    await client.register(uniqueName(), PASSWORD);
    const small = await client.recordSession(recordingInput({ seed: 40, durationS: 10 }));
    const big = await client.recordSession(recordingInput({ seed: 41, durationS: 120 }));
    const status = await waitFor(client.syncStatus$(), (s) => s.lastError?.kind === 'rejected', 'the refusal');
    expect(status.lastError?.sessionId).toBe(big.id);
    expect(status.lastError?.message).toMatch(/more than the limit of 60000/);

    // The queue is not stalled: a session recorded after the refused one goes up.
    const later = await client.recordSession(recordingInput({ seed: 42, durationS: 10 }));
    const entries = await waitFor(client.sessions$(), (list) => list.filter((e) => e.upload === 'uploaded').length === 2, 'the two small sessions uploaded');
    const byId = new Map(entries.map((e) => [e.session.id, e]));
    expect(byId.get(big.id)).toMatchObject({ upload: 'rejected', rejectedReason: expect.stringMatching(/more than the limit/) });
    expect(byId.get(small.id)?.upload).toBe('uploaded');
    expect(byId.get(later.id)?.upload).toBe('uploaded');
    expect((await firstValueFrom(client.syncStatus$())).pendingUploads).toBe(0);
    // The refused session stays on the device with its provisional analysis.
    expect((await waitFor(client.analysis$(big.id), (a) => a !== null, 'provisional analysis'))?.source).toBe('device');
    const stored = await system.store('GET', `/${system.databasesOf(client.user()!.userId).sessions}/${big.id}`);
    expect(stored.status).toBe(404);
    // The server will never analyse it: progress is the server's, over the two it has.
    expect((await waitFor(client.progress$(), (p) => p?.source === 'server' && p.sessionCount === 2, 'server progress'))?.sessionCount).toBe(2);
  });

  it('resolves a conflict with the server’s version and keeps the device’s aside', async () => {
    const client = await open();
    const { userId } = await client.register(uniqueName(), PASSWORD);
    await system.stopGateway();
    const local = await client.recordSession(recordingInput({ seed: 50, durationS: 10 }));
    // Meanwhile the same session id reached the server from elsewhere, with another score.
    const { id, ...body } = local;
    const elsewhere = { ...body, score: local.score + 1 };
    expect((await system.store('PUT', `/${system.databasesOf(userId).sessions}/${id}`, elsewhere)).status).toBe(201);
    await system.startGateway();

    const conflicts = await waitFor(client.conflicts$(), (list) => list.length === 1, 'the conflict');
    expect(conflicts[0]).toMatchObject({ sessionId: id, kept: { score: local.score + 1 }, setAside: { score: local.score } });
    const entries = await waitFor(client.sessions$(), (list) => list[0]?.session.score === local.score + 1, 'the server’s version on the device');
    expect(entries).toHaveLength(1);
    expect((await firstValueFrom(client.syncStatus$())).lastError).toMatchObject({ kind: 'conflict', sessionId: id });
    const stored = await system.store('GET', `/${system.databasesOf(userId).sessions}/${id}`);
    expect(stored.body.score).toBe(local.score + 1);
    expect(stored.body._rev).toMatch(/^1-/);
  });

  it('syncNow sends at once what a long retry time would hold back', async () => {
    const client = await open({ retryTimeMs: 600_000 });
    await client.register(uniqueName(), PASSWORD);
    await system.stopGateway();
    await client.recordSession(recordingInput({ seed: 60, durationS: 10 }));
    await waitFor(client.syncStatus$(), (s) => !s.online && s.pendingUploads === 1, 'offline with one pending');
    await expect(client.syncNow()).rejects.toThrow();
    await system.startGateway();
    await client.syncNow();
    expect((await firstValueFrom(client.syncStatus$())).pendingUploads).toBe(0);
  });
});
