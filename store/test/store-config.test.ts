import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStoreConfig, STORE_ENV_VARS } from '../src/storeConfig.js';

describe('standalone store configuration (m2m-store)', () => {
  it('reads its own variables, with the same defaults as the gateway', () => {
    expect([...STORE_ENV_VARS].sort()).toEqual(['DATA_DIR', 'LOG_LEVEL', 'STORE_ADMIN', 'STORE_GLOBAL_CHANGES_MAX_WRITE_DELAY', 'STORE_MAX_OPEN_DATABASES', 'STORE_PORT']);
    expect(loadStoreConfig({})).toEqual({
      dataDir: resolve('./data'),
      port: 5984,
      admin: undefined,
      maxOpenDatabases: undefined,
      globalChangesMaxWriteDelayMs: 500,
      logLevel: 'info',
    });
    expect(loadStoreConfig({ DATA_DIR: '/srv/m2m', STORE_PORT: '0', STORE_ADMIN: 'root:p:w', STORE_MAX_OPEN_DATABASES: '10', STORE_GLOBAL_CHANGES_MAX_WRITE_DELAY: '0', LOG_LEVEL: 'warn' })).toEqual({
      dataDir: '/srv/m2m',
      port: 0,
      admin: { username: 'root', password: 'p:w' },
      maxOpenDatabases: 10,
      globalChangesMaxWriteDelayMs: 0,
      logLevel: 'warn',
    });
  });

  it('ignores the gateway-only variables and names every bad one of its own, never echoing the admin', () => {
    expect(() => loadStoreConfig({ PORT: 'not read here', JWT_SECRET: 'short' })).not.toThrow();
    let message = '';
    try {
      loadStoreConfig({ STORE_PORT: '70000', STORE_ADMIN: 'no-colon-secret' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/STORE_PORT must be at most 65535 \(got "70000"\)/);
    expect(message).toMatch(/STORE_ADMIN must be user:password/);
    expect(message).not.toContain('no-colon-secret');
  });
});
