import { attentionFlags, careDatabase, userDatabases, type AnalysisDoc, type ProgressDoc } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/index.js';
import { ownsSessionsDatabase } from '../src/worker/ownedDatabases.js';
import { deviceForm } from '../src/writer/documentForms.js';
import { careDocsOf, createClinician, createLinksDatabase, expectPatientGone, LINKS_DB, progressDbOf, writeLink } from './support/careWorld.js';
import { startHoldingProxy, type HoldingProxy } from './support/holdingProxy.js';
import { allDocs, createUser, eventually, getDoc, PREFIX, putDocs, sessionDoc, startTestStore, testConfig, userIdFor, withCredentials, withoutRev, type Json, type TestStore } from './support/storeWorld.js';

const DAY = 86_400_000;
let store: TestStore;
/** The workers reach the store through it, so a test can hold one care database's writes back. */
let proxy: HoldingProxy;
/** Two shards, as two processes would run them. */
let workers: RunningWorker[] = [];
let clock = Date.parse('2026-03-03T09:00:00.000Z');

beforeAll(async () => {
  store = await startTestStore();
  await createLinksDatabase(store);
  proxy = await startHoldingProxy(store.url);
  const start = (shard: string): Promise<RunningWorker> =>
    startWorker(testConfig(store, { COUCHDB_URL: withCredentials(proxy.url), WORKER_POOL_SIZE: '1', WORKER_SHARD: shard, CARE_REFRESH_MS: '1000' }), { care: { now: () => clock } });
  workers = await Promise.all([start('0/2'), start('1/2')]);
}, 60_000);

afterAll(async () => {
  proxy?.release();
  await Promise.all(workers.map((w) => w.stop()));
  await proxy?.close();
  await store?.teardown();
});

async function metricsText(): Promise<string> {
  return (await Promise.all(workers.map((w) => w.metrics.registry.metrics()))).join('\n');
}

