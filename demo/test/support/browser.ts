import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

// Debian's Chromium, driven by playwright-core (no browser download). `.ci/run` installs it.
export const CHROMIUM = '/usr/bin/chromium';
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
export const VIEWPORT = { width: 1400, height: 1000 };
/** Upper bound of every wait on the page; a behaviour that takes longer is a failure. */
export const UI_TIMEOUT_MS = 20_000;

export const SCREENSHOTS = fileURLToPath(new URL('../../../test-artifacts/demo/', import.meta.url));

/** Chromium, or an error that says how to install it: a browser test never skips. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: the demo's tests drive a real browser and do not skip. ` +
        'Install it with `apt-get install -y --no-install-recommends chromium` (.ci/run does).',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A full-page screenshot under test-artifacts/demo/, for a reviewer to look at. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** Chromium logs every request refused by an emulated offline network; that is the test's doing. */
const OFFLINE_NOISE = /net::ERR_INTERNET_DISCONNECTED/;

/** Uncaught errors and console errors of a page, so that a test can insist there were none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !OFFLINE_NOISE.test(message.text())) errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  return errors;
}
