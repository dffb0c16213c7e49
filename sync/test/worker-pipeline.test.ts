import { analyzeSession, summarizeProgress, userDatabases } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type RunningWorker } from '../src/index.js';
import { storedAnalysisBody } from '../src/writer/documentForms.js';
import {
  allDocs,
  createUser,
  eventually,
  expectUserUpToDate,
  getDoc,
  PREFIX,
  putDocs,
  sessionDoc,
  startTestStore,
  testConfig,
  userIdFor,
  withoutRev,
  type Json,
  type TestStore,
} from './support/storeWorld.js';

let store: TestStore;
let worker: RunningWorker;

beforeAll(async () => {
  store = await startTestStore();
  worker = await startWorker(testConfig(store, { WORKER_METRICS_PORT: '0' }));
});

afterAll(async () => {
  await worker?.stop();
  await store?.teardown();
});

describe('sync worker: from a session to its analysis and progress', () => {
  const userId = userIdFor(1);
  const names = userDatabases(PREFIX, userId);

  it('writes the analysis of a new session and the progress over all analyses', async () => {
    await createUser(store, userId);
    const first = sessionDoc({ seed: 1, startedAt: '2026-03-01T09:00:00.000Z' });
    const second = sessionDoc({ seed: 2, startedAt: '2026-03-02T09:00:00.000Z', level: 2 });
    const revs = await putDocs(store, names.sessions, [first, second]);
    await worker.idle();

    const analysis = await getDoc(store, names.progress, `analysis:${first._id}`);
    const body = withoutRev(analysis);
    expect(body).toEqual(storedAnalysisBody(analyzeSession({ ...first, _rev: revs.get(first._id) })));
    expect(body.sessionRev).toBe(revs.get(first._id));
    expect(body).not.toHaveProperty('id');

    const progress = await getDoc(store, names.progress, 'progress');
    const expected = summarizeProgress(
      [first, second].map((s) => analyzeSession({ ...s, _rev: revs.get(s._id) })),
    );
    const { id, ...expectedBody } = expected;
    expect(id).toBe('progress');
    expect({ ...progress, _rev: undefined }).toEqual({ _id: 'progress', _rev: undefined, ...expectedBody });
    expect(progress.sessionCount).toBe(2);
    await expectUserUpToDate(store, userId, { firstRevisionOnly: true });
  });

  it('leaves exactly one revision when the same input is processed again', async () => {
    const before = await allDocs(store, names.progress);
    // Forget every checkpoint: a restarted worker reads all changes again (at-least-once delivery).
    const checkpoints = await allDocs(store, `${PREFIX}worker`, 'checkpoint:');
    await putDocs(store, `${PREFIX}worker`, checkpoints.map((c) => ({ ...c, _deleted: true })));
    await worker.stop();
    worker = await startWorker(testConfig(store, { WORKER_METRICS_PORT: '0' }));
    await worker.idle();

    expect(worker.stats().unchanged).toBeGreaterThanOrEqual(2);
    expect(worker.stats().written).toBe(0);
    const after = await allDocs(store, names.progress);
    expect(after.map((d) => [d._id, d._rev])).toEqual(before.map((d) => [d._id, d._rev]));
  });

  it('analyses an edited session (new _rev) again', async () => {
    const [session] = await allDocs(store, names.sessions);
    const edited = { ...session, score: 4242 };
    const revs = await putDocs(store, names.sessions, [edited]);
    await worker.idle();

    const analysis = await getDoc(store, names.progress, `analysis:${session?._id}`);
    expect(analysis.sessionRev).toBe(revs.get(session?._id as string));
    expect(analysis.session.score).toBe(4242);
    expect(analysis._rev).toMatch(/^2-/);
    await expectUserUpToDate(store, userId);
  });

  it('deletes the analysis of a deleted session (a tombstone with the full body) and updates progress', async () => {
    const [session] = await allDocs(store, names.sessions);
    const id = session?._id as string;
    const before = await getDoc(store, names.progress, `analysis:${id}`);
    await putDocs(store, names.sessions, [{ _id: id, _rev: session?._rev, _deleted: true }]);
    await worker.idle();

    expect(await getDoc(store, names.progress, `analysis:${id}`)).toBeUndefined();
    const rows = await store.json('POST', `/${names.progress}/_all_docs`, { keys: [`analysis:${id}`] });
    const tombstoneRev = rows.body.rows[0].value.rev as string;
    const tombstone = (await store.json('GET', `/${names.progress}/${encodeURIComponent(`analysis:${id}`)}?rev=${tombstoneRev}`)).body;
    expect(tombstone).toEqual({ ...withoutRev(before), _rev: tombstoneRev, _deleted: true });

    const progress = await getDoc(store, names.progress, 'progress');
    expect(progress.sessionCount).toBe(1);
    await expectUserUpToDate(store, userId);
  });
});

