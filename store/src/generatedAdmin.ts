import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdminCredentials } from './adminCredentials.js';

/** Folder of generated secrets under DATA_DIR, shared with the gateway's generated JWT key. */
export const SECRETS_FOLDER = 'secrets';
const ADMIN_FILE = 'store-admin.json';

/**
 * Reads `DATA_DIR/secrets/<name>`, creating it owner-only with `generate()`
 * when missing; the first writer wins when two processes start at once.
 */
async function readOrCreateOwnerOnly(dataDir: string, name: string, generate: () => string): Promise<string> {
  const dir = join(dataDir, SECRETS_FOLDER);
  const path = join(dir, name);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Written aside, then linked into place: a reader never sees half a file, and link fails if another process got there first.
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, generate(), { mode: 0o600 });
  try {
    await link(temporary, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await rm(temporary, { force: true });
  }
  return readFile(path, 'utf8');
}

/**
 * The store's admin, generated on the first start and kept in
 * DATA_DIR/secrets/store-admin.json, so that it survives a restart and the
 * processes that talk to the store (`npm start`'s gateway and worker) can read it.
 */
export async function loadOrCreateStoreAdmin(dataDir: string): Promise<AdminCredentials> {
  const path = join(dataDir, SECRETS_FOLDER, ADMIN_FILE);
  const text = await readOrCreateOwnerOnly(dataDir, ADMIN_FILE, () =>
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
