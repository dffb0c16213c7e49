import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_REFUSALS, ERROR_CATALOGUE, ERROR_CODES, isErrorCode, REFRESH_REFUSALS } from '@m2m/contract';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The rows of the README's catalogue table: code, status, error, meaning. */
function readmeRows(): string[][] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Catalogue'), readme.indexOf('## Answers'));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.slice(2, -2).split(' | '));
}

describe('the error catalogue', () => {
  it('holds stable, plain codes, each with a status, a CouchDB error name and a meaning', () => {
    expect(ERROR_CODES.length).toBeGreaterThan(30);
    for (const code of ERROR_CODES) {
      const spec = ERROR_CATALOGUE[code];
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      if (spec.status !== 'store') expect(spec.status, code).toBeGreaterThanOrEqual(400);
      expect(spec.error, code).toMatch(/^[a-z_]+$/);
      expect(spec.meaning.length, code).toBeGreaterThan(20);
      expect(isErrorCode(code)).toBe(true);
    }
    expect(isErrorCode('unauthorized')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
  });

  it('groups for clients only codes of its own that refuse a token', () => {
    for (const code of [...ACCESS_TOKEN_REFUSALS, ...REFRESH_REFUSALS]) expect(ERROR_CODES).toContain(code);
    for (const code of ACCESS_TOKEN_REFUSALS) expect(ERROR_CATALOGUE[code].status, code).toBe(401);
    expect(ACCESS_TOKEN_REFUSALS).not.toContain('password_incorrect');
  });

  it('is documented in the README, row for row', () => {
    const documented = readmeRows().map(([code, status, error, meaning]) => ({ code, status, error, meaning }));
    expect(documented).toEqual(
      ERROR_CODES.map((code) => {
        const spec = ERROR_CATALOGUE[code];
        return {
          code: `\`${code}\``,
          status: spec.status === 'store' ? "the store's" : String(spec.status),
          error: spec.error === 'store' ? "the store's" : `\`${spec.error}\``,
          meaning: spec.meaning,
        };
      }),
    );
  });

  it('is built into a package that imports nothing: no other package, nothing of Node', () => {
    const dist = join(root, 'dist');
    const imports = readdirSync(dist)
      .filter((file) => file.endsWith('.js'))
      .flatMap((file) => [...readFileSync(join(dist, file), 'utf8').matchAll(/\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2]));
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((spec) => !spec?.startsWith('./'))).toEqual([]);
  });
});
