// @ts-check
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StartError } from './startError.mjs';

/**
 * Creates DATA_DIR when missing and proves it writable, so that an unusable
 * folder is reported once, by name, before any child starts.
 * @param {string} dir absolute path
 */
export async function ensureWritableDataDir(dir) {
  const probe = join(dir, `.write-test-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (err) {
    const code = /** @type {NodeJS.ErrnoException} */ (err).code ?? 'error';
    throw new StartError('data_dir', `the data folder ${dir} is not writable (${code}): set DATA_DIR to a folder you can write to`, { cause: err });
  }
}
