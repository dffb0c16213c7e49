import { analyzeSession, careDatabase, sessionIdAt } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedAnalysisBody } from '../src/writer/documentForms.js';
import { careDocsOf, createClinician, createLinksDatabase, expectPatientGone, progressDbOf, writeLink } from './support/careWorld.js';
import { createUser, eventually, PREFIX, putDocs, sessionDoc, startTestStore, userIdFor, type TestStore } from './support/storeWorld.js';
import { spawnCli, type WorkerProcess } from './support/workerProcess.js';

let store: TestStore;
const running = new Set<WorkerProcess>();
const clinician = userIdFor(1850);
const careDb = careDatabase(PREFIX, clinician);
let current: WorkerProcess | undefined;

beforeAll(async () => {
  store = await startTestStore();
  await createLinksDatabase(store);
  await createClinician(store, clinician);
}, 60_000);

afterAll(async () => {
  await Promise.all([...running].map((w) => w.kill('SIGKILL')));
  await store?.teardown();
});

function startChild(): WorkerProcess {
  const worker = spawnCli(['run'], { COUCHDB_URL: store.adminUrl, WORKER_POOL_SIZE: '1', LOG_LEVEL: 'info', STORE_TIMEOUT_MS: '5000' });
  running.add(worker);
  void worker.exited.then(() => running.delete(worker));
  return worker;
}

/** `count` analyses written straight into a patient's progress database, as the worker would have (a long copy without analysing). */
async function manyAnalyses(patientId: string, count: number, seed: number): Promise<void> {
  const session = sessionDoc({ seed, durationS: 4, startedAt: '2026-04-01T09:00:00.000Z' });
  const analysis = storedAnalysisBody(analyzeSession(session));
  const docs = Array.from({ length: count }, (_, i) => {
    const sessionId = sessionIdAt(Date.parse('2026-04-01T09:00:00.000Z') + i * 60_000, [seed & 0xff, i & 0xff, (i >> 8) & 0xff, 1, 2, 3, 4, 5, 6, 7]);
    return { ...analysis, _id: `analysis:${sessionId}`, sessionId };
  });
  for (let i = 0; i < docs.length; i += 500) await putDocs(store, progressDbOf(patientId), docs.slice(i, i + 500));
}

describe('care links while the worker is down', () => {
  it('applies a revoke made while the worker was stopped, and a link made meanwhile arrives', async () => {
    const [p1, p2] = [userIdFor(1851), userIdFor(1852)];
    for (const [p, seed] of [[p1, 11], [p2, 12]] as const) {
      const names = await createUser(store, p);
      await putDocs(store, names.sessions, [sessionDoc({ seed, startedAt: '2026-04-02T09:00:00.000Z' }), sessionDoc({ seed: seed + 100, startedAt: '2026-04-03T09:00:00.000Z' })]);
    }
    let worker = startChild();
    await writeLink(store, p1, clinician, 'active');
    await eventually(async () => expect([...(await careDocsOf(store, careDb, p1)).keys()].filter((id) => id.startsWith('analysis:'))).toHaveLength(2));
    expect(await worker.kill('SIGTERM')).toBe(0);

    await writeLink(store, p1, clinician, 'revoked');
    await writeLink(store, p2, clinician, 'active');
    expect((await careDocsOf(store, careDb, p1)).size).toBe(4);

    worker = startChild();
    await eventually(async () => expect((await careDocsOf(store, careDb, p1)).size).toBe(0));
    await expectPatientGone(store, careDb, p1);
    await eventually(async () => expect([...(await careDocsOf(store, careDb, p2)).keys()].filter((id) => id.startsWith('analysis:'))).toHaveLength(2));
    expect(worker.output()).not.toMatch(/"level":(50|60)/);
    current = worker; // the next test goes on with this process
  }, 60_000);

  it('applies a revoke made after the worker was killed in the middle of copying that link', async () => {
    const [p3, p4] = [userIdFor(1853), userIdFor(1854)];
    // Three _bulk_docs of the copy (500, 500 and 101 documents): the kill comes as the first lands, two more to go.
    const total = 1100;
    await createUser(store, p3);
    await createUser(store, p4);
    await manyAnalyses(p3, total, 31);
    await manyAnalyses(p4, 3, 41);

    const worker = current ?? startChild();
    await eventually(async () => expect(worker.output()).toContain('sync worker started'), 20_000, 20);
    const before = (await store.json('GET', `/${careDb}`)).body.doc_count as number;
    await writeLink(store, p3, clinician, 'active');
    // Killed as soon as the copy has begun: some of the patient's documents are in, not all.
    let atKill = 0;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      // Only this patient's copy writes into the care database now.
      atKill = (await store.json('GET', `/${careDb}`)).body.doc_count - before;
      if (atKill > 0) break;
    }
    expect(await worker.kill('SIGKILL')).toBe('SIGKILL');
    const copied = (await careDocsOf(store, careDb, p3)).size;
    expect(copied, `documents copied when the worker was killed (${atKill} seen)`).toBeGreaterThan(0);
    expect(copied).toBeLessThan(total + 1);

    await writeLink(store, p3, clinician, 'revoked');
    await writeLink(store, p4, clinician, 'active');
    const back = startChild();
    await eventually(async () => expect((await careDocsOf(store, careDb, p3)).size).toBe(0), 30_000);
    await expectPatientGone(store, careDb, p3);
    await eventually(async () => expect([...(await careDocsOf(store, careDb, p4)).keys()].filter((id) => id.startsWith('analysis:'))).toHaveLength(3));
    expect(await back.kill('SIGTERM')).toBe(0);
  }, 60_000);
});
