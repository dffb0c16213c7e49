import { sessionIdAt } from '@m2m/analysis-core';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { firstValueFrom, type Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { M2MClient } from '@m2m/mobile-sdk';
import { newClient, recordingInput, uniqueName, waitFor } from './support/clients.js';
import { withStoredLedger } from './support/storedLedger.js';
import { startSystem, type TestSystem } from './support/system.js';

const PASSWORD = 'correct horse battery';

/** A fetch the test can disturb, that also counts the live longpolls open at any moment. */
function disturbedFetch() {
  const state = {
    failLongpolls: false,
    /** While set, longpolls on the progress feed wait here before they reach the gateway. */
    holdProgressLongpolls: null as Promise<void> | null,
    /** Catch-up pulls (`feed=normal`) of the progress feed answered so far. */
    progressCatchUps: 0,
    /** On the sessions feed, in order: each catch-up page answered (its row count) and each longpoll sent. */
    sessionsFeed: [] as Array<{ kind: 'catch-up'; rows: number } | { kind: 'longpoll' }>,
    loseNextBulkDocsAnswer: false,
    holdRefresh: null as Promise<void> | null,
    /** While set, pushes (`_bulk_docs` on the sessions database) wait here before they reach the gateway. */
    holdPushes: null as Promise<void> | null,
    heldPushes: 0,
    openLongpolls: 0,
    /** The sessions database's POST requests sent to the gateway, by endpoint (`_all_docs`, `_bulk_docs`), in order. */
    sessionsPosts: [] as string[],
  };
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const longpoll = url.searchParams.get('feed') === 'longpoll';
    if (longpoll && state.failLongpolls) throw new TypeError('fetch failed (the test cut the network)');
    const progressFeed = url.pathname.endsWith('/sync/progress/_changes');
    if (longpoll && progressFeed && state.holdProgressLongpolls) await state.holdProgressLongpolls;
    const sessionsFeed = url.pathname.endsWith('/sync/sessions/_changes');
    if (longpoll && sessionsFeed) state.sessionsFeed.push({ kind: 'longpoll' });
    if (url.pathname === '/auth/refresh' && state.holdRefresh) await state.holdRefresh;
    if (url.pathname === '/sync/sessions/_bulk_docs' && state.holdPushes) {
      state.heldPushes += 1;
      await state.holdPushes;
    }
    if (longpoll) state.openLongpolls += 1;
    if (init?.method === 'POST' && url.pathname.startsWith('/sync/sessions/')) state.sessionsPosts.push(url.pathname.slice('/sync/sessions/'.length));
    try {
      const response = await fetch(input, init);
      if (progressFeed && url.searchParams.get('feed') === 'normal') state.progressCatchUps += 1;
      if (sessionsFeed && url.searchParams.get('feed') === 'normal' && response.ok) {
        const rows = ((await response.clone().json()) as { results: unknown[] }).results.length;
        state.sessionsFeed.push({ kind: 'catch-up', rows });
      }
      if (url.pathname.endsWith('/_bulk_docs') && state.loseNextBulkDocsAnswer) {
        state.loseNextBulkDocsAnswer = false;
        await response.text();
        throw new TypeError('fetch failed (the answer was lost)');
      }
      if (!longpoll) return response;
      // Counted until its body is read or the request is aborted.
      const text = await response.text();
      return new Response(text, { status: response.status, headers: response.headers });
    } finally {
      if (longpoll) state.openLongpolls -= 1;
    }
  };
  return { state, fetchImpl };
}