describe('sync worker: poison documents', () => {
  const userId = userIdFor(2);
  const names = userDatabases(PREFIX, userId);

  it('gives each an invalid analysis with reasons, skips design documents and unusable ids, and goes on', async () => {
    await createUser(store, userId);
    const good = sessionDoc({ seed: 10 });
    const corrupt = sessionDoc({ seed: 11 });
    const sensors = corrupt['sensors'] as Json;
    sensors.data = `${sensors.data.slice(0, 40)}AAAA${sensors.data.slice(44)}`;
    const enormous = sessionDoc({ seed: 12 });
    (enormous['sensors'] as Json).sampleCount = 1e12;
    const hugeEvents = sessionDoc({ seed: 13 });
    hugeEvents['events'] = Array.from({ length: 20_000 }, (_, i) => ({ t: i, kind: 'prompt', finger: 'index' }));
    const wrongSchema = { _id: 'ses_01ARZ3NDEKTSV4RRFFQ69G5FAV', type: 'session', schemaVersion: 1, hello: 'world' };
    const notASession = { _id: 'note-1', text: 'not a session at all' };
    const longId = { _id: `x${'y'.repeat(250)}`, type: 'session' };
    const design = { _id: '_design/app', views: {} };
    await putDocs(store, names.sessions, [corrupt, enormous, hugeEvents, wrongSchema, notASession, longId, design]);
    await putDocs(store, names.sessions, [good]);
    await worker.idle();

    for (const doc of [corrupt, enormous, hugeEvents, wrongSchema, notASession]) {
      const analysis = await getDoc(store, names.progress, `analysis:${doc._id}`);
      expect(analysis?.status, doc._id).toBe('invalid');
      expect(analysis.reasons.length, doc._id).toBeGreaterThan(0);
    }
    expect((await getDoc(store, names.progress, 'analysis:_design/app'))).toBeUndefined();
    const analyses = await allDocs(store, names.progress, 'analysis:');
    expect(analyses.some((a) => a._id.includes('yyyy'))).toBe(false);
    expect((await getDoc(store, names.progress, `analysis:${good._id}`))?.status).toBe('ok');

    const progress = await getDoc(store, names.progress, 'progress');
    expect(progress.sessionCount).toBe(1);
    expect(progress.invalidSessionCount).toBe(5);
    // analyzeSession lists one reason per bad event; the stored analysis keeps within analysisSchema (200).
    const clipped = await getDoc(store, names.progress, `analysis:${hugeEvents._id}`);
    expect(clipped.reasons).toHaveLength(200);
    expect(clipped.reasons[199].code).toBe('more-reasons');
    await expectUserUpToDate(store, userId);
    expect(worker.stats().skipped).toBeGreaterThanOrEqual(1);
  });
});

describe('sync worker: user databases coming and going', () => {
  it('creates a missing progress database (provisioning cut short) and writes into it', async () => {
    const userId = userIdFor(3);
    const names = await createUser(store, userId);
    expect((await store.json('DELETE', `/${names.progress}`)).status).toBe(200);
    await putDocs(store, names.sessions, [sessionDoc({ seed: 30 })]);
    await worker.idle();
    await expectUserUpToDate(store, userId, { firstRevisionOnly: true });
    expect((await store.json('GET', `/${names.progress}/_security`)).body).toMatchObject({ admins: { roles: ['_admin'] } });
  });

  it('forgets a deleted sessions database (account deleted) and goes on with the others', async () => {
    const userId = userIdFor(4);
    const names = await createUser(store, userId);
    await putDocs(store, names.sessions, [sessionDoc({ seed: 40 })]);
    await worker.idle();
    expect(await getDoc(store, `${PREFIX}worker`, `checkpoint:${names.sessions}`)).toBeDefined();

    for (const db of [names.sessions, names.progress]) await store.json('DELETE', `/${db}`);
    await eventually(async () => expect(await getDoc(store, `${PREFIX}worker`, `checkpoint:${names.sessions}`)).toBeUndefined());
    const other = userIdFor(5);
    await putDocs(store, (await createUser(store, other)).sessions, [sessionDoc({ seed: 50 })]);
    await worker.idle();
    await expectUserUpToDate(store, other);
  });
});

describe('sync worker: metrics', () => {
  it('serves Prometheus metrics on WORKER_METRICS_PORT', async () => {
    expect(worker.metricsUrl).toBeDefined();
    const res = await fetch(`${worker.metricsUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const name of [
      'm2m_sync_sessions_processed_total',
      'm2m_sync_sessions_invalid_total',
      'm2m_sync_retries_total',
      'm2m_sync_analysis_duration_seconds_bucket',
      'm2m_sync_session_lag_seconds_bucket',
      'm2m_sync_processing_lag_seconds_bucket',
      'm2m_sync_backlog_changes',
      'm2m_sync_databases_waiting',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toMatch(/m2m_sync_sessions_processed_total\{status="invalid",shard="0\/1"\} [1-9]/);
  });
});
