import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStore, type TestStore } from './storeFixture.js';

describe('Fauxton at /_utils', () => {
  let s: TestStore;
  beforeAll(async () => {
    s = await startTestStore();
  });
  afterAll(async () => {
    await s.teardown();
  });

  it('serves the HTML and its scripts to the admin', async () => {
    const page = await s.fetch('/_utils/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await s.fetch(new URL(script ?? '', `${s.url}/_utils/`).pathname);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });

  it('redirects /_utils to /_utils/ as CouchDB does', async () => {
    const res = await s.fetch('/_utils', { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toMatch(/\/_utils\/$/);
  });

  it('answers 401 with a Basic challenge to anyone else', async () => {
    for (const path of ['/_utils/', '/_utils/index.html']) {
      const res = await fetch(s.url + path);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(await res.text()).not.toMatch(/<html/i);
    }
  });
});
