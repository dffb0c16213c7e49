import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METRICS_AUTH, startTestGateway, TEST_PASSWORD, type TestGateway } from './support/gatewayHarness.js';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway();
});

afterAll(async () => {
  await gw?.close();
});

/** One sample of the gateway's metrics (0 when absent). */
async function metric(line: string): Promise<number> {
  const text = (await gw.call('GET', '/metrics', { headers: METRICS_AUTH })).text;
  const escaped = line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`^${escaped} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

const GONE = 'm2m_gateway_auth_failures_total{reason="client_gone"}';
const BAD = 'm2m_gateway_auth_failures_total{reason="bad_credentials"}';
const WAITING = 'm2m_gateway_password_hashes_waiting';

describe('logins whose clients have gone', () => {
  it('are dropped before their password hash; the server stays free for the next login', async () => {
    const user = await gw.register();
    const [goneBefore, badBefore] = [await metric(GONE), await metric(BAD)];

    // A storm: 24 wrong-password logins at once, more than the hashes run at a time.
    const storm = Array.from({ length: 24 }, () => new AbortController());
    const sent = storm.map((controller) =>
      fetch(`${gw.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: user.username, password: 'not the password' }),
        signal: controller.signal,
      }).then(
        (res) => res.status,
        () => 'gone' as const,
      ),
    );
    // Once some wait for a hash, every client gives up (as the SDK does after its timeout).
    await vi.waitFor(async () => expect(await metric(WAITING)).toBeGreaterThanOrEqual(4), { timeout: 30_000, interval: 20 });
    for (const controller of storm) controller.abort();
    const outcomes = await Promise.all(sent);
    expect(outcomes.filter((o) => o === 'gone').length).toBeGreaterThanOrEqual(4);

    // The waiting ones are dropped when their turn comes, without a hash and without an answer.
    await vi.waitFor(async () => expect(await metric(WAITING)).toBe(0), { timeout: 30_000 });
    const gone = (await metric(GONE)) - goneBefore;
    const hashed = (await metric(BAD)) - badBefore;
    expect(gone).toBeGreaterThanOrEqual(4);
    expect(gone + hashed).toBeLessThanOrEqual(24);

    // The right password still logs in.
    const login = await gw.call('POST', '/auth/login', { body: { username: user.username, password: TEST_PASSWORD } });
    expect(login.status).toBe(200);
    expect(login.body.userId).toBe(user.userId);
  }, 60_000);
});
