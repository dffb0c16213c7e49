import { synthesizeSession } from '@m2m/analysis-core';
import type { Browser, BrowserContext, Page, Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { collectPageErrors, launchChromium, screenshot, UI_TIMEOUT_MS, VIEWPORT } from './support/browser.js';
import { DemoPage } from './support/demoPage.js';
import { startDemoServer, type DemoServer } from './support/demoServer.js';
import { startDemoSystem, type DemoSystem } from './support/system.js';

const PASSWORD = 'a long passphrase';
const CHART_IDS = ['rangeOfMotionDeg', 'sparc', 'reactionTimeMs', 'accuracy', 'peakVelocityDegS', 'ldlj', 'tremorShare'];
/** A browser scenario takes several bounded waits; the per-wait bound is UI_TIMEOUT_MS. */
const SCENARIO_TIMEOUT_MS = 180_000;
const uniqueName = (): string => `u${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

interface OpenedDemo {
  context: BrowserContext;
  page: Page;
  demo: DemoPage;
  /** Web Workers the page started. */
  workers: Worker[];
  /** Uncaught errors in the page. */
  errors: string[];
}

describe('the web demo in Chromium', () => {
  let server: DemoServer | undefined;
  let system: DemoSystem | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    server = await startDemoServer();
    // The sync worker starts later: the first sessions show provisional results before the server's.
    system = await startDemoSystem({ corsOrigin: server.url, worker: false });
    server.gatewayUrl = system.gatewayUrl;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await system?.close();
    await server?.close();
  });

  async function openDemo(): Promise<OpenedDemo> {
    if (!browser || !server) throw new Error('the browser or the demo server did not start (see the beforeAll error)');
    const context = await browser.newContext({ viewport: VIEWPORT });
    // Each test closes the browser contexts it opened.
    onTestFinished(() => context.close());
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    const page = await context.newPage();
    const workers: Worker[] = [];
    page.on('worker', (worker) => workers.push(worker));
    const errors = collectPageErrors(page);
    await page.goto(server.url);
    return { context, page, demo: new DemoPage(page), workers, errors };
  }

  /** An account with sessions made without the demo, through the gateway's REST API. */
  async function userWithSessions(count: number): Promise<{ username: string; sessionIds: string[] }> {
    const gateway = system!.gatewayUrl;
    const username = uniqueName();
    const registered = await fetch(`${gateway}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    expect(registered.status).toBe(201);
    const { accessToken } = (await registered.json()) as { accessToken: string };
    const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
    const sessionIds: string[] = [];
    for (let seed = 1; seed <= count; seed++) {
      const session = synthesizeSession({ seed: seed + 100, durationS: 10, startedAt: `2026-11-0${seed}T09:00:00.000Z` });
      const uploaded = await fetch(`${gateway}/api/sessions`, { method: 'POST', headers, body: JSON.stringify(session) });
      expect(uploaded.status).toBe(201);
      sessionIds.push(session.id);
    }
    // Analysed by the server, so this user has everything a second user must not see.
    if (count > 0) {
      await expect
      .poll(async () => ((await (await fetch(`${gateway}/api/progress`, { headers })).json()) as { progress: { sessionCount: number } | null }).progress?.sessionCount, {
        timeout: UI_TIMEOUT_MS,
      })
        .toBe(count);
    }
    return { username, sessionIds };
  }

  it('explains a taken username, a wrong password, a short password and an unreachable server in words', async () => {
    const { username } = await userWithSessions(0);
    const { context, demo } = await openDemo();
    const error = demo.byTestId('auth-error');

    await demo.signUp(username, PASSWORD);
    await expect.poll(() => error.textContent(), { timeout: UI_TIMEOUT_MS }).toBe('This username is taken.');
    await demo.logIn(username, 'not the password');
    await expect.poll(() => error.textContent(), { timeout: UI_TIMEOUT_MS }).toBe('Name or password is incorrect.');
    await screenshot(demo.page, '01-sign-in-error');
    await demo.signUp(uniqueName(), 'short');
    await expect.poll(() => error.textContent(), { timeout: UI_TIMEOUT_MS }).toBe('Password must be at least 10 characters.');

    await context.setOffline(true);
    await demo.logIn(username, PASSWORD);
    await expect.poll(() => error.textContent(), { timeout: UI_TIMEOUT_MS }).toMatch(/^The server cannot be reached/);
    await context.setOffline(false);
    await demo.logIn(username, PASSWORD);
    await demo.waitForDashboard();
    expect(await demo.byTestId('signed-in-user').textContent()).toBe(username);
  }, SCENARIO_TIMEOUT_MS);

  it('records sessions online and offline, confirms them when the server has them, and keeps them across a reload', async () => {
    const { context, page, demo, workers, errors } = await openDemo();
    const username = uniqueName();
    await screenshot(page, '02-sign-in');
    await demo.signUp(username, PASSWORD);
    await demo.waitForDashboard();
    await expect.poll(() => demo.attribute('connection', 'data-state'), { timeout: UI_TIMEOUT_MS }).toBe('online');

    // Online, with the server's analysis held back: uploaded sessions with the device's results.
    for (const impairment of ['0.8', '0.5', '0.3']) await demo.play({ impairment, durationS: '10' });
    await demo.expectAllRows(3, 'provisional', 'device');
    await expect.poll(() => demo.attribute('pending-count', 'data-count'), { timeout: UI_TIMEOUT_MS }).toBe('0');
    await expect.poll(() => demo.attribute('progress-source', 'data-source'), { timeout: UI_TIMEOUT_MS }).toBe('device');
    await expect.poll(() => demo.attribute('progress-session-count', 'data-count'), { timeout: UI_TIMEOUT_MS }).toBe('3');
    await screenshot(page, '03-provisional-results');

    // The provisional results came from the SDK's analysis Web Worker, bundled by Vite.
    expect(workers.map((w) => w.url())).toEqual([expect.stringMatching(/\/assets\/browserWorkerScript-[\w-]+\.js$/)]);
    expect(await workers[0]!.evaluate(() => typeof (globalThis as { postMessage?: unknown }).postMessage)).toBe('function');

    await system!.startWorker();
    await demo.expectAllRows(3, 'confirmed', 'server');
    await expect.poll(() => demo.attribute('progress-source', 'data-source'), { timeout: UI_TIMEOUT_MS }).toBe('server');
    await screenshot(page, '04-confirmed-by-server');

    // Offline: two more games, waiting to upload, with provisional results.
    await context.setOffline(true);
    await demo.play({ impairment: '0.3', durationS: '10' });
    await demo.play({ impairment: '0.1', durationS: '10' });
    await expect
      .poll(() => demo.rowStates(), { timeout: UI_TIMEOUT_MS })
      .toEqual([
        { state: 'pending', source: 'device' },
        { state: 'pending', source: 'device' },
        ...Array.from({ length: 3 }, () => ({ state: 'confirmed', source: 'server' })),
      ]);
    await expect.poll(() => demo.attribute('connection', 'data-state'), { timeout: UI_TIMEOUT_MS }).toBe('offline');
    await expect.poll(() => demo.attribute('pending-count', 'data-count'), { timeout: UI_TIMEOUT_MS }).toBe('2');
    await expect.poll(() => demo.attribute('progress-session-count', 'data-count'), { timeout: UI_TIMEOUT_MS }).toBe('5');
    expect(await demo.attribute('progress-source', 'data-source')).toBe('device');
    await screenshot(page, '05-offline-pending');

    // Back online: uploaded, analysed by the server, the progress chart over five sessions.
    await context.setOffline(false);
    await demo.expectAllRows(5, 'confirmed', 'server');
    await expect.poll(() => demo.attribute('connection', 'data-state'), { timeout: UI_TIMEOUT_MS }).toBe('online');
    await expect.poll(() => demo.attribute('pending-count', 'data-count'), { timeout: UI_TIMEOUT_MS }).toBe('0');
    await expect.poll(() => demo.attribute('progress-source', 'data-source'), { timeout: UI_TIMEOUT_MS }).toBe('server');
    await expectProgressOver(demo, 5);
    const ids = await demo.rowIds();
    await screenshot(page, '06-progress-after-sync');

    // A reload keeps the sign-in and everything on the device.
    await page.reload();
    await demo.waitForDashboard();
    expect(await demo.byTestId('signed-in-user').textContent()).toBe(username);
    await demo.expectAllRows(5, 'confirmed', 'server');
    expect(await demo.rowIds()).toEqual(ids);
    await expectProgressOver(demo, 5);
    await screenshot(page, '07-after-reload');

    expect(errors).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);

  it('shows another user none of the first user’s data, and that user’s own after a log in', async () => {
    await system!.startWorker();
    const first = await userWithSessions(2);
    const { page, demo, errors } = await openDemo();

    await demo.signUp(uniqueName(), PASSWORD);
    await demo.waitForDashboard();
    await expect.poll(() => demo.attribute('connection', 'data-state'), { timeout: UI_TIMEOUT_MS }).toBe('online');
    await demo.byTestId('sessions-empty').waitFor();
    await demo.byTestId('progress-empty').waitFor();
    await screenshot(page, '08-second-user-sees-nothing-of-the-first');
    await demo.play({ durationS: '10' });
    await demo.expectAllRows(1, 'confirmed', 'server');
    const own = await demo.rowIds();
    expect(own.filter((id) => first.sessionIds.includes(id))).toEqual([]);
    await expect.poll(() => demo.attribute('progress-session-count', 'data-count'), { timeout: UI_TIMEOUT_MS }).toBe('1');
    await screenshot(page, '09-second-user-own-session');

    // The first user, signing in on this browser, gets their sessions from the server and none of the second user's.
    await demo.byTestId('logout').click();
    await demo.byTestId('auth-view').waitFor();
    await demo.logIn(first.username, PASSWORD);
    await demo.waitForDashboard();
    await demo.expectAllRows(2, 'confirmed', 'server');
    expect((await demo.rowIds()).sort()).toEqual([...first.sessionIds].sort());
    await expect.poll(() => demo.attribute('progress-session-count', 'data-count'), { timeout: UI_TIMEOUT_MS }).toBe('2');
    expect(errors).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);
});

/**
 * The progress view covers `count` sessions: summary, and a point per session with the baseline in every chart;
 * games played within minutes of each other are too few days for a weekly trend, and the chart says so.
 */
async function expectProgressOver(demo: DemoPage, count: number): Promise<void> {
  await expect.poll(() => demo.attribute('progress-session-count', 'data-count'), { timeout: UI_TIMEOUT_MS }).toBe(String(count));
  for (const id of CHART_IDS) {
    await expect.poll(() => demo.attribute(`chart-${id}`, 'data-points'), { timeout: UI_TIMEOUT_MS }).toBe(String(count));
    expect(await demo.attribute(`chart-${id}`, 'data-baseline')).toBe('shown');
    expect(await demo.attribute(`chart-${id}`, 'data-trend')).toBe('not-enough-data');
    expect(await demo.byTestId(`trend-${id}`).textContent()).toMatch(/^Trend after 5 sessions over at least 7 days \(so far \d+ over 1 day\)\.$/);
  }
}
