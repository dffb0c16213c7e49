import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { INTERNAL_PREFIX } from './databaseNames.js';

/** The server uuid CouchDB reports at GET /: stable for the life of the data folder. */
export async function loadStoreUuid(dataDir: string): Promise<string> {
  const file = join(dataDir, `${INTERNAL_PREFIX}store.json`);
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { uuid?: unknown };
    if (typeof parsed.uuid === 'string') return parsed.uuid;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const uuid = randomUUID().replaceAll('-', '');
  // Write then rename, so a crash never leaves a half-written file.
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify({ uuid }) + '\n');
  await rename(temp, file);
  return uuid;
}
