import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readOrCreateSecretFile, SECRETS_FOLDER } from '@m2m/service-kit';
import type { AdminCredentials } from './adminCredentials.js';

/** The generated admin, beside the gateway's generated JWT key. */
const ADMIN_FILE = 'store-admin.json';

/**
 * The store's admin, generated on the first start and kept in
 * DATA_DIR/secrets/store-admin.json, so that it survives a restart and the
 * processes that talk to the store (`npm start`'s gateway and worker) can read it.
 */
export async function loadOrCreateStoreAdmin(dataDir: string): Promise<AdminCredentials> {
  const path = join(dataDir, SECRETS_FOLDER, ADMIN_FILE);
  const text = await readOrCreateSecretFile(dataDir, ADMIN_FILE, () =>
    JSON.stringify({ username: 'admin', password: randomBytes(24).toString('base64url') }) + '\n',
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const { username, password } = (parsed ?? {}) as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || !username || username.includes(':') || typeof password !== 'string' || !password) {
    throw new Error(`${path} must hold {"username", "password"}; fix or delete it (a new admin is then generated)`);
  }
  return { username, password };
}
