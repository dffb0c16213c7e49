import type { AnalysisDoc } from '@m2m/analysis-core';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, type M2MClient } from '@m2m/mobile-sdk';
import { newClient, recordingInput, uniqueName, waitFor } from './support/clients.js';
import { startSystem, type TestSystem } from './support/system.js';

const PASSWORD = 'correct horse battery';

/** The CouchDB form of an analysis the worker would write, from the device's copy. */
function storedForm(analysis: AnalysisDoc & { source?: unknown }, change: Partial<AnalysisDoc>): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...analysis };
  delete rest['id'];
  delete rest['source'];
  return { _id: analysis.id, ...rest, ...change };
}

describe('provisional and server results', () => {
  let system: TestSystem;
  const clients: M2MClient[] = [];

  beforeAll(async () => {
    // No worker: the tests write the server's analyses themselves.
    system = await startSystem({ worker: false });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await system?.close();
  });

  it('records a mismatch when the server’s analysis differs at the same analysis version, and shows the server’s', async () => {
    const client = await newClient(system.gatewayUrl);
    clients.push(client);
    const { userId } = await client.register(uniqueName(), PASSWORD);
    const [first, second] = [await client.recordSession(recordingInput({ seed: 70 })), await client.recordSession(recordingInput({ seed: 71 }))];
    const devices = [];
    for (const s of [first, second]) devices.push((await waitFor(client.analysis$(s.id), (a) => a !== null, 'provisional analysis'))!);
    await waitFor(client.syncStatus$(), (s) => s.pendingUploads === 0, 'uploads');

    const progressDb = system.databasesOf(userId).progress;
    const disagreeing = storedForm(devices[0]!, { quality: { ...devices[0]!.quality!, missingShare: 0.5 } });
    const newerVersion = storedForm(devices[1]!, { analysisVersion: '9.0.0', quality: { ...devices[1]!.quality!, missingShare: 0.25 } });
    expect((await system.store('POST', `/${progressDb}/_bulk_docs`, { docs: [disagreeing, newerVersion] })).status).toBe(201);

    const mismatches = await waitFor(client.mismatches$(), (list) => list.length === 1, 'one mismatch');
    expect(mismatches[0]).toMatchObject({ sessionId: first.id, analysisVersion: devices[0]!.analysisVersion });
    const shown = await waitFor(client.analysis$(first.id), (a) => a?.source === 'server', 'the server’s analysis');
    expect(shown?.quality?.missingShare).toBe(0.5);
    // Another analysis version may differ: replaced, not a mismatch.
    expect((await waitFor(client.analysis$(second.id), (a) => a?.source === 'server', 'newer version'))?.analysisVersion).toBe('9.0.0');
    expect(await firstValueFrom(client.mismatches$())).toHaveLength(1);
  });

  it('gives the same provisional analysis inline and in the worker', async () => {
    const inline = await newClient(system.gatewayUrl, { analysis: 'inline' });
    const worker = await newClient(system.gatewayUrl, { analysis: 'worker' });
    clients.push(inline, worker);
    await inline.register(uniqueName(), PASSWORD);
    await worker.register(uniqueName(), PASSWORD);
    const input = recordingInput({ seed: 72, impairment: 0.6, tremorAmplitudeDeg: 3 });
    const a = await inline.recordSession(input);
    const b = await worker.recordSession(input);
    const fromInline = (await waitFor(inline.analysis$(a.id), (x) => x !== null, 'inline analysis'))!;
    const fromWorker = (await waitFor(worker.analysis$(b.id), (x) => x !== null, 'worker analysis'))!;
    // The two sessions differ only in their random id.
    const sameId = (doc: AnalysisDoc) => canonicalJson({ ...doc, id: 'x', sessionId: 'x' });
    expect(fromInline.status).toBe('ok');
    expect(sameId(fromInline)).toBe(sameId(fromWorker));
  });
});
