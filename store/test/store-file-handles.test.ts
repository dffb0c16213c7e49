import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The child runs the built server under plain node (the suite runs after `tsc -b`).
const CHILD = fileURLToPath(new URL('./support/storeFileHandlesChild.mjs', import.meta.url));
const BUILT_STORE = fileURLToPath(new URL('../dist/embeddedStore.js', import.meta.url));

const FD_LIMIT = 1024;
const USERS = 600;
const DATABASES = USERS * 2;
const MAX_OPEN = 100;
const CONCURRENCY = 20;
const CHILD_TIMEOUT_MS = 240_000;

interface ChildReport {
  fdLimit: number;
  databases?: number;
  created?: number;
  written?: number;
  read?: number;
  listed?: number;
  failures?: number;
  firstFailures?: string[];
  stats?: { openDatabases: number; maxOpenDatabasesSeen: number };
  peakOpenFiles: number;
  error?: string;
  ms: number;
}

/** Runs the child under `ulimit -n 1024` and returns the JSON line it prints. */
function runChild(maxOpenDatabases: number): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'bash',
      ['-c', `ulimit -n ${FD_LIMIT} && exec node "$0" "$@"`, CHILD, String(USERS), String(maxOpenDatabases), String(CONCURRENCY)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ChildReport);
      } catch {
        reject(new Error(`the child exited (code ${code}, signal ${signal}) without a report.\nstdout: ${stdout}\nstderr: ${stderr}`));
      }
    });
  });
}

describe(`open databases under ulimit -n ${FD_LIMIT}`, () => {
  it('finds the built server for the child process', () => {
    expect(existsSync(BUILT_STORE), `${BUILT_STORE} is missing: run \`npx tsc -b\` (npm test does) first`).toBe(true);
  });

  it(
    `creates, writes and reads back both databases of ${USERS} users with at most ${MAX_OPEN} open`,
    async () => {
      const report = await runChild(MAX_OPEN);
      expect(report.error).toBeUndefined();
      expect(report.fdLimit).toBe(FD_LIMIT);
      expect(report.firstFailures).toEqual([]);
      expect(report).toMatchObject({ databases: DATABASES, created: DATABASES, written: DATABASES, read: DATABASES, listed: DATABASES, failures: 0 });
      expect(report.stats?.maxOpenDatabasesSeen).toBeGreaterThan(0);
      expect(report.stats?.maxOpenDatabasesSeen).toBeLessThanOrEqual(MAX_OPEN);
      expect(report.stats?.openDatabases).toBeLessThanOrEqual(MAX_OPEN);
      expect(report.peakOpenFiles).toBeLessThan(FD_LIMIT);
    },
    CHILD_TIMEOUT_MS + 10_000,
  );

  it(
    'runs out of file handles on the same work when the bound is above the database count (the limit is real)',
    async () => {
      const report = await runChild(DATABASES * 2);
      expect(report.error).toBeUndefined();
      expect(report.fdLimit).toBe(FD_LIMIT);
      expect(report.failures).toBeGreaterThan(0);
      expect(report.created).toBeLessThan(DATABASES);
      expect(report.firstFailures?.join('\n')).toMatch(/too many open files/i);
    },
    CHILD_TIMEOUT_MS + 10_000,
  );
});
