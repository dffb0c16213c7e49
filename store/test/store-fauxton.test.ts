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

  it('serves its files to anyone, as CouchDB does, but no data, and never asks for Basic credentials', async () => {
    for (const path of ['/_utils/', '/_utils/index.html']) {
      const res = await fetch(s.url + path);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/<html/i);
    }
    const data = await fetch(`${s.url}/_all_dbs`);
    expect(data.status).toBe(401);
    expect(data.headers.get('www-authenticate')).toBeNull();
  });

  it('shows each database\'s size from CouchDB 3\'s `sizes` (this Fauxton read the `data_size` CouchDB 3 dropped)', async () => {
    const html = await (await fetch(`${s.url}/_utils/`)).text();
    const scripts = [...html.matchAll(/<script[^>]+src="([^"]+)"/g)].map((match) => match[1] ?? '');
    const bundles = await Promise.all(scripts.map(async (src) => (await fetch(new URL(src, `${s.url}/_utils/`))).text()));
    const bundle = bundles.find((text) => text.includes('_getDetails:function(e)')) ?? '';
    expect(bundle).toContain('(e.sizes&&e.sizes.active)||e.data_size||e.disk_size||0');
    await s.json('PUT', '/sized');
    await s.json('PUT', '/sized/doc', { text: 'x'.repeat(2000) });
    const info = (await s.json('GET', '/sized')).body;
    expect(info.sizes.active).toBeGreaterThan(0);
    expect(info).not.toHaveProperty('data_size');
    expect(info).not.toHaveProperty('disk_size');
  });
});
