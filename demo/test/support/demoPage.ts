import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { UI_TIMEOUT_MS } from './browser.js';

/** The demo as a user drives it, in the words of its views' test ids. */
export class DemoPage {
  constructor(readonly page: Page) {}

  byTestId(id: string): Locator {
    return this.page.getByTestId(id);
  }

  get rows(): Locator {
    return this.byTestId('session-row');
  }

  async signUp(username: string, password: string): Promise<void> {
    await this.fillCredentials(username, password);
    await this.byTestId('auth-register').click();
  }

  async logIn(username: string, password: string): Promise<void> {
    await this.fillCredentials(username, password);
    await this.byTestId('auth-login').click();
  }

  private async fillCredentials(username: string, password: string): Promise<void> {
    await this.byTestId('auth-username').fill(username);
    await this.byTestId('auth-password').fill(password);
  }

  async waitForDashboard(): Promise<void> {
    await this.byTestId('dashboard').waitFor({ timeout: UI_TIMEOUT_MS });
  }

  /** Plays one game and waits until its row is listed. */
  async play(options: { impairment?: string; durationS?: string } = {}): Promise<void> {
    const before = await this.rows.count();
    if (options.impairment) await this.byTestId('play-impairment').selectOption(options.impairment);
    if (options.durationS) await this.byTestId('play-duration').selectOption(options.durationS);
    await this.byTestId('play').click();
    await expect.poll(() => this.rows.count(), { timeout: UI_TIMEOUT_MS }).toBe(before + 1);
  }

  /** Each listed session's state and result source, newest first. */
  async rowStates(): Promise<Array<{ state: string | null; source: string | null }>> {
    return this.rows.evaluateAll((rows) => rows.map((r) => ({ state: r.getAttribute('data-state'), source: r.getAttribute('data-source') })));
  }

  async rowIds(): Promise<string[]> {
    return this.rows.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id') ?? ''));
  }

  /** Waits until every listed session has `state` and results from `source`. */
  async expectAllRows(count: number, state: string, source: string): Promise<void> {
    await expect
      .poll(() => this.rowStates(), { timeout: UI_TIMEOUT_MS })
      .toEqual(Array.from({ length: count }, () => ({ state, source })));
  }

  async attribute(testId: string, name: string): Promise<string | null> {
    return this.byTestId(testId).getAttribute(name, { timeout: UI_TIMEOUT_MS });
  }
}
