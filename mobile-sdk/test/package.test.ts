import { existsSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nodeBuiltins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Every module specifier a built file imports (static, dynamic and `new URL(…)` worker files). */
function specifiers(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const pattern of [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\bimport\s*['"]([^'"]+)['"]/g, /new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url/g]) {
    for (const match of source.matchAll(pattern)) found.push(match[1]!);
  }
  return found;
}

/** The files reachable from an entry through relative imports, and the packages they import. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of specifiers(file)) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  }
  return { files, packages };
}

describe('the package', () => {
  it('is ESM with types, and every export target exists', () => {
    expect(pkg.type).toBe('module');
    const main = pkg.exports['.'];
    expect(Object.keys(main)).toEqual(['types', 'node', 'default']);
    for (const target of Object.values(main) as string[]) expect(existsSync(join(root, target)), target).toBe(true);
    const types = readFileSync(join(root, main.types), 'utf8');
    expect(types).toMatch(/export declare const createClient/);
    expect(types).toMatch(/from '\.\/publicApi\.js'/);
  });

  it('has no Node-only import anywhere its browser entry reaches, its worker and analysis-core included', () => {
    const browser = importGraph(join(root, pkg.exports['.'].default));
    expect([...browser.files].some((f) => f.endsWith('browserWorkerScript.js'))).toBe(true);
    expect([...browser.files].some((f) => f.endsWith('nodeWorker.js'))).toBe(false);
    expect([...browser.packages].filter((p) => nodeBuiltins.has(p))).toEqual([]);
    expect(browser.packages).toContain('comlink');

    const require = createRequire(join(root, 'package.json'));
    const core = importGraph(require.resolve('@m2m/analysis-core').replace(/\.cjs$/, '.js'));
    expect(core.files.size).toBeGreaterThan(10);
    expect([...core.packages]).toEqual([]);
  });

  it('the Node entry runs analysis in a worker thread', () => {
    const node = importGraph(join(root, pkg.exports['.'].node));
    expect([...node.files].some((f) => f.endsWith('nodeWorkerScript.js'))).toBe(true);
    expect(node.packages).toContain('node:worker_threads');
  });
});
