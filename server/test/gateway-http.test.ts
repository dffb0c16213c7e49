import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../src/auth/rateLimiter.js';
import {
  captureLog,
  METRICS_AUTH,
  startTestGateway,
  TEST_PASSWORD,
  uniqueUsername,
  type CapturedLog,
  type TestGateway,
} from './support/gatewayHarness.js';

let gw: TestGateway;
let log: CapturedLog;
/** Resolves the held request of the test router. */
let releaseHeld: (() => void) | undefined;

function testRouter(): express.Router {
  const router = express.Router();
  router.post('/echo', (req, res) => {
    res.json({ body: req.body as unknown });
  });
  router.get('/held', async (_req, res) => {
    await new Promise<void>((resolve) => {
      releaseHeld = resolve;
    });
    res.json({ finished: true });
  });
  router.get('/boom', () => {
    throw new Error('secret internal detail');
  });
  return router;
}

beforeAll(async () => {
  log = captureLog();
  gw = await startTestGateway(
    { BODY_LIMIT_BYTES: '4096', CORS_ORIGINS: 'https://app.example.com', LOG_LEVEL: 'debug' },
    { logger: log.logger, routers: () => ({ sync: testRouter(), api: testRouter() }) },
  );
});

afterAll(async () => {
  await gw?.close();
});

