import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Secrets generated on first start and kept in DATA_DIR, so that tokens
 * survive a restart (the embedded store keeps its generated admin beside
 * them). Files are owner-only; the first writer wins when two processes
 * start at once.
 */

export const SECRETS_FOLDER = 'secrets';

export function secretsDir(dataDir: string): string {
  return join(dataDir, SECRETS_FOLDER);
}

/** Reads `name` under DATA_DIR/secrets, creating it with `generate()` when missing. */
async function readOrCreateSecret(dataDir: string, name: string, generate: () => string): Promise<string> {
  const dir = secretsDir(dataDir);
  const path = join(dir, name);
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Write aside, then link into place: link fails if another process got there first.
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

/** The development JWT key (DATA_DIR/secrets/jwt-secret). */
export async function loadOrCreateJwtSecret(dataDir: string): Promise<string> {
  const secret = (await readOrCreateSecret(dataDir, 'jwt-secret', () => randomBytes(48).toString('base64url'))).trim();
  if (Buffer.byteLength(secret, 'utf8') < 32) {
    throw new Error(`The JWT key in ${join(secretsDir(dataDir), 'jwt-secret')} is shorter than 32 bytes; delete the file to regenerate it`);
  }
  return secret;
}
