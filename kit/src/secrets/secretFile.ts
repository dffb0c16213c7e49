import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Folder of generated secrets under DATA_DIR (the gateway's JWT key, the embedded store's admin). */
export const SECRETS_FOLDER = 'secrets';

export function secretsDir(dataDir: string): string {
  return join(dataDir, SECRETS_FOLDER);
}

/**
 * Reads `DATA_DIR/secrets/<name>`, creating it owner-only with `generate()`
 * when missing; the first writer wins when two processes start at once.
 */
export async function readOrCreateSecretFile(dataDir: string, name: string, generate: () => string): Promise<string> {
  const dir = secretsDir(dataDir);
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
