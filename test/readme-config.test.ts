import { STORE_ENV_VARS } from '@m2m/embedded-store';
import { GATEWAY_ENV_VARS } from '@m2m/server/config';
import { WORKER_ENV_VARS } from '@m2m/sync/config';
import { describe, expect, it } from 'vitest';
import { SUPERVISOR_ENV_VARS } from '../scripts/supervisor/settings.mjs';
import { readRepoFile } from './support/composeFile.js';

/** Who reads which variables: the configuration modules' own lists. */
const READERS: Record<string, readonly string[]> = {
  gateway: GATEWAY_ENV_VARS,
  store: STORE_ENV_VARS,
  worker: WORKER_ENV_VARS,
  'npm start': SUPERVISOR_ENV_VARS,
};

/** The rows of the table under "## Configuration": variable → the "read by" cell. */
function configurationTable(readme: string): Map<string, string> {
  const section = readme.split(/^## /m).find((part) => part.startsWith('Configuration\n')) ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = /^\| `([A-Z0-9_]+)` \| ([^|]+) \|/.exec(line);
    if (cells) rows.set(cells[1] as string, (cells[2] as string).trim());
  }
  return rows;
}

describe('README configuration table', () => {
  const table = configurationTable(readRepoFile('README.md'));

  it('lists every variable a process reads, with every process that reads it', () => {
    const expected = new Map<string, string[]>();
    for (const [reader, names] of Object.entries(READERS)) {
      for (const name of names) expected.set(name, [...(expected.get(name) ?? []), reader]);
    }
    const documented = new Map([...table].map(([name, readBy]) => [name, readBy.split(',').map((r) => r.trim()).sort()]));
    expect(Object.fromEntries([...documented].sort())).toEqual(Object.fromEntries([...expected].map(([name, readers]) => [name, readers.sort()]).sort()));
  });
});
