import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ActivityHints } from '../src/proxy/activityHints.js';
import { StoreClient, storeUrlWithCredentials, systemDatabases } from '@m2m/couch';
import { TEST_ADMIN } from '../../store/test/storeFixture.js';
import { startProxyWorld, type ProxyWorld } from './support/proxyWorld.js';

// The sync worker follows the activity database to follow a user's sessions before their next session arrives.
describe('activity hints for the sync worker', () => {
  let world: ProxyWorld;
  let activity: string;
  const hintOf = async (userId: string) => world.store.json('GET', `/${activity}/${userId}`);

  beforeAll(async () => {
    world = await startProxyWorld();
    activity = systemDatabases(world.gateway.config.dbPrefix).activity;
  });
  afterAll(async () => {
    await world.close();
  });

  it('the gateway creates the activity database for server admins only', async () => {
    const security = await world.store.json('GET', `/${activity}/_security`);
    expect(security.status).toBe(200);
    expect(security.body.members.roles).toEqual(['_admin']);
  });

  it('a user syncing their sessions is hinted at once; their progress feed alone is not', async () => {
    const user = await world.newUser();
    expect((await hintOf(user.userId)).status).toBe(404);
    expect((await user.json('GET', '/sync/progress/')).status).toBe(200);
    expect((await user.json('GET', '/sync/sessions/')).status).toBe(200);
    await vi.waitFor(async () => expect((await hintOf(user.userId)).status).toBe(200), { timeout: 10_000 });
    // The hint came from the sessions request: the progress one wrote nothing before it.
    expect((await hintOf(user.userId)).body._rev).toMatch(/^1-/);
  });

  it('hints each user at most once per interval, then again, also after another writer', async () => {
    let now = 1_000_000;
    const store = new StoreClient(storeUrlWithCredentials(world.store.url, TEST_ADMIN), { timeoutMs: 5_000 });
    try {
      const hints = new ActivityHints(store, activity, pino({ level: 'silent' }), () => now, 60_000);
      const userId = 'a'.repeat(26);
      hints.seen(userId);
      await vi.waitFor(async () => expect((await hintOf(userId)).body._rev).toMatch(/^1-/), { timeout: 10_000 });
      now += 59_000;
      hints.seen(userId);
      // Another gateway's hint: the next one of this gateway meets a conflict and still lands.
      const current = (await hintOf(userId)).body;
      expect((await world.store.json('PUT', `/${activity}/${userId}`, { ...current, at: 'elsewhere' })).status).toBe(201);
      now += 2_000;
      hints.seen(userId);
      await vi.waitFor(async () => expect((await hintOf(userId)).body._rev).toMatch(/^3-/), { timeout: 10_000 });
      expect((await hintOf(userId)).body.at).not.toBe('elsewhere');
    } finally {
      await store.close();
    }
  });
});