describe('HTTP behaviour', () => {
  it('answers malformed, truncated and non-object JSON with 400 bad_request and a request id', async () => {
    for (const body of ['{bad', '{"username": "a', '', '"just a string"', '[1,2]', 'null', '\u0000']) {
      const answer = await gw.call('POST', '/auth/login', { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toMatchObject({ error: 'bad_request', reason: expect.any(String) });
      expect(answer.body.requestId).toBe(answer.headers.get('x-request-id'));
    }
  });

  it('answers a body without a JSON content type with 400', async () => {
    const answer = await gw.call('POST', '/auth/login', {
      body: JSON.stringify({ username: 'someone', password: TEST_PASSWORD }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.reason).toMatch(/JSON object/);
  });

  it('refuses oversized bodies with 413: 16 KiB on /auth, BODY_LIMIT_BYTES behind authentication', async () => {
    const huge = await gw.call('POST', '/auth/register', { body: { username: 'big-body', password: 'p'.repeat(20_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toBe('too_large');

    const user = await gw.register();
    const small = await gw.call('POST', '/api/echo', { token: user.accessToken, body: { docs: ['x'.repeat(1000)] } });
    expect(small.status).toBe(200);
    expect(small.body).toEqual({ body: { docs: ['x'.repeat(1000)] } });
    const large = await gw.call('POST', '/api/echo', { token: user.accessToken, body: { docs: ['x'.repeat(5000)] } });
    expect(large.status).toBe(413);
    expect(large.body).toMatchObject({ error: 'too_large', requestId: expect.any(String) });
    // Without a token the body is never read: 401, not 413.
    const anonymous = await gw.call('POST', '/api/echo', { body: { docs: ['x'.repeat(5000)] } });
    expect(anonymous.status).toBe(401);
  });

  it('answers unknown routes and methods with 404 not_found in JSON', async () => {
    for (const [method, path] of [
      ['GET', '/nowhere'],
      ['GET', '/auth/register'],
      ['PUT', '/health'],
      ['GET', '/_all_dbs'],
      ['GET', '/_utils/'],
      ['POST', '/auth/../_users'],
    ] as const) {
      const answer = await gw.call(method, path);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body).toMatchObject({ error: 'not_found', requestId: expect.any(String) });
    }
  });

  it('hides internal errors behind a 500 with the request id, and logs them with it', async () => {
    const user = await gw.register();
    const answer = await gw.call('GET', '/sync/boom', { token: user.accessToken });
    expect(answer.status).toBe(500);
    expect(answer.body.error).toBe('internal_server_error');
    expect(answer.body.code).toBe('internal_error');
    expect(answer.text).not.toContain('secret internal detail');
    const line = log.lines().find((entry) => entry.msg === 'request failed' && entry.reqId === answer.body.requestId);
    expect(line?.err?.message).toBe('secret internal detail');
  });

  it("keeps a sensible client X-Request-Id and replaces one that isn't", async () => {
    const kept = await gw.call('GET', '/nowhere', { headers: { 'x-request-id': 'client-abc.123' } });
    expect(kept.headers.get('x-request-id')).toBe('client-abc.123');
    expect(kept.body.requestId).toBe('client-abc.123');
    const replaced = await gw.call('GET', '/health', { headers: { 'x-request-id': 'bad id\twith spaces' + 'x'.repeat(80) } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers and no X-Powered-By', async () => {
    const answer = await gw.call('GET', '/health');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('strict-transport-security')).toMatch(/max-age/);
    expect(answer.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(answer.headers.get('content-security-policy')).toBeTruthy();
    expect(answer.headers.get('x-powered-by')).toBeNull();
  });

  it('allows CORS from configured origins only, preflight included', async () => {
    const allowed = await gw.call('OPTIONS', '/sync/echo', {
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const simple = await gw.call('GET', '/health', { headers: { origin: 'https://app.example.com' } });
    expect(simple.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id/);

    const other = await gw.call('GET', '/health', { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reports health, readiness and metrics', async () => {
    expect((await gw.call('GET', '/health')).body).toEqual({ status: 'ok' });
    expect((await gw.call('GET', '/ready')).body).toEqual({ status: 'ready' });
    await gw.call('POST', '/auth/login', { body: { username: uniqueUsername('nobody'), password: 'wrong password' } });
    const metrics = await gw.call('GET', '/metrics', { headers: METRICS_AUTH });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    expect(metrics.text).toMatch(/m2m_gateway_http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
    expect(metrics.text).toMatch(/m2m_gateway_http_requests_total\{method="POST",route="\/auth\/login",status="401"\} \d+/);
    expect(metrics.text).toMatch(/m2m_gateway_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/health",status="200"\}/);
    expect(metrics.text).toMatch(/m2m_gateway_http_requests_total\{method="GET",route="unmatched",status="404"\}/);
    expect(metrics.text).toMatch(/m2m_gateway_auth_failures_total\{reason="bad_credentials"\} [1-9]/);
    expect(metrics.text).toMatch(/# TYPE m2m_gateway_proxy_upstream_errors_total counter/);
    // Raw paths (with ids) never become labels.
    expect(metrics.text).not.toMatch(/route="\/nowhere"/);
  });

  it('logs every request with its id and never a password or token', async () => {
    const username = uniqueUsername('logged');
    const password = 'very secret password 42';
    const reg = await gw.call('POST', '/auth/register', { body: { username, password } });
    const refreshed = await gw.call('POST', '/auth/refresh', { body: { refreshToken: reg.body.refreshToken } });
    await gw.call('POST', '/auth/login', { body: { username, password: 'wrong password 42', deviceToken: reg.body.deviceToken } });
    await gw.call('GET', '/me', { token: refreshed.body.accessToken });
    await gw.call('POST', '/auth/logout', { body: { refreshToken: refreshed.body.refreshToken } });

    const text = log.text();
    for (const secret of [password, 'wrong password 42', reg.body.accessToken, reg.body.refreshToken, refreshed.body.refreshToken, reg.body.deviceToken]) {
      expect(text).not.toContain(secret);
    }
    const requestLines = log.lines().filter((entry) => entry.msg === 'request');
    expect(requestLines.length).toBeGreaterThan(5);
    for (const line of requestLines) expect(line.reqId).toEqual(expect.any(String));
    expect(requestLines.some((line) => line.reqId === reg.headers.get('x-request-id') && line.status === 201)).toBe(true);
  });

  it('finishes an in-flight request on close, refuses new connections, and only then resolves', async () => {
    const extra = await startTestGateway({}, { routers: () => ({ sync: testRouter() }) });
    try {
      const user = await extra.register();
      releaseHeld = undefined;
      const held = extra.call('GET', '/sync/held', { token: user.accessToken });
      while (!releaseHeld) await new Promise((resolve) => setTimeout(resolve, 5));
      // What `npm start` names while the gateway stops.
      expect(extra.gateway.requestsInFlight()).toBe(1);
      let closed = false;
      const closing = extra.gateway.close().then(() => {
        closed = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(closed).toBe(false);
      await expect(fetch(`${extra.url}/health`)).rejects.toThrow();
      // Assigned inside the router, which TypeScript's narrowing cannot see.
      (releaseHeld as (() => void) | undefined)?.();
      const answer = await held;
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ finished: true });
      await closing;
      expect(closed).toBe(true);
      expect(extra.gateway.requestsInFlight()).toBe(0);
    } finally {
      await extra.close();
    }
  });
});

describe('rate limits', () => {
  let limited: TestGateway;

  beforeAll(async () => {
    limited = await startTestGateway({
      AUTH_RATE_LIMIT_PER_CLIENT: '4',
      AUTH_RATE_LIMIT_PER_USERNAME: '2',
      AUTH_RATE_LIMIT_WINDOW_S: '60',
      LOGIN_GUESSES_PER_HOUR: '2',
      TRUST_PROXY: 'loopback',
    });
  });

  afterAll(async () => {
    await limited?.close();
  });

  const from = (ip: string): Record<string, string> => ({ 'x-forwarded-for': ip });

  it('limits password guesses per username from unknown devices, with Retry-After, over a sliding hour', async () => {
    const username = uniqueUsername('target');
    const attempt = (ip: string) =>
      limited.call('POST', '/auth/login', { body: { username, password: 'guess number 1' }, headers: from(ip) });
    expect((await attempt('10.0.0.1')).status).toBe(401);
    expect((await attempt('10.0.0.2')).status).toBe(401);
    const blocked = await attempt('10.0.0.3');
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ error: 'too_many_requests', requestId: expect.any(String) });
    expect(blocked.headers.get('retry-after')).toBe('3600');
    // Another name from a fresh client is not affected.
    const other = await limited.call('POST', '/auth/login', {
      body: { username: uniqueUsername('other'), password: 'guess number 1' },
      headers: from('10.0.0.4'),
    });
    expect(other.status).toBe(401);

    limited.clock.advance(1_800_000);
    expect((await attempt('10.0.0.5')).headers.get('retry-after')).toBe('1800');
    limited.clock.advance(1_800_000);
    expect((await attempt('10.0.0.6')).status).toBe(401);
  });

  it('limits register, login and refresh together per client address', async () => {
    const ip = '10.1.0.1';
    const answers = [
      await limited.call('POST', '/auth/register', { body: { username: 'ab', password: 'x' }, headers: from(ip) }),
      await limited.call('POST', '/auth/login', { body: { username: uniqueUsername(), password: 'guess' }, headers: from(ip) }),
      await limited.call('POST', '/auth/refresh', { body: { refreshToken: 'nope' }, headers: from(ip) }),
      await limited.call('POST', '/auth/login', { body: { username: uniqueUsername(), password: 'guess' }, headers: from(ip) }),
      await limited.call('POST', '/auth/refresh', { body: { refreshToken: 'nope' }, headers: from(ip) }),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 401, 401, 401, 429]);
    expect(Number(answers[4]?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another client is not affected.
    const other = await limited.call('POST', '/auth/refresh', { body: { refreshToken: 'nope' }, headers: from('10.1.0.2') });
    expect(other.status).toBe(401);
    const metrics = await limited.call('GET', '/metrics', { headers: METRICS_AUTH });
    expect(metrics.text).toMatch(/m2m_gateway_auth_failures_total\{reason="rate_limited"\} [1-9]/);
  });

  it('limits password attempts on DELETE /me per account', async () => {
    const user = await limited.register(uniqueUsername('deleter'), TEST_PASSWORD);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await limited.call('DELETE', '/me', { token: user.accessToken, body: { password: `wrong ${i} guess!` } });
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([401, 401, 429]);
  });
});

describe('rate limiter memory', () => {
  it('keeps at most maxKeys windows and drops expired ones as new ones start', () => {
    let now = 0;
    const limiter = new RateLimiter(2, 60, () => now, 100);
    for (let i = 0; i < 1_000; i++) limiter.hit(`attacker-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    // A key still inside its window keeps its count when it is among the newest.
    limiter.hit('victim');
    limiter.hit('victim');
    expect(limiter.hit('victim')).toEqual({ allowed: false, retryAfterS: 60 });
    now += 61_000;
    limiter.hit('fresh');
    expect(limiter.size).toBe(1);
    expect(limiter.hit('victim')).toEqual({ allowed: true });
  });
});
