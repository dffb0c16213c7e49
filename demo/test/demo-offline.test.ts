import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { collectPageErrors, launchChromium, screenshot, SCREENSHOTS, UI_TIMEOUT_MS, VIEWPORT } from './support/browser.js';
import { DemoPage } from './support/demoPage.js';
import { startDemoServer, type DemoServer } from './support/demoServer.js';
import { startDemoSystem, type DemoSystem } from './support/system.js';

const PASSWORD = 'a long passphrase';
const SCENARIO_TIMEOUT_MS = 180_000;
const uniqueName = (): string => `u${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** One browser for every scenario of this file: browser launches are heavy on a shared machine. */
describe('the demo offline, installed and on every screen, in Chromium', () => {
  let server: DemoServer | undefined;
  let system: DemoSystem | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    server = await startDemoServer();
    system = await startDemoSystem({ corsOrigin: server.url, worker: true });
    server.gatewayUrl = system.gatewayUrl;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await system?.close();
    await server?.close();
  });

  async function newContext(options: { serviceWorkers: 'allow' | 'block' }): Promise<BrowserContext> {
    if (!browser) throw new Error('the browser did not start (see the beforeAll error)');
    const context = await browser.newContext({ viewport: VIEWPORT, serviceWorkers: options.serviceWorkers });
    onTestFinished(() => context.close());
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    return context;
  }

  async function open(context: BrowserContext): Promise<{ page: Page; demo: DemoPage; errors: string[] }> {
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(server!.url);
    return { page, demo: new DemoPage(page), errors };
  }

  /** Both the browser's network and the demo's server gone, as on a train or after `npm start` stops. */
  async function networkDown(context: BrowserContext, down: boolean): Promise<void> {
    server!.reachable = !down;
    await context.setOffline(down);
  }

  it('analyses the first game played offline in the page when the worker script cannot be fetched, and says so', async () => {
    // No service worker: nothing has cached the analysis worker's script, as in a browser without one.
    const context = await newContext({ serviceWorkers: 'block' });
    const { page, demo } = await open(context);
    await demo.signUp(uniqueName(), PASSWORD);
    await demo.waitForDashboard();
    await expect.poll(() => demo.attribute('connection', 'data-state'), { timeout: UI_TIMEOUT_MS }).toBe('online');
    expect(await demo.attribute('analysis-place', 'data-runs-in')).toBe('worker');

    await networkDown(context, true);
    await demo.play({ durationS: '10' });
    await demo.expectAllRows(1, 'pending', 'device');
    await expect.poll(() => demo.attribute('analysis-place', 'data-runs-in'), { timeout: UI_TIMEOUT_MS }).toBe('inline');
    // Seen at once from the worker's failed load, not after the load timeout (which would hold the first result back 10 s).
    expect(await demo.attribute('analysis-place', 'title')).toBe('the analysis worker could not load: its script did not load (offline, or the server is not reachable)');
    await expect.poll(() => demo.attribute('progress-session-count', 'data-count'), { timeout: UI_TIMEOUT_MS }).toBe('1');
    await screenshot(page, 'offline-10-first-game-analysed-in-the-page');

    await networkDown(context, false);
    await demo.expectAllRows(1, 'confirmed', 'server');
  }, SCENARIO_TIMEOUT_MS);

  it('installs, opens with no network signed in with its data, records and analyses, and syncs when back', async () => {
    const context = await newContext({ serviceWorkers: 'allow' });
    const first = await open(context);
    await expect.poll(() => first.demo.attribute('app-state', 'data-state'), { timeout: UI_TIMEOUT_MS }).toBe('offline-ready');
    const cdp = await context.newCDPSession(first.page);
    const installability = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: Array<{ errorId: string }> };
    // A test's browser context is an incognito profile, where Chromium installs nothing; every other check passes.
    expect(installability.installabilityErrors.map((e) => e.errorId)).toEqual(['in-incognito']);
    const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[] };
    expect(manifest).toMatchObject({ url: `${server!.url}/manifest.webmanifest`, errors: [] });
    await cdp.detach();

    const username = uniqueName();
    await first.demo.signUp(username, PASSWORD);
    await first.demo.waitForDashboard();
    await first.demo.play({ durationS: '10' });
    await first.demo.expectAllRows(1, 'confirmed', 'server');
    const before = await first.demo.rowIds();

    // No network at all, and the page closed: a cold start.
    await networkDown(context, true);
    await first.page.close();
    const { page, demo, errors } = await open(context);
    await demo.waitForDashboard();
    expect(await demo.byTestId('signed-in-user').textContent()).toBe(username);
    expect(await demo.rowIds()).toEqual(before);
    await expect.poll(() => demo.attribute('connection', 'data-state'), { timeout: UI_TIMEOUT_MS }).toBe('offline');

    await demo.play({ durationS: '10' });
    await expect
      .poll(() => demo.rowStates(), { timeout: UI_TIMEOUT_MS })
      .toEqual([
        { state: 'pending', source: 'device' },
        { state: 'confirmed', source: 'server' },
      ]);
    // The analysis worker's script came from the app's cache.
    expect(await demo.attribute('analysis-place', 'data-runs-in')).toBe('worker');
    await screenshot(page, 'offline-11-cold-start-without-network');

    await networkDown(context, false);
    await demo.expectAllRows(2, 'confirmed', 'server');
    await expect.poll(() => demo.attribute('pending-count', 'data-count'), { timeout: UI_TIMEOUT_MS }).toBe('0');
    expect(errors).toEqual([]);

    // Another tab of the app, where a game may be under way when the update is accepted here.
    const other = await open(context);
    await other.demo.waitForDashboard();
    await other.page.evaluate(() => ((window as unknown as { untouched?: boolean }).untouched = true));
    const untouched = (): Promise<boolean | undefined> => other.page.evaluate(() => (window as unknown as { untouched?: boolean }).untouched);

    // A new build: the page offers it, and it takes over when the user accepts.
    server!.serviceWorkerSuffix = SECOND_BUILD;
    await page.evaluate(async () => {
      await (await navigator.serviceWorker.getRegistration())?.update();
    });
    await demo.byTestId('app-update').waitFor({ state: 'visible' });
    await other.demo.byTestId('app-update').waitFor({ state: 'visible' });
    expect(await controllingBuild(page)).toBe('first build');
    await screenshot(page, 'offline-12-update-ready');
    await Promise.all([page.waitForEvent('load'), demo.byTestId('app-update-apply').click()]);
    await demo.waitForDashboard();
    await expect.poll(() => controllingBuild(page), { timeout: UI_TIMEOUT_MS }).toBe('build 2');
    expect(await demo.byTestId('app-update').isHidden()).toBe(true);
    await expect.poll(() => demo.attribute('app-state', 'data-state'), { timeout: UI_TIMEOUT_MS }).toBe('offline-ready');

    // The other tab was not reloaded under its user: it still offers the new version, and reloads when accepted.
    await expect.poll(() => controllingBuild(other.page), { timeout: UI_TIMEOUT_MS }).toBe('build 2');
    await other.page.waitForLoadState();
    expect(await untouched()).toBe(true);
    expect(await other.demo.byTestId('app-update').isVisible()).toBe(true);
    await Promise.all([other.page.waitForEvent('load'), other.demo.byTestId('app-update-apply').click()]);
    await other.demo.waitForDashboard();
    expect(await untouched()).toBeUndefined();
    expect(other.errors).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);

  it('dates games when played, fills a labelled demo history, explains a session in detail, and fits a phone and a desktop', async () => {
    const context = await newContext({ serviceWorkers: 'block' });
    const { page, demo, errors } = await open(context);
    await demo.signUp(uniqueName(), PASSWORD);
    await demo.waitForDashboard();

    const playedAt = Date.now();
    await demo.play({ durationS: '10' });
    await demo.byTestId('simulate-history').click();
    await expect.poll(() => demo.rows.count(), { timeout: UI_TIMEOUT_MS * 3 }).toBe(11);
    await expect.poll(() => demo.rowStates(), { timeout: UI_TIMEOUT_MS * 3 }).toEqual(Array.from({ length: 11 }, () => ({ state: 'confirmed', source: 'server' })));
    const started = (await demo.rows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-started-at') ?? ''))).map((t) => Date.parse(t));
    // Newest first: the game just played is dated now, the simulated ones on ten days of the past two weeks.
    expect(Math.abs(started[0]! - playedAt)).toBeLessThan(5 * 60_000);
    const days = started.slice(1).map((t) => (playedAt - t) / 86_400_000);
    expect(days.every((d) => d > 0 && d < 15)).toBe(true);
    expect(new Set(started.slice(1).map((t) => new Date(t).toISOString().slice(0, 10))).size).toBe(10);

    // Eleven sessions over two weeks: every chart has its points, baseline and a trend judged by the metric's direction.
    await expect.poll(() => demo.attribute('progress-session-count', 'data-count'), { timeout: UI_TIMEOUT_MS }).toBe('11');
    for (const id of ['rangeOfMotionDeg', 'sparc', 'reactionTimeMs', 'accuracy', 'peakVelocityDegS', 'ldlj', 'tremorShare']) {
      await expect.poll(() => demo.attribute(`chart-${id}`, 'data-points'), { timeout: UI_TIMEOUT_MS }).toBe('11');
      expect(await demo.attribute(`chart-${id}`, 'data-baseline')).toBe('shown');
      expect(['better', 'worse', 'steady']).toContain(await demo.attribute(`chart-${id}`, 'data-trend'));
    }
    // A hand that recovers: more range of motion every week, shown as better (green), in degrees.
    expect(await demo.attribute('chart-rangeOfMotionDeg', 'data-trend')).toBe('better');
    expect(await demo.byTestId('trend-rangeOfMotionDeg').textContent()).toMatch(/^trend \+\d+\.\d+ ° per week \(improving\)$/);
    expect(await demo.byTestId('trend-accuracy').textContent()).toMatch(/percentage points per week/);
    expect(await demo.attribute('chart-accuracy', 'data-y-label')).toBe('Accuracy (%)');
    // A tooltip names the session under the cursor.
    const plot = demo.byTestId('chart-rangeOfMotionDeg').locator('.u-over');
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    await expect.poll(() => demo.byTestId('chart-rangeOfMotionDeg').locator('.chart-tooltip').textContent(), { timeout: UI_TIMEOUT_MS }).toMatch(/: \d+\.\d °$/);

    // Each "Details" button names its game for a screen reader.
    expect(new Set(await demo.byTestId('session-open').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label')))).size).toBe(11);
    await expect.poll(() => page.getByRole('button', { name: /^Details of the game of / }).count()).toBe(11);

    // The newest game in detail.
    await demo.byTestId('session-open').first().click();
    await demo.byTestId('session-detail').waitFor({ state: 'visible' });
    expect(await demo.attribute('finger-traces', 'data-fingers')).toBe('5');
    const roms = await demo.byTestId('hand-diagram').locator('.finger').evaluateAll((fingers) => fingers.map((f) => Number(f.getAttribute('data-rom'))));
    expect(roms).toHaveLength(5);
    expect(roms.every((r) => r > 0)).toBe(true);
    expect(await demo.byTestId('detail-metrics').locator('dt').count()).toBe(7);
    expect(await demo.byTestId('detail-metrics').locator('dd .muted').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/higher is better/)]));
    expect(await demo.byTestId('detail-reactions').locator('li').count()).toBe(6);
    expect(await demo.byTestId('detail-tremor').textContent()).toMatch(/^\d+\.\d% /);

    // Phone and desktop: nothing wider than the screen, nothing sticking out of its card.
    for (const [name, size] of [['phone-390', { width: 390, height: 844 }], ['desktop-1280', { width: 1280, height: 900 }]] as const) {
      await page.setViewportSize(size);
      await expect.poll(() => overflow(page), { timeout: UI_TIMEOUT_MS }).toEqual({ pageWidth: size.width, outside: [] });
      // "Details" scrolls the session to the top of the screen: its heading and Close button show below the sticky status bar.
      await page.evaluate(() => window.scrollTo(0, 0));
      await demo.byTestId('session-open').first().click();
      await expect.poll(() => hiddenUnderStatusBar(page, ['[data-testid="session-detail"] h2', '[data-testid="session-detail-close"]']), { timeout: UI_TIMEOUT_MS }).toEqual([]);
      await screenshot(page, `layout-${name}`);
      await demo.byTestId('session-detail').screenshot({ path: `${SCREENSHOTS}layout-${name}-session-detail.png` });
    }
    expect(errors).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);
});

/** A second build of the app: its service worker answers "which build?" (the first build does not). */
const SECOND_BUILD = "\nself.addEventListener('message', (event) => { if (event.data === 'which build?') event.source.postMessage('build 2'); });\n";

/** What the service worker controlling the page answers to "which build?" ('first build' if it does not answer). */
function controllingBuild(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const controller = navigator.serviceWorker.controller;
        if (!controller) return resolve('no service worker');
        const timer = setTimeout(() => resolve('first build'), 1_000);
        navigator.serviceWorker.addEventListener('message', (event) => {
          clearTimeout(timer);
          resolve(String(event.data));
        }, { once: true });
        controller.postMessage('which build?');
      }),
  );
}

/** Which of `selectors` the sticky status bar hides (or that are off the screen): none when the page scrolls them into view properly. */
function hiddenUnderStatusBar(page: Page, selectors: string[]): Promise<string[]> {
  return page.evaluate((targets) => {
    const bar = document.querySelector('.status-bar')!.getBoundingClientRect();
    return targets.filter((selector) => {
      const target = document.querySelector(selector)!;
      const box = target.getBoundingClientRect();
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      return box.top < bar.bottom || box.bottom > window.innerHeight || !hit || !target.contains(hit);
    });
  }, selectors);
}

/** The page's scroll width, and every visible element that reaches beyond its card or the window. */
function overflow(page: Page): Promise<{ pageWidth: number; outside: string[] }> {
  return page.evaluate(() => {
    const outside: string[] = [];
    const viewport = document.documentElement.clientWidth;
    for (const element of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
      const box = element.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const card = element.closest('.card, .status-bar, .update-banner');
      const right = card && card !== element ? card.getBoundingClientRect().right : viewport;
      if (box.right > right + 1 || box.left < -1) outside.push(`${element.tagName.toLowerCase()}.${element.className} (${Math.round(box.left)}–${Math.round(box.right)} of ${Math.round(right)})`);
    }
    return { pageWidth: document.documentElement.scrollWidth, outside: outside.slice(0, 10) };
  });
}
