// @ts-check
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { StartError } from './startError.mjs';

const require = createRequire(import.meta.url);

/**
 * The file behind a package's bin, read from its package.json: the children
 * are started through the packages' public entry points, never their sources.
 * @param {string} packageName
 * @param {string} binName
 */
export function packageBin(packageName, binName) {
  const manifestPath = require.resolve(`${packageName}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const target = manifest.bin?.[binName];
  if (typeof target !== 'string') throw new StartError('not_built', `${packageName} declares no bin ${binName}`);
  const file = join(dirname(manifestPath), target);
  if (!existsSync(file)) {
    throw new StartError('not_built', `${binName} (${packageName}) is not built yet: run \`npm install\` (or \`npm run build\`) first`);
  }
  return file;
}
