import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedStore } from '../src/embeddedStore.js';
import { TEST_ADMIN } from './storeFixture.js';

const STORE_BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function storeEnv(dataDir: string): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '', DATA_DIR: dataDir, STORE_PORT: '0', STORE_ADMIN: `${TEST_ADMIN.username}:${TEST_ADMIN.password}`, LOG_LEVEL: 'info' };
}

/** Starts `m2m-store` and resolves once it logs that it listens. */
function startStoreProcess(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [STORE_BIN], { env: storeEnv(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('embedded store listening')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`m2m-store exited (${code}) before listening: ${out}`)));
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('one store per data folder', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function dataFolder(): Promise<string> {
    const dataDir = await mkdtemp(join(tmpdir(), 'm2m-store-folder-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    return dataDir;
  }

  it('names a second store process on the same DATA_DIR as such, with the first one\'s pid, and starts once the first is gone', async () => {
    const dataDir = await dataFolder();
    const first = await startStoreProcess(dataDir);
    cleanups.push(() => stopProcess(first));

    const second = spawnSync(process.execPath, [STORE_BIN], { env: storeEnv(dataDir), encoding: 'utf8', timeout: 60_000 });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`the data folder ${join(dataDir, 'store')} is in use by another store process (pid ${first.pid}?)`);
    expect(second.stderr).toMatch(/give this one its own DATA_DIR/);
    expect(second.stderr).not.toMatch(/IO error/);

    await stopProcess(first);
    const third = await startStoreProcess(dataDir);
    await stopProcess(third);
    expect(third.exitCode).toBe(0);
  });

  it('refuses a second store on the same folder in one process, and lets a later one start after close() or a failed start', async () => {
    const dataDir = await dataFolder();
    const store = await startEmbeddedStore({ dataDir, port: 0, admin: TEST_ADMIN });
    cleanups.push(() => store.close());
    await expect(startEmbeddedStore({ dataDir, port: 0, admin: TEST_ADMIN })).rejects.toThrow(
      `the data folder ${dataDir} is in use by another store process (pid ${process.pid}?)`,
    );
    // A start that fails on its port lets go of the folder.
    await expect(startEmbeddedStore({ dataDir: join(dataDir, 'other'), port: store.port, admin: TEST_ADMIN })).rejects.toThrow(/EADDRINUSE/);
    const other = await startEmbeddedStore({ dataDir: join(dataDir, 'other'), port: 0, admin: TEST_ADMIN });
    await other.close();

    await store.close();
    const again = await startEmbeddedStore({ dataDir, port: 0, admin: TEST_ADMIN });
    await again.close();
  });
});