/** The sum of a counter over the shards (0 when absent). */
function metricValue(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

const idle = (): Promise<void> => Promise.all(workers.map((w) => w.idle())).then(() => undefined);

/** The care documents CARE.md describes, computed here from the patient's progress database. */
async function expectedCareDocs(patientId: string, link: Json): Promise<Map<string, Json>> {
  const db = progressDbOf(patientId);
  const analyses = (await allDocs(store, db, 'analysis:')).map((a) => deviceForm(a) as unknown as AnalysisDoc);
  const stored = await getDoc(store, db, 'progress');
  const progress = deviceForm(stored) as unknown as ProgressDoc;
  const { flags, attention } = attentionFlags({ progress, analyses, now: new Date(clock).toISOString() });
  const docs = new Map<string, Json>();
  docs.set(`patient:${patientId}`, {
    _id: `patient:${patientId}`,
    type: 'care-patient',
    schemaVersion: 1,
    patientId,
    username: link.patientUsername,
    linkedAt: link.history.filter((e: Json) => e.event === 'linked').at(-1).at,
    lastSessionAt: progress.lastSessionAt,
    sessionCount: progress.sessionCount,
    flags,
    attention,
    analysisVersion: progress.analysisVersion,
  });
  docs.set(`progress:${patientId}`, { _id: `progress:${patientId}`, type: 'care-progress', schemaVersion: 1, patientId, progress });
  for (const a of analyses) docs.set(`analysis:${patientId}:${a.sessionId}`, { _id: `analysis:${patientId}:${a.sessionId}`, type: 'care-analysis', schemaVersion: 1, patientId, analysis: a });
  return docs;
}

/** Care documents without `_rev` and `evaluatedAt`, to compare content. */
function content(docs: Map<string, Json>): Json {
  return Object.fromEntries(
    [...docs].map(([id, doc]) => {
      const body = withoutRev(doc);
      delete body.evaluatedAt;
      return [id, body];
    }),
  );
}

describe('care upkeep: a clinician\'s care database follows the links', () => {
  const patient = userIdFor(1801);
  const clinician = userIdFor(1802);
  const careDb = careDatabase(PREFIX, clinician);
  const sessionsDb = userDatabases(PREFIX, patient).sessions;
  const first = sessionDoc({ seed: 1, startedAt: '2026-03-01T09:00:00.000Z' });
  const second = sessionDoc({ seed: 2, startedAt: '2026-03-02T09:00:00.000Z', level: 2 });
  let link: Json;

  it('copies an active link\'s progress, analyses and flags, and mirrors the link to the patient', async () => {
    await createUser(store, patient);
    await createClinician(store, clinician);
    await putDocs(store, sessionsDb, [first, second]);
    await idle();
    link = await writeLink(store, patient, clinician, 'active');

    await eventually(async () => expect(content(await careDocsOf(store, careDb, patient))).toEqual(content(await expectedCareDocs(patient, link))));
    const docs = await careDocsOf(store, careDb, patient);
    expect(docs.size).toBe(4);
    expect(docs.get(`patient:${patient}`).evaluatedAt).toBe(new Date(clock).toISOString());
    // Never a session or sensor data.
    expect(JSON.stringify([...docs.values()])).not.toContain('"sensors"');

    const mirror = await getDoc(store, progressDbOf(patient), `link:${clinician}`);
    expect(withoutRev(mirror)).toEqual({
      _id: `link:${clinician}`,
      type: 'link',
      schemaVersion: 1,
      clinicianId: clinician,
      clinicianUsername: link.clinicianUsername,
      status: 'active',
      history: link.history,
    });
  });

  it('follows the patient\'s new and deleted sessions, and rewrites nothing that did not change', async () => {
    const before = await careDocsOf(store, careDb, patient);
    const third = sessionDoc({ seed: 3, startedAt: '2026-03-02T18:00:00.000Z' });
    const revs = await putDocs(store, sessionsDb, [third]);
    await idle();
    const after = await careDocsOf(store, careDb, patient);
    expect(content(after)).toEqual(content(await expectedCareDocs(patient, link)));
    expect(after.has(`analysis:${patient}:${third._id}`)).toBe(true);
    // The other analyses did not change: same revisions.
    for (const id of [`analysis:${patient}:${first._id}`, `analysis:${patient}:${second._id}`]) expect(after.get(id)._rev).toBe(before.get(id)._rev);

    const del = await store.json('DELETE', `/${sessionsDb}/${third._id}?rev=${revs.get(third._id)}`);
    expect(del.status).toBe(200);
    await idle();
    const dropped = await careDocsOf(store, careDb, patient);
    expect(dropped.has(`analysis:${patient}:${third._id}`)).toBe(false);
    expect(content(dropped)).toEqual(content(await expectedCareDocs(patient, link)));

    // A re-evaluation with nothing new writes nothing (the evaluation time alone is no change).
    const owner = workers.find((w) => w.care.activeLinks > 0) as RunningWorker;
    const written = owner.care.counters.written;
    clock += 3_600_000;
    await owner.care.refreshAll();
    expect(owner.care.counters.written).toBe(written);
    const again = await careDocsOf(store, careDb, patient);
    expect([...again].map(([id, d]) => [id, d._rev])).toEqual([...dropped].map(([id, d]) => [id, d._rev]));
  });

  it('re-evaluates the flags on the timer as time passes', async () => {
    expect((await careDocsOf(store, careDb, patient)).get(`patient:${patient}`).flags).toEqual([]);
    clock += 9 * DAY;
    await eventually(async () => {
      const summary = (await careDocsOf(store, careDb, patient)).get(`patient:${patient}`);
      expect(summary.flags.map((f: Json) => [f.code, f.severity])).toEqual([['inactive', 'medium']]);
      expect(summary.evaluatedAt).toBe(new Date(clock).toISOString());
    });
    expect(content(await careDocsOf(store, careDb, patient))).toEqual(content(await expectedCareDocs(patient, link)));
  });

  it('deletes every document of a revoked link with bare tombstones, and mirrors the revoke', async () => {
    link = await writeLink(store, patient, clinician, 'revoked');
    await eventually(async () => expect((await careDocsOf(store, careDb, patient)).size).toBe(0));
    await expectPatientGone(store, careDb, patient);
    await eventually(async () => expect((await getDoc(store, progressDbOf(patient), `link:${clinician}`)).status).toBe('revoked'));
    expect((await getDoc(store, progressDbOf(patient), `link:${clinician}`)).history.map((e: Json) => e.event)).toEqual(['linked', 'revoked']);

    // A new session of the patient no longer reaches the clinician.
    await putDocs(store, sessionsDb, [sessionDoc({ seed: 4, startedAt: '2026-03-12T09:00:00.000Z' })]);
    await idle();
    expect((await careDocsOf(store, careDb, patient)).size).toBe(0);
  });

  it('copies again when the patient shares anew', async () => {
    link = await writeLink(store, patient, clinician, 'active');
    await eventually(async () => expect(content(await careDocsOf(store, careDb, patient))).toEqual(content(await expectedCareDocs(patient, link))));
    expect((await careDocsOf(store, careDb, patient)).size).toBe(5);
  });

  it('leaves each link to the shard that owns the patient\'s sessions database', async () => {
    const patients = [1810, 1811, 1812, 1813, 1814, 1815].map(userIdFor);
    const other = userIdFor(1820);
    const otherDb = await createClinician(store, other);
    for (const p of patients) {
      await createUser(store, p);
      await writeLink(store, p, other, 'active');
    }
    await eventually(async () => {
      for (const p of patients) expect((await careDocsOf(store, otherDb, p)).has(`patient:${p}`)).toBe(true);
    });
    const shards = ['0/2', '1/2'].map((s) => ({ index: Number(s[0]), count: 2 }));
    const owned = shards.map((shard) => [patient, ...patients].filter((p) => ownsSessionsDatabase({ dbPrefix: PREFIX, shard }, userDatabases(PREFIX, p).sessions)).length);
    expect(owned.every((n) => n > 0)).toBe(true);
    expect(workers.map((w) => w.care.activeLinks)).toEqual(owned);
    // The same on /metrics, with the documents each shard wrote.
    for (const [i, w] of workers.entries()) {
      const text = await w.metrics.registry.metrics();
      expect(text).toMatch(new RegExp(`^m2m_sync_care_links_active\\{[^}]*\\} ${owned[i]}$`, 'm'));
      expect(Number(/^m2m_sync_care_documents_total\{result="written"[^}]*\} (\d+)$/m.exec(text)?.[1])).toBe(w.care.counters.written);
    }
  });

  it("writes and checkpoints a patient's analyses without waiting for a held-up care database; the copy follows once it answers", async () => {
    const p = userIdFor(1830);
    const c = userIdFor(1831);
    const heldDb = await createClinician(store, c);
    const names = await createUser(store, p);
    const pLink = await writeLink(store, p, c, 'active');
    await eventually(async () => expect((await careDocsOf(store, heldDb, p)).has(`patient:${p}`)).toBe(true));

    // Every write to this clinician's care database now waits at the proxy; all else answers.
    proxy.hold((req) => req.method === 'POST' && (req.url ?? '').startsWith(`/${encodeURIComponent(heldDb)}/_bulk_docs`));
    const session = sessionDoc({ seed: 30, startedAt: '2026-03-12T10:00:00.000Z' });
    await putDocs(store, names.sessions, [session]);
    await eventually(async () => {
      expect((await getDoc(store, names.progress, `analysis:${session._id}`))?.status).toBeDefined();
      expect((await getDoc(store, names.progress, 'progress'))?.sessionCount).toBe(1);
      // The batch's checkpoint is saved: nothing of the sessions database lies after it.
      const checkpoint = await getDoc(store, `${PREFIX}worker`, `checkpoint:${names.sessions}`);
      expect(checkpoint).toBeDefined();
      const after = await store.json('GET', `/${names.sessions}/_changes?since=${encodeURIComponent(String(checkpoint.seq))}`);
      expect(after.body.results).toEqual([]);
    });
    await eventually(async () => expect(proxy.held).toBeGreaterThan(0));
    expect((await careDocsOf(store, heldDb, p)).has(`analysis:${p}:${session._id}`)).toBe(false);

    proxy.release();
    await eventually(async () => expect(content(await careDocsOf(store, heldDb, p))).toEqual(content(await expectedCareDocs(p, pLink))));
    expect((await careDocsOf(store, heldDb, p)).has(`analysis:${p}:${session._id}`)).toBe(true);
  });

  it('clears the care copy on a revoke even when the link mirror cannot be written', async () => {
    const p = userIdFor(1860);
    const c = userIdFor(1861);
    const careDbC = await createClinician(store, c);
    const names = await createUser(store, p);
    await writeLink(store, p, c, 'active');
    await eventually(async () => expect((await careDocsOf(store, careDbC, p)).has(`patient:${p}`)).toBe(true));

    // Every write of the patient's link mirror is refused; all else answers.
    proxy.fail((req) => req.method === 'PUT' && decodeURIComponent(req.url ?? '').startsWith(`/${names.progress}/link:`), 400);
    await writeLink(store, p, c, 'revoked');
    await eventually(async () => expect((await careDocsOf(store, careDbC, p)).size).toBe(0));
    await expectPatientGone(store, careDbC, p);
    proxy.release();
    await eventually(async () => expect((await getDoc(store, names.progress, `link:${c}`))?.status).toBe('revoked'));
  });

  it("applies a later revoke while another link's care writes keep failing, and the failing one once they succeed", async () => {
    // Two patients of the same shard: the same links feed carries both changes.
    const ownedBy = (p: string): boolean => ownsSessionsDatabase({ dbPrefix: PREFIX, shard: { index: 0, count: 2 } }, userDatabases(PREFIX, p).sessions);
    const candidates = Array.from({ length: 20 }, (_, i) => userIdFor(1870 + i));
    const [stuck, revoked] = candidates.filter((p) => ownedBy(p) === ownedBy(candidates[0] as string)) as [string, string];
    const [c1, c2] = [userIdFor(1890), userIdFor(1891)];
    const stuckDb = await createClinician(store, c1);
    const revokedDb = await createClinician(store, c2);
    await createUser(store, stuck);
    await createUser(store, revoked);
    await writeLink(store, revoked, c2, 'active');
    await eventually(async () => expect((await careDocsOf(store, revokedDb, revoked)).has(`patient:${revoked}`)).toBe(true));

    // The first clinician's care database refuses every write (as a too-large copy would be refused).
    proxy.fail((req) => req.method === 'POST' && (req.url ?? '').startsWith(`/${encodeURIComponent(stuckDb)}/_bulk_docs`), 400);
    const before = metricValue(await metricsText(), 'm2m_sync_care_link_failures_total');
    await writeLink(store, stuck, c1, 'active');
    await eventually(async () => expect(proxy.refused).toBeGreaterThan(0));
    // More changes than one long poll answers (200) lie between the failing change and the revoke.
    await putDocs(store, LINKS_DB, Array.from({ length: 200 }, (_, i) => ({ _id: `filler:${i}`, type: 'filler' })));
    await writeLink(store, revoked, c2, 'revoked');
    await eventually(async () => expect((await careDocsOf(store, revokedDb, revoked)).size).toBe(0));
    await expectPatientGone(store, revokedDb, revoked);
    // The failing link change is recorded, not dropped.
    expect(metricValue(await metricsText(), 'm2m_sync_care_link_failures_total')).toBeGreaterThan(before);
    proxy.release();
    await eventually(async () => expect((await careDocsOf(store, stuckDb, stuck)).has(`patient:${stuck}`)).toBe(true));
  });

  it("revokes one patient in a care database whose copy of another patient the store keeps refusing", async () => {
    const ownedBy = (p: string): boolean => ownsSessionsDatabase({ dbPrefix: PREFIX, shard: { index: 0, count: 2 } }, userDatabases(PREFIX, p).sessions);
    const candidates = Array.from({ length: 20 }, (_, i) => userIdFor(1900 + i));
    const [bad, leaving] = candidates.filter((p) => ownedBy(p) === ownedBy(candidates[0] as string)) as [string, string];
    const c = userIdFor(1930);
    const db = await createClinician(store, c);
    const badNames = await createUser(store, bad);
    await createUser(store, leaving);
    await writeLink(store, leaving, c, 'active');
    await writeLink(store, bad, c, 'active');
    await eventually(async () => {
      expect((await careDocsOf(store, db, leaving)).has(`patient:${leaving}`)).toBe(true);
      expect((await careDocsOf(store, db, bad)).has(`patient:${bad}`)).toBe(true);
    });

    // Any write to the care database that carries the first patient is refused (as a too-large copy would be).
    proxy.failBody((req) => req.method === 'POST' && (req.url ?? '').startsWith(`/${encodeURIComponent(db)}/_bulk_docs`), bad, 400);
    await putDocs(store, badNames.sessions, [sessionDoc({ seed: 50, startedAt: '2026-03-12T12:00:00.000Z' })]);
    await eventually(async () => expect(proxy.refused).toBeGreaterThan(0));
    await writeLink(store, leaving, c, 'revoked');
    await eventually(async () => expect((await careDocsOf(store, db, leaving)).size).toBe(0));
    await expectPatientGone(store, db, leaving);
    proxy.release();
    await eventually(async () => expect([...(await careDocsOf(store, db, bad)).keys()].some((id) => id.startsWith(`analysis:${bad}:`))).toBe(true));
  });

  it('brings a care database that fell behind the patient up to date at start, without waiting for a change or the timer', async () => {
    // What a crash between a patient's checkpoint and the care write leaves: the analysis in the patient's database, not in the clinician's.
    const p = userIdFor(1840);
    const c = userIdFor(1841);
    const heldDb = await createClinician(store, c);
    const names = await createUser(store, p);
    await putDocs(store, names.sessions, [sessionDoc({ seed: 40, startedAt: '2026-03-12T11:00:00.000Z' })]);
    await writeLink(store, p, c, 'active');
    await eventually(async () => expect([...(await careDocsOf(store, heldDb, p)).keys()].some((id) => id.startsWith(`analysis:${p}:`))).toBe(true));
    const shard = ownsSessionsDatabase({ dbPrefix: PREFIX, shard: { index: 0, count: 2 } }, userDatabases(PREFIX, p).sessions) ? 0 : 1;
    await (workers[shard] as RunningWorker).stop();
    const docs = [...(await careDocsOf(store, heldDb, p)).values()].filter((d) => d._id.startsWith(`analysis:${p}:`));
    expect(docs.length).toBeGreaterThan(0);
    await putDocs(store, heldDb, docs.map((d) => ({ _id: d._id, _rev: d._rev, _deleted: true })));
    expect([...(await careDocsOf(store, heldDb, p)).keys()].filter((id) => id.startsWith('analysis:'))).toEqual([]);

    // The timer is an hour away: only the start-up reconciliation can bring the copy back.
    workers[shard] = await startWorker(testConfig(store, { WORKER_POOL_SIZE: '1', WORKER_SHARD: `${shard}/2`, CARE_REFRESH_MS: '3600000' }), { care: { now: () => clock } });
    const pLink = await getDoc(store, LINKS_DB, `link:${p}:${c}`);
    await eventually(async () => expect(content(await careDocsOf(store, heldDb, p))).toEqual(content(await expectedCareDocs(p, pLink))));
  });
});
