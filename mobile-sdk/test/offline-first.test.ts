import type { AnalysisDoc } from '@m2m/analysis-core';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, type M2MClient, type Sourced } from '@m2m/mobile-sdk';
import { newClient, recordingInput, uniqueName, waitFor } from './support/clients.js';
import { startSystem, type TestSystem } from './support/system.js';

function withoutSource<T extends { source: unknown }>(value: T): Omit<T, 'source'> {
  const copy: Partial<T> = { ...value };
  delete copy.source;
  return copy as Omit<T, 'source'>;
}

describe('offline first: record without a server, then sync', () => {
  let system: TestSystem;
  let client: M2MClient;

  beforeAll(async () => {
    system = await startSystem({ worker: false });
    client = await newClient(system.gatewayUrl);
    await client.register(uniqueName(), 'correct horse battery');
  });
  afterAll(async () => {
    await client?.close();
    await system?.close();
  });

  it('shows provisional results offline and the server’s once it is back', async () => {
    await system.stopGateway();
    const recorded = [];
    for (const seed of [1, 2, 3]) recorded.push(await client.recordSession(recordingInput({ seed, startedAt: `2026-11-0${seed}T10:00:00.000Z` })));

    // Offline: every session has a provisional analysis and the progress is the device's.
    const provisional = new Map<string, Sourced<AnalysisDoc>>();
    for (const session of recorded) {
      const analysis = await waitFor(client.analysis$(session.id), (a) => a !== null, `the provisional analysis of ${session.id}`);
      expect(analysis?.source).toBe('device');
      expect(analysis?.status).toBe('ok');
      provisional.set(session.id, analysis!);
    }
    const deviceProgress = await waitFor(client.progress$(), (p) => p?.sessionCount === 3, 'device progress over 3 sessions');
    expect(deviceProgress?.source).toBe('device');
    const offline = await waitFor(client.syncStatus$(), (s) => s.pendingUploads === 3 && !s.online, 'offline with 3 pending');
    expect(offline.lastError?.kind).toBe('network');
    const entries = await firstValueFrom(client.sessions$());
    expect(entries.map((e) => e.upload)).toEqual(['pending', 'pending', 'pending']);
    // Newest first.
    expect(entries.map((e) => e.session.id)).toEqual([...recorded.map((s) => s.id)].reverse());

    // The server comes back: uploads land, the worker analyses, results replace the provisional ones.
    await system.startGateway();
    await system.startWorker();
    await waitFor(client.syncStatus$(), (s) => s.pendingUploads === 0 && s.online, 'no pending uploads');
    for (const session of recorded) {
      const stored = await system.store('GET', `/${system.databasesOf(client.user()!.userId).sessions}/${session.id}`);
      expect(stored.status).toBe(200);
      expect(stored.body.sensors.data).toBe(session.sensors.data);
      const server = await waitFor(client.analysis$(session.id), (a) => a?.source === 'server', `the server analysis of ${session.id}`);
      expect(server!.sessionRev).toBe(stored.body._rev);
      // Same code, same input: byte-identical apart from the revision the server analysed.
      expect(canonicalJson({ ...withoutSource(server!), sessionRev: null })).toBe(canonicalJson(withoutSource(provisional.get(session.id)!)));
    }
    const serverProgress = await waitFor(client.progress$(), (p) => p?.source === 'server' && p.sessionCount === 3, 'server progress');
    expect(canonicalJson(withoutSource(serverProgress!))).toBe(canonicalJson(withoutSource(deviceProgress!)));
    expect(await firstValueFrom(client.mismatches$())).toEqual([]);
    expect((await firstValueFrom(client.sessions$())).map((e) => e.upload)).toEqual(['uploaded', 'uploaded', 'uploaded']);
  });
});