describe('sync under disturbance', () => {
  let system: TestSystem;
  const clients: M2MClient[] = [];
  const open = async (options: Parameters<typeof newClient>[1] = {}) => {
    const client = await newClient(system.gatewayUrl, options);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    // A 300 kB body limit: ten one-minute sessions (about 50 kB each) do not fit in one request.
    system = await startSystem({ worker: false, env: { BODY_LIMIT_BYTES: '300000', MAX_DOC_BYTES: '200000' } });
  });
  // Each test's clients go with it: RxDB's free version opens at most 13 collections in this process, two per signed-in client.
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await system?.close();
  });

  it('a push whose answer was lost is not taken for a conflict', async () => {
    const { state, fetchImpl } = disturbedFetch();
    const client = await open({ fetch: fetchImpl });
    await client.register(uniqueName(), PASSWORD);
    state.loseNextBulkDocsAnswer = true;
    const session = await client.recordSession(recordingInput({ seed: 90, durationS: 10 }));
    await waitFor(client.syncStatus$(), (s) => s.pendingUploads === 0, 'the upload, after a retry');
    await client.syncNow();
    expect(await firstValueFrom(client.conflicts$())).toEqual([]);
    expect((await firstValueFrom(client.syncStatus$())).lastError?.kind).not.toBe('conflict');
    // Its provisional analysis was not dropped as if a conflict had replaced the session (no worker runs here).
    expect((await waitFor(client.analysis$(session.id), (a) => a !== null, 'provisional analysis'))?.source).toBe('device');
  });

  it('pushes a session recorded here without asking the server for it first', async () => {
    const { state, fetchImpl } = disturbedFetch();
    const client = await open({ fetch: fetchImpl });
    const { userId } = await client.register(uniqueName(), PASSWORD);
    const session = await client.recordSession(recordingInput({ seed: 95, durationS: 10 }));
    await waitFor(client.syncStatus$(), (s) => s.pendingUploads === 0, 'the upload');
    // Nothing to find on the server for a session recorded here and never offered: no `_all_docs` round trip.
    expect(state.sessionsPosts).toEqual(['_bulk_docs']);
    const stored = await system.store('POST', `/${system.databasesOf(userId).sessions}/_all_docs`, { keys: [session.id] });
    expect(stored.body.rows[0].value?.rev).toMatch(/^1-/);
    expect(await firstValueFrom(client.conflicts$())).toEqual([]);
  });

  it('sends a queue larger than the gateway’s body limit, in pieces', async () => {
    const client = await open();
    const { userId } = await client.register(uniqueName(), PASSWORD);
    await system.stopGateway();
    const ids = [];
    for (let seed = 100; seed < 110; seed++) ids.push((await client.recordSession(recordingInput({ seed, durationS: 60 }))).id);
    await system.startGateway();
    await waitFor(client.syncStatus$(), (s) => s.pendingUploads === 0 && s.online, 'all ten uploaded');
    const stored = await system.store('POST', `/${system.databasesOf(userId).sessions}/_all_docs`, { keys: ids });
    expect(stored.body.rows.filter((r: { value?: unknown }) => r.value).length).toBe(10);
  });

  it('misses no change written while the first longpoll was failing', async () => {
    const { state, fetchImpl } = disturbedFetch();
    const client = await open({ fetch: fetchImpl });
    const { userId } = await client.register(uniqueName(), PASSWORD);
    const session = await client.recordSession(recordingInput({ seed: 111, durationS: 10 }));
    const device = await waitFor(client.analysis$(session.id), (a) => a !== null, 'provisional analysis');
    await waitFor(client.syncStatus$(), (s) => s.pendingUploads === 0, 'upload');
    state.failLongpolls = true;
    await client.syncNow().catch(() => undefined);
    // The worker writes its analysis after the catch-up and before any longpoll succeeds.
    const body: Record<string, unknown> = { ...device!, analysisVersion: '9.9.9' };
    delete body['id'];
    delete body['source'];
    expect((await system.store('PUT', `/${system.databasesOf(userId).progress}/${device!.id}`, body)).status).toBe(201);
    state.failLongpolls = false;
    expect((await waitFor(client.analysis$(session.id), (a) => a?.source === 'server', 'the analysis written during the failure'))?.analysisVersion).toBe('9.9.9');
  });

  it('misses no change written between the catch-up pull and the start of the live feed', async () => {
    const { state, fetchImpl } = disturbedFetch();
    const client = await open({ fetch: fetchImpl });
    const { userId } = await client.register(uniqueName(), PASSWORD);
    const session = await client.recordSession(recordingInput({ seed: 112, durationS: 10 }));
    const device = await waitFor(client.analysis$(session.id), (a) => a !== null, 'provisional analysis');
    await waitFor(client.syncStatus$(), (s) => s.pendingUploads === 0, 'upload');
    // A restart: the live feed's first request is held on its way while the catch-up pull is answered.
    let release: () => void = () => undefined;
    state.holdProgressLongpolls = new Promise((resolve) => (release = resolve));
    const catchUpsBefore = state.progressCatchUps;
    const restarted = client.syncNow().catch(() => undefined);
    await vi.waitFor(() => expect(state.progressCatchUps).toBeGreaterThan(catchUpsBefore), { timeout: 30_000 });
    // The worker writes after the catch-up has read and before the live feed reaches the server.
    const body: Record<string, unknown> = { ...device!, analysisVersion: '9.9.8' };
    delete body['id'];
    delete body['source'];
    expect((await system.store('PUT', `/${system.databasesOf(userId).progress}/${device!.id}`, body)).status).toBe(201);
    state.holdProgressLongpolls = null;
    release();
    await restarted;
    expect((await waitFor(client.analysis$(session.id), (a) => a?.source === 'server', 'the analysis written before the live feed started', 30_000))?.analysisVersion).toBe('9.9.8');
  });

  it('starts the live feed once the catch-up has read a backlog of several pages, not beside it', async () => {
    const first = await open();
    const username = uniqueName();
    await first.register(username, PASSWORD);
    // 23 sessions: three catch-up pages of at most 10 on a new device.
    for (let seed = 200; seed < 223; seed++) await first.recordSession(recordingInput({ seed, durationS: 5 }));
    await waitFor(first.syncStatus$(), (s) => s.pendingUploads === 0, 'the backlog uploaded');
    const { state, fetchImpl } = disturbedFetch();
    const second = await open({ fetch: fetchImpl });
    await second.login(username, PASSWORD);
    await waitFor(second.sessions$(), (entries) => entries.length === 23, 'the backlog on the new device');
    await vi.waitFor(() => expect(state.sessionsFeed.some((e) => e.kind === 'longpoll')).toBe(true), { timeout: 30_000 });
    const firstLongpoll = state.sessionsFeed.findIndex((e) => e.kind === 'longpoll');
    const catchUp = state.sessionsFeed.slice(0, firstLongpoll);
    // Every page was read before the live feed went out, the last one short: nothing came down twice.
    expect(catchUp.map((e) => (e.kind === 'catch-up' ? e.rows : -1))).toEqual([10, 10, 3]);
  });

  it('overlapping syncNow calls leave one replication running, and logout none', async () => {
    const { state, fetchImpl } = disturbedFetch();
    const client = await open({ fetch: fetchImpl });
    await client.register(uniqueName(), PASSWORD);
    await Promise.all([client.syncNow(), client.syncNow(), client.syncNow()]);
    // Two databases: two live longpolls, not six.
    await vi.waitFor(() => expect(state.openLongpolls).toBe(2), { timeout: 10_000 });
    await client.logout();
    await vi.waitFor(() => expect(state.openLongpolls).toBe(0), { timeout: 10_000 });
  });

  it('a logout during a token refresh stays logged out after a restart', async () => {
    const { state, fetchImpl } = disturbedFetch();
    const storage = getRxStorageMemory();
    const name = `refresh${process.pid}`;
    const client = await open({ fetch: fetchImpl, storage, name });
    const username = uniqueName();
    await client.register(username, PASSWORD);
    let release = (): void => undefined;
    state.holdRefresh = new Promise<void>((resolve) => (release = resolve));
    system.clock.offsetMs = 2 * 3600_000;
    try {
      await client.recordSession(recordingInput({ seed: 112, durationS: 10 }));
      // The access token has expired: the push meets a 401 and a refresh starts, held by the test.
      await vi.waitFor(() => expect(state.holdRefresh).not.toBeNull(), { timeout: 5_000 });
      const loggedOut = client.logout();
      setTimeout(release, 300);
      await loggedOut;
      expect(client.user()).toBeNull();
      await client.close();

      const restarted = await open({ storage, name });
      expect(restarted.user()).toBeNull();
      // The refreshed login was revoked by the logout, not left behind.
      await expect(restarted.login(username, PASSWORD)).resolves.toMatchObject({ username });
    } finally {
      system.clock.offsetMs = 0;
      state.holdRefresh = null;
    }
  });
  describe('the upload ledger', () => {
    it('keeps a session pulled while a push is under way uploaded, though the device records another before RxDB writes it', async () => {
      const username = uniqueName();
      const other = await open();
      await other.register(username, PASSWORD);
      const { state, fetchImpl } = disturbedFetch();
      const device = await open({ fetch: fetchImpl });
      await device.login(username, PASSWORD);
      await vi.waitFor(() => expect(state.openLongpolls).toBe(2), { timeout: 30_000 });

      // RxDB holds back what the live pull brings while a push is running: the device's push is held.
      let release = (): void => undefined;
      state.holdPushes = new Promise<void>((resolve) => (release = resolve));
      let pulled = '';
      let counted: Subscription | undefined;
      try {
        const first = await device.recordSession(recordingInput({ seed: 130, durationS: 5 }));
        await vi.waitFor(() => expect(state.heldPushes).toBe(1), { timeout: 30_000 });
        let emissions = 0;
        counted = device.sessions$().subscribe((entries) => (emissions += entries.some((e) => e.session.id === first.id) ? 1 : 0));
        await vi.waitFor(() => expect(emissions).toBeGreaterThan(0), { timeout: 10_000 });
        const before = emissions;
        // Pulled and marked uploaded (the one change of the ledger or the sessions meanwhile), not yet written.
        pulled = (await other.recordSession(recordingInput({ seed: 131, durationS: 5 }))).id;
        await vi.waitFor(() => expect(emissions).toBeGreaterThan(before), { timeout: 30_000 });
        expect((await firstValueFrom(device.sessions$())).map((e) => e.session.id)).toEqual([first.id]);
        // A change of the sessions before RxDB writes the pulled one.
        const second = await device.recordSession(recordingInput({ seed: 132, durationS: 5 }));
        await waitFor(device.sessions$(), (entries) => entries.some((e) => e.session.id === second.id), 'the second recording listed');
      } finally {
        counted?.unsubscribe();
        state.holdPushes = null;
        release();
      }
      const entries = await waitFor(
        device.sessions$(),
        (list) => list.length === 3 && list.filter((e) => e.session.id !== pulled).every((e) => e.upload === 'uploaded'),
        'the pulled session written and the two recorded ones uploaded',
      );
      expect(entries.find((e) => e.session.id === pulled)?.upload).toBe('uploaded');
      expect((await firstValueFrom(device.syncStatus$())).pendingUploads).toBe(0);
    });

    it('forgets a session deleted on the server once its deletion reaches the device', async () => {
      const storage = getRxStorageMemory();
      const name = `deleted${process.pid}`;
      const client = await open({ storage, name });
      const { userId } = await client.register(uniqueName(), PASSWORD);
      const kept = await client.recordSession(recordingInput({ seed: 140, durationS: 5 }));
      const deleted = await client.recordSession(recordingInput({ seed: 141, durationS: 5 }));
      await waitFor(client.syncStatus$(), (s) => s.pendingUploads === 0, 'both uploaded');

      const path = `/${system.databasesOf(userId).sessions}/${deleted.id}`;
      const { body } = await system.store('GET', path);
      expect((await system.store('DELETE', `${path}?rev=${body._rev}`)).status).toBe(200);
      await waitFor(client.sessions$(), (entries) => entries.length === 1, 'the deletion on the device');
      await client.close();

      // Read with no client open: a sign-in would prune the ledger itself.
      const ledger = await withStoredLedger(storage, name, userId, () => undefined);
      expect(ledger).toEqual({ uploaded: [kept.id], rejected: {} });
    });

    it('drops at sign-in what it holds of sessions no longer on the device', async () => {
      const storage = getRxStorageMemory();
      const name = `stale${process.pid}`;
      const first = await open({ storage, name });
      const { userId } = await first.register(uniqueName(), PASSWORD);
      const session = await first.recordSession(recordingInput({ seed: 150, durationS: 5 }));
      await waitFor(first.syncStatus$(), (s) => s.pendingUploads === 0, 'the upload');
      await first.close();
      // As an app stopped between a session's deletion and the ledger's next write leaves it.
      const gone = [sessionIdAt(Date.now(), new Uint8Array(10)), sessionIdAt(Date.now(), new Uint8Array(10).fill(1))];
      await withStoredLedger(storage, name, userId, (ledger) => ({ uploaded: [...(ledger?.uploaded ?? []), gone[0]!], rejected: { [gone[1]!]: 'refused' } }));

      const restarted = await open({ storage, name });
      expect(restarted.user()?.userId).toBe(userId);
      expect((await firstValueFrom(restarted.sessions$())).map((e) => [e.session.id, e.upload])).toEqual([[session.id, 'uploaded']]);
      await restarted.close();
      expect(await withStoredLedger(storage, name, userId, () => undefined)).toEqual({ uploaded: [session.id], rejected: {} });
    });
  });
});
