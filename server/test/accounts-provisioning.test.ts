import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUserId } from '../src/accounts/userIds.js';
import { provisionUserDatabases } from '../src/accounts/userDatabaseProvisioning.js';
import { startTestStore, TEST_ADMIN, type TestStore } from '../../store/test/storeFixture.js';
import { StoreClient, storeUrlWithCredentials } from '@m2m/couch';

/** A pass-through in front of the store that notes each request line, so the test sees what reached the store. */
function recordingPassThrough(target: string): Promise<{ url: string; lines: string[]; server: Server }> {
  const lines: string[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    lines.push(`${req.method} ${req.url}`);
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(forward);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines, server });
    });
  });
}

describe('user database provisioning', () => {
  let s: TestStore;
  beforeAll(async () => {
    s = await startTestStore();
  });
  afterAll(async () => {
    await s.teardown();
  });

  it('creates both databases of a user with one shard (q=1), admin-only', async () => {
    const recorder = await recordingPassThrough(s.url);
    const store = new StoreClient(storeUrlWithCredentials(recorder.url, TEST_ADMIN));
    const userId = newUserId();
    try {
      await provisionUserDatabases(store, 'm2m-', userId);
    } finally {
      await store.close();
      recorder.server.close();
    }
    for (const kind of ['sessions', 'progress']) {
      const name = `m2m-u-${userId}-${kind}`;
      expect(recorder.lines).toContain(`PUT /${name}?q=1`);
      expect((await s.json('GET', `/${name}`)).status).toBe(200);
      expect((await s.json('GET', `/${name}/_security`)).body.members.roles).toEqual(['_admin']);
    }
  });
});
