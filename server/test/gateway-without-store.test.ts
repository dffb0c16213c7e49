import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const GATEWAY = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const WITHOUT_STORE = fileURLToPath(new URL('./support/withoutEmbeddedStore.mjs', import.meta.url));

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'm2m-gateway-no-store-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function runGateway(env: Record<string, string>): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', WITHOUT_STORE, GATEWAY], {
    env: { PATH: process.env['PATH'] ?? '', PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', JWT_SECRET: 'y'.repeat(40), ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: run.status, stderr: run.stderr };
}

describe('gateway installed without the embedded store (production)', () => {
  it('stops at start-up without COUCHDB_URL, saying to set it', () => {
    const run = runGateway({});
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/COUCHDB_URL is not set and the embedded store \(@m2m\/embedded-store, a development dependency\) is not installed: set COUCHDB_URL/);
  });

  it('never loads the store when COUCHDB_URL is set (here a store that refuses connections)', () => {
    const run = runGateway({ COUCHDB_URL: 'http://admin:pw@127.0.0.1:1', STORE_TIMEOUT_MS: '1000' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/store at http:\/\/127\.0\.0\.1:1 is unreachable/);
    expect(run.stderr).not.toMatch(/embedded-store/);
  });
});
