import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNothingLost, runWithFault, testFleet } from './support/fleetRun.js';
import { flood, postJson, registerUser, slowClient } from './support/hostileClients.js';
import { startStack, type Stack } from './support/stack.mjs';

const PASSWORD = 'correct horse battery';
const MiB = 1024 * 1024;
const ATTACKER = '203.0.113.66';

/**
 * Each test attacks the gateway while a small fleet (3 devices × 4 sessions)
 * records and syncs through it: the attack is refused, and the fleet loses
 * nothing. The gateway trusts X-Forwarded-For from loopback, as behind a
 * reverse proxy, so that the attacker and the users are different clients.
 */
describe('hostile load', () => {
  let stack: Stack;
  let url: string;
  beforeAll(async () => {
    stack = await startStack({
      gatewayEnv: {
        TRUST_PROXY: 'loopback',
        AUTH_RATE_LIMIT_PER_CLIENT: '20',
        AUTH_RATE_LIMIT_PER_USERNAME: '5',
        AUTH_RATE_LIMIT_WINDOW_S: '60',
        BODY_LIMIT_BYTES: String(MiB),
        HEADERS_TIMEOUT_MS: '1500',
        REQUEST_TIMEOUT_MS: '3000',
      },
    });
    url = stack.gatewayUrl;
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  const fleet = () => testFleet(url, { devices: 3, sessions: 4, intervalMs: 1_500 });

  it('rate-limits a flood of wrong-password logins; other users log in and sync as usual', async () => {
    await registerUser(url, 'victim-flood', PASSWORD, '198.51.100.10');
    await registerUser(url, 'bystander-flood', PASSWORD, '198.51.100.20');
    let statuses: number[] = [];
    let retryAfter: string | null = null;
    let bystander = 0;
    const { summary } = await runWithFault(fleet(), {
      when: (p) => p.recorded >= 2,
      inject: async () => {
        // Half aimed at one account, half guessing names: 300 attempts from one address, 20 at a time.
        statuses = await flood(300, 20, async (i) => {
          const username = i % 2 === 0 ? 'victim-flood' : `nobody-${i}`;
          return (await postJson(`${url}/auth/login`, JSON.stringify({ username, password: 'not the password' }), ATTACKER)).status;
        });
        const refused = await fetch(`${url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': ATTACKER },
          body: JSON.stringify({ username: 'victim-flood', password: PASSWORD }),
        });
        retryAfter = refused.status === 429 ? refused.headers.get('retry-after') : null;
        bystander = (await postJson(`${url}/auth/login`, JSON.stringify({ username: 'bystander-flood', password: PASSWORD }), '198.51.100.20')).status;
      },
    });
    expect(new Set(statuses)).toEqual(new Set([401, 429]));
    // At most the per-address allowance got as far as a password check.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(280);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(bystander).toBe(200);
    expectNothingLost(summary);
  }, 120_000);

  it('answers oversized bodies with 413 and a reason, and stays up', async () => {
    const answers: Record<string, { status: number; json: Record<string, unknown> | null }> = {};
    let health = 0;
    const { summary } = await runWithFault(fleet(), {
      when: (p) => p.recorded >= 2,
      inject: async () => {
        const ip = '198.51.100.30';
        const token = await registerUser(url, 'big-bodies', PASSWORD, ip);
        const big = JSON.stringify({ docs: [{ _id: 'ses_01M8000000000000000000000', padding: 'x'.repeat(2 * MiB) }] });
        answers['bulk_docs'] = await postJson(`${url}/sync/sessions/_bulk_docs`, big, ip, token);
        answers['rest upload'] = await postJson(`${url}/api/sessions`, big, ip, token);
        answers['login'] = await postJson(`${url}/auth/login`, JSON.stringify({ username: 'big-bodies', password: 'y'.repeat(100_000) }), ip);
        // Without a token the body is never read: refused before it costs anything.
        answers['anonymous bulk_docs'] = await postJson(`${url}/sync/sessions/_bulk_docs`, big, ip);
        // A streamed body without a length is cut off at the limit too.
        const chunks = Array.from({ length: 40 }, () => new TextEncoder().encode('x'.repeat(64 * 1024)));
        const stream = new ReadableStream<Uint8Array>({
          pull(controller) {
            const next = chunks.shift();
            if (next) controller.enqueue(next);
            else controller.close();
          },
        });
        const streamed = await fetch(`${url}/sync/sessions/_bulk_docs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: stream,
          duplex: 'half',
        } as RequestInit);
        answers['streamed'] = { status: streamed.status, json: (await streamed.json()) as Record<string, unknown> };
        health = (await fetch(`${url}/health`)).status;
      },
    });
    for (const name of ['bulk_docs', 'rest upload', 'login', 'streamed']) {
      expect(answers[name]?.status, name).toBe(413);
      expect(answers[name]?.json?.['error'], name).toBe('too_large');
      expect(String(answers[name]?.json?.['reason']), name).toMatch(/larger than/);
    }
    expect(answers['anonymous bulk_docs']?.status).toBe(401);
    expect(health).toBe(200);
    expectNothingLost(summary);
  }, 120_000);

  it('times out slow-loris clients, in their headers or their body, and stays responsive', async () => {
    const port = Number(new URL(url).port);
    let received: string[] = [];
    let headSent = 0;
    const health: number[] = [];
    const { summary } = await runWithFault(fleet(), {
      when: (p) => p.recorded >= 2,
      inject: async () => {
        const token = await registerUser(url, 'slow-loris', PASSWORD, '198.51.100.40');
        // Headers at 20 bytes a second: never complete within HEADERS_TIMEOUT_MS.
        const slowHeads = Array.from({ length: 20 }, () =>
          slowClient(port, { head: `GET /health HTTP/1.1\r\nHost: gw\r\nX-Padding: ${'p'.repeat(300)}\r\n\r\n` }, 2, 100),
        );
        // Headers at once, then a 100 kB upload at 100 bytes a second: never complete within REQUEST_TIMEOUT_MS.
        const head = `POST /sync/sessions/_bulk_docs HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`;
        const slowBodies = Array.from({ length: 20 }, () => slowClient(port, { head, body: `{"docs":[]${' '.repeat(99_990)}}`, headAtOnce: true }, 10, 100));
        // Meanwhile the gateway answers others.
        for (let i = 0; i < 5; i++) health.push((await fetch(`${url}/health`)).status);
        received = await Promise.all([...slowHeads, ...slowBodies].map((c) => c.closed));
        headSent = Math.max(...slowHeads.map((c) => c.sent()));
      },
    });
    expect(health).toEqual([200, 200, 200, 200, 200]);
    // Every slow client was cut off with 408 before it could finish.
    expect(received).toHaveLength(40);
    for (const answer of received) expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(headSent).toBeLessThan(340);
    expectNothingLost(summary);
  }, 120_000);
});
