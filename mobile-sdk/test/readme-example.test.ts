import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type TestSystem } from './support/system.js';
import { uniqueName } from './support/clients.js';
import type { Json } from './support/system.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The code block after `<!-- example -->` in the README, as written there. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = /<!-- example -->\s*```js\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no example block');
  return match[1]!;
}

describe('the README example', () => {
  let system: TestSystem;
  // Inside the package, so that its imports resolve as an app's would.
  const file = join(root, `.readme-example-${process.pid}.mjs`);

  beforeAll(async () => {
    system = await startSystem();
    writeFileSync(file, readmeExample());
  });
  afterAll(async () => {
    rmSync(file, { force: true });
    await system?.close();
  });

  it('runs, and shows an analysis at once and then the server’s', async () => {
    const { example } = (await import(pathToFileURL(file).href)) as { example(url: string, username: string): Promise<Record<string, Json>> };
    const result = await example(system.gatewayUrl, uniqueName());
    // Usually the device's; on a loaded machine the server's may already have come back. offline-first.test.ts checks the device's for certain.
    expect(['device', 'server']).toContain(result['provisional'].source);
    expect(result['provisional']).toMatchObject({ sessionId: result['session'].id, status: 'ok' });
    expect(result['confirmed']).toMatchObject({ source: 'server', sessionId: result['session'].id, status: 'ok' });
    expect(result['progress']).toMatchObject({ source: 'server', sessionCount: 1 });
    expect(result['status']).toMatchObject({ online: true, pendingUploads: 0, authRequired: false });
  });
});
