import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { synthesizeSession, userDatabases } from '@m2m/analysis-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUserId, startTestStore, TEST_ADMIN, type TestStore } from './storeFixture.js';

// Debian's Chromium, driven by playwright-core (no browser download). `.ci/run` installs it.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const SCREENSHOT = `${ARTIFACTS}fauxton-document.png`;
const VIEWPORT = { width: 1600, height: 1000 };
const UI_TIMEOUT_MS = 15_000;

const db = userDatabases('m2m-', randomUserId()).sessions;
const session = synthesizeSession({ seed: 9, durationS: 5 });

/** Every answer the gate refused and every request that failed, for one page. */
function watchRefusals(page: Page): string[] {
  const refused: string[] = [];
  page.on('response', (res) => {
    if (res.status() === 401 || res.status() === 403) refused.push(`${res.status()} ${res.request().method()} ${res.url()}`);
  });
  page.on('requestfailed', (req) => refused.push(`failed ${req.method()} ${req.url()}: ${req.failure()?.errorText}`));
  return refused;
}

describe('Fauxton in Chromium, for the store admin', () => {
  let s: TestStore | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // A missing browser fails every test below (requireChromium), never skips them.
    if (!existsSync(CHROMIUM)) return;
    s = await startTestStore();
    expect((await s.json('PUT', `/${db}`)).status).toBe(201);
    const { id, ...rest } = session;
    expect((await s.json('PUT', `/${db}/${id}`, { _id: id, ...rest })).status).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  }, 60_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await s?.teardown();
  });

  /** The store, or a clear failure when Chromium is not installed. */
  function requireChromium(): TestStore {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is missing at ${CHROMIUM}: this test drives a real browser and does not skip. ` +
          'Install it with `apt-get install -y --no-install-recommends chromium` (.ci/run does).',
      );
    }
    if (!s || !browser) throw new Error('the store or the browser did not start (see the beforeAll error)');
    return s;
  }

  async function newContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
    if (!browser) throw new Error('no browser');
    const context = await browser.newContext({ viewport: VIEWPORT, ...options });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    contexts.push(context);
    return context.newPage();
  }

  it('shows a browser without credentials Fauxton\'s own sign-in form, never the browser\'s Basic prompt, and no data', async () => {
    const store = requireChromium();
    const page = await newContext();
    const challenges: string[] = [];
    const refusedData: string[] = [];
    page.on('response', (res) => {
      if (res.headers()['www-authenticate'] !== undefined) challenges.push(res.url());
      if (res.status() === 401) refusedData.push(new URL(res.url()).pathname);
    });
    const answer = await page.goto(`${store.url}/_utils/#login`);
    expect(answer?.status()).toBe(200);
    await page.locator('#login').waitFor();
    expect(await page.locator('#username').isVisible()).toBe(true);
    expect(challenges).toEqual([]);
    // Signed out, the databases are not Fauxton's to show.
    await page.goto(`${store.url}/_utils/#/_all_dbs`);
    await page.locator('#login').waitFor();
    expect(await page.locator('#dashboard-content a', { hasText: db }).count()).toBe(0);
    expect(challenges).toEqual([]);
    expect(refusedData.every((path) => path !== '/_session' && !path.startsWith('/_utils'))).toBe(true);
  });

  it(
    "logs in through Fauxton's form, lists the databases and opens a session document",
    async () => {
      const store = requireChromium();

      // 1. Fauxton's own sign-in form, in a browser that has no other credentials
      //    (a Basic challenge would fail its request).
      const prompted = await newContext();
      await prompted.goto(`${store.url}/_utils/#login`);
      await prompted.locator('#login').waitFor();
      await prompted.fill('#username', TEST_ADMIN.username);
      await prompted.fill('#password', TEST_ADMIN.password);
      const [login] = await Promise.all([
        prompted.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname === '/_session'),
        prompted.click('#submit'),
      ]);
      expect(login.status()).toBe(200);
      expect(login.request().postData()).toContain(`name=${TEST_ADMIN.username}`);
      const cookies = await prompted.context().cookies(store.url);
      expect(cookies.map((c) => c.name)).toContain('AuthSession');

      // 2. From here on a browser holding only that session cookie (no Basic
      //    credentials: any challenge would fail its request) does the rest.
      const page = await newContext({ storageState: await prompted.context().storageState() });
      const refused = watchRefusals(page);

      await page.goto(`${store.url}/_utils/#/_all_dbs`);
      const dbLink = page.locator('#dashboard-content a', { hasText: db });
      await dbLink.waitFor();
      expect(await dbLink.isVisible()).toBe(true);
      // The database's real size (CouchDB 3's `sizes`), not 0 bytes: it holds a session of some KB.
      const dbRow = page.locator('#dashboard-content tr', { has: page.locator('a', { hasText: db }) });
      expect(await dbRow.innerText()).toMatch(/\b\d+(\.\d)? (KB|MB)\b/);

      await dbLink.click();
      const row = page.locator(`.doc-row[data-id="${session.id}"]`);
      await row.waitFor();
      await row.locator('.doc-edit-symbol a').click();

      const editor = page.locator('.ace_content', { hasText: session.id });
      await editor.waitFor();
      expect(page.url()).toContain(`#/database/${db}/${session.id}`);
      const breadcrumbs = page.locator('#breadcrumbs');
      expect(await breadcrumbs.isVisible()).toBe(true);
      expect(await breadcrumbs.innerText()).toContain(db);
      expect(await breadcrumbs.innerText()).toContain(session.id);
      const text = await editor.innerText();
      expect(text).toContain(`"_id": "${session.id}"`);
      expect(text).toContain('"type": "session"');
      expect(text).toContain(`"gameId": "${session.gameId}"`);

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
      expect(refused).toEqual([]);
    },
    90_000,
  );
});
