import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readOrCreateSecretFile, secretsDir } from '@m2m/service-kit';

/**
 * Secrets generated on first start and kept in DATA_DIR, so that tokens
 * survive a restart (the embedded store keeps its generated admin beside
 * them). Files are owner-only; the first writer wins when two processes
 * start at once.
 */

/** The development JWT key (DATA_DIR/secrets/jwt-secret). */
export async function loadOrCreateJwtSecret(dataDir: string): Promise<string> {
  const secret = (await readOrCreateSecretFile(dataDir, 'jwt-secret', () => randomBytes(48).toString('base64url'))).trim();
  if (Buffer.byteLength(secret, 'utf8') < 32) {
    throw new Error(`The JWT key in ${join(secretsDir(dataDir), 'jwt-secret')} is shorter than 32 bytes; delete the file to regenerate it`);
  }
  return secret;
}
