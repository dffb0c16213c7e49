import { createHmac, randomBytes } from 'node:crypto';
import { readOrCreateSecretFile } from '@m2m/service-kit';

/** The export key's file under `DATA_DIR/secrets/`. */
export const EXPORT_KEY_FILE = 'export-key';

/**
 * The key behind every pseudonym: 32 random bytes, created on the first
 * export and kept owner-only, so a user keeps one pseudonym across exports
 * and nobody without the file can tell whose rows they are.
 */
export async function readExportKey(dataDir: string): Promise<Uint8Array<ArrayBuffer>> {
  const text = await readOrCreateSecretFile(dataDir, EXPORT_KEY_FILE, () => randomBytes(32).toString('base64url'));
  const key = Buffer.from(text.trim(), 'base64url');
  if (key.length < 32) throw new Error(`the export key in ${EXPORT_KEY_FILE} is shorter than 32 bytes; remove it to have a new one made (pseudonyms then change)`);
  return new Uint8Array(key);
}

/** A user's pseudonym: the first 16 hex digits (64 bits) of HMAC-SHA256(key, user id). */
export function pseudonymOf(key: Uint8Array<ArrayBuffer>, userId: string): string {
  return createHmac('sha256', key).update(userId, 'utf8').digest('hex').slice(0, 16);
}

/**
 * A session's pseudonym: the first 16 hex digits of HMAC-SHA256(key,
 * `session:` + session id). The prefix keeps it apart from user pseudonyms;
 * without the key the session id it stands for cannot be found, so a row
 * cannot be joined with the patient's, a clinician's or a device's copy.
 */
export function sessionPseudonymOf(key: Uint8Array<ArrayBuffer>, sessionId: string): string {
  return createHmac('sha256', key).update(`session:${sessionId}`, 'utf8').digest('hex').slice(0, 16);
}
