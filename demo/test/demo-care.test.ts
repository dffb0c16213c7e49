import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchChromium, screenshot, UI_TIMEOUT_MS, VIEWPORT } from './support/browser.js';
import { DemoPage } from './support/demoPage.js';
import { startDemoServer, type DemoServer } from './support/demoServer.js';
import { startDemoSystem, type DemoSystem } from './support/system.js';

const PASSWORD = 'a long passphrase';
const SCENARIO_TIMEOUT_MS = 180_000;
const uniqueName = (): string => `u${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

describe('the care team in the web demo (Chromium)', () => {
  let server: DemoServer | undefined;
  let system: DemoSystem | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startDemoServer();
    system = await startDemoSystem({ corsOrigin: server.url, worker: true });
    server.gatewayUrl = system.gatewayUrl;
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await system?.close();
    await server?.close();
  });

  async function open(): Promise<{ demo: DemoPage; errors: string[] }> {
    if (!browser || !server) throw new Error('the browser or the demo server did not start (see the beforeAll error)');
    // One context per person: each has its own IndexedDB, as two phones would.
    const context = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true });
    contexts.push(context);
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(server.url);
    return { demo: new DemoPage(page), errors };
  }

  it('a patient shares a code, the clinician follows them and sees their sessions, the patient revokes and the view empties', async () => {
    const patientName = uniqueName();
    const { demo: patient, errors: patientErrors } = await open();
    await patient.signUp(patientName, PASSWORD);
    await patient.waitForDashboard();
    await patient.play({ impairment: '0.5', durationS: '10' });
    await patient.play({ impairment: '0.3', durationS: '10' });
    await patient.expectAllRows(2, 'confirmed', 'server');
    await expect.poll(() => patient.byTestId('followers-empty').isVisible()).toBe(true);

    await patient.byTestId('care-share').click();
    const code = (await patient.byTestId('share-code-value').textContent({ timeout: UI_TIMEOUT_MS })) ?? '';
    expect(code).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);

    // The clinician signs up with the operator's invitation and lands in the clinician's mode.
    const { demo: clinician, errors: clinicianErrors } = await open();
    const clinicianName = uniqueName();
    await clinician.page.locator('details.invitation summary').click();
    await clinician.byTestId('auth-invitation').fill(await system!.inviteClinician());
    await clinician.signUp(clinicianName, PASSWORD);
    await clinician.byTestId('clinician-dashboard').waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await clinician.byTestId('dashboard').count()).toBe(0);
    await expect.poll(() => clinician.byTestId('patients-empty').isVisible()).toBe(true);

    await clinician.byTestId('redeem-code').fill(code.toLowerCase());
    await clinician.byTestId('redeem').click();
    const row = clinician.byTestId('patient-row');
    await expect.poll(() => row.getAttribute('data-sessions'), { timeout: UI_TIMEOUT_MS }).toBe('2');
    expect(await row.getAttribute('data-username')).toBe(patientName);
    expect(await clinician.byTestId('patient-activity').textContent()).toMatch(/2 sessions · played today/);

    await clinician.byTestId('patient-open').click();
    await expect.poll(() => clinician.byTestId('patient-session-row').count(), { timeout: UI_TIMEOUT_MS }).toBe(2);
    await expect.poll(() => clinician.byTestId('chart-rangeOfMotionDeg').getAttribute('data-points')).toBe('2');
    await screenshot(clinician.page, 'care-clinician-patient');

    const [download] = await Promise.all([clinician.page.waitForEvent('download'), clinician.byTestId('patient-export').click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv.trimEnd().split('\r\n')).toHaveLength(3);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${patientName}-analyses-\\d{4}-\\d{2}-\\d{2}\\.csv$`));

    // The patient sees who follows them, and stops sharing.
    const follower = patient.byTestId('follower-row');
    await expect.poll(() => follower.getAttribute('data-status'), { timeout: UI_TIMEOUT_MS }).toBe('active');
    expect(await follower.getAttribute('data-clinician')).toBe(clinicianName);
    await screenshot(patient.page, 'care-patient-shared');
    await patient.byTestId('follower-revoke').click();
    await expect.poll(() => follower.getAttribute('data-status'), { timeout: UI_TIMEOUT_MS }).toBe('revoked');

    // The clinician's view empties: the list and the open patient.
    await expect.poll(() => row.count(), { timeout: UI_TIMEOUT_MS }).toBe(0);
    expect(await clinician.byTestId('patients-empty').isVisible()).toBe(true);
    expect(await clinician.byTestId('patient-detail').isHidden()).toBe(true);
    await screenshot(clinician.page, 'care-clinician-revoked');
    expect([...patientErrors, ...clinicianErrors]).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);
});
