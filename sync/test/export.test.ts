import { createHmac } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ANALYSIS_COLUMNS, analysisRow, analyzeSession, synthesizeSession, userDatabases, type AnalysisDoc } from '@m2m/analysis-core';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_COLUMNS, exportAnalyses } from '../src/index.js';
import { createUser, PREFIX, putDocs, startTestStore, testConfig, userIdFor, type TestStore } from './support/storeWorld.js';
import { parseArgs } from '../src/cli/args.js';
import { runCli } from './support/workerProcess.js';

let store: TestStore;
let dataDir: string;
const users = [userIdFor(900), userIdFor(901), userIdFor(902)];
/** Analyses written per user: two, three and none. */
const written = new Map<string, AnalysisDoc[]>();
/** Every identifier of the source data: no exported value may equal or contain one. */
const identifiers = new Set<string>();

/** RFC 4180 records (quotes, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && c === '"') quoted = false;
    else if (quoted) cell += c;
    else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return records;
}

const env = (extra: Record<string, string> = {}): Record<string, string> => ({ COUCHDB_URL: store.adminUrl, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra });

async function exportKey(): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(Buffer.from((await readFile(join(dataDir, 'secrets', 'export-key'), 'utf8')).trim(), 'base64url'));
}

const hmac16 = (key: Uint8Array<ArrayBuffer>, text: string): string => createHmac('sha256', key).update(text).digest('hex').slice(0, 16);

/**
 * The rows the export should hold: the user's and the session's keyed
 * pseudonyms, the session's number in start order, the day, then the
 * analysis's columns without its session id and start time; users in
 * pseudonym order.
 */
async function expectedRows(key: Uint8Array<ArrayBuffer>): Promise<Array<Array<string | number | null>>> {
  const kept = ANALYSIS_COLUMNS.map((c, i) => (['sessionId', 'startedAt'].includes(c.name) ? -1 : i)).filter((i) => i >= 0);
  return [...written]
    .map(([userId, analyses]) => ({ p: hmac16(key, userId), analyses }))
    .sort((a, b) => (a.p < b.p ? -1 : 1))
    .flatMap(({ p, analyses }) =>
      [...analyses]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((a, n) => {
          const cells = analysisRow(a);
          const game = a.session?.gameId.startsWith('=') ? null : a.session!.gameId;
          return [p, hmac16(key, `session:${a.sessionId}`), n + 1, a.session!.startedAt.slice(0, 10), ...kept.map((i) => (ANALYSIS_COLUMNS[i]!.name === 'gameId' ? game : cells[i]!))];
        }),
    );
}

/** Fails naming the cell when a value of a row equals or contains an identifier of the source data. */
function expectNoIdentifiers(rows: ReadonlyArray<ReadonlyArray<unknown>>): void {
  expect(identifiers.size).toBeGreaterThan(10);
  for (const row of rows) for (const value of row) for (const id of identifiers) expect(String(value ?? '').includes(id), `${String(value)} holds ${id}`).toBe(false);
}

beforeAll(async () => {
  store = await startTestStore();
  dataDir = await mkdtemp(join(tmpdir(), 'm2m-export-'));
  for (const [i, userId] of users.entries()) {
    const names = await createUser(store, userId);
    // The second user's last two sessions fall on one day: the number keeps their order.
    const analyses = Array.from({ length: [2, 3, 0][i]! }, (_, k) => ({
      ...analyzeSession(synthesizeSession({ seed: 5100 + i * 10 + k, durationS: 3, startedAt: `2026-11-1${Math.min(k, 1)}T0${7 + k}:00:00.000Z` })),
      sessionRev: `1-${'0123456789abcdef'.repeat(2).slice(i + k, i + k + 16)}`,
    }));
    if (i === 1) analyses[0] = { ...analyses[0]!, session: { ...analyses[0]!.session!, gameId: '=HYPERLINK("http://evil.example")' } };
    written.set(userId, analyses);
    const docs = analyses.map(({ id, ...rest }) => ({ _id: id, ...rest }));
    // The progress summary sits beside the analyses and is not exported.
    const revs = await putDocs(store, names.progress, [...docs, { _id: 'progress', type: 'progress', sessionCount: analyses.length }]);
    identifiers.add(userId);
    for (const name of Object.values(names)) identifiers.add(name);
    for (const rev of revs.values()) identifiers.add(rev);
    for (const a of analyses) for (const id of [a.id, a.sessionId, a.sessionRev!, a.session!.startedAt]) identifiers.add(id);
  }
  // A clinician's care database holds copies of patients' analyses: never exported (each patient's own progress database is the source).
  const care = `${PREFIX}u-${userIdFor(903)}-care`;
  expect((await store.json('PUT', `/${care}`)).status).toBe(201);
  await putDocs(store, care, [{ _id: `analysis:${users[0]}:ses_X`, type: 'care-analysis', patientId: users[0], analysis: { ...written.get(users[0]!)![0]!, analysisVersion: 'care-copy' } }]);
}, 60_000);

afterAll(async () => {
  await store?.teardown();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('m2m-sync export', () => {
  it('writes every analysis, pseudonymised, as CSV and Parquet with the same rows', async () => {
    const out = join(dataDir, 'out');
    const result = await runCli(['export', '--out', out], env());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`exported 5 analyses of 3 user(s) to ${join(out, 'analyses.csv')} and ${join(out, 'analyses.parquet')}\n`);
    expect((await readdir(out)).sort()).toEqual(['analyses.csv', 'analyses.parquet']);
    expect((await stat(join(dataDir, 'secrets', 'export-key'))).mode & 0o077).toBe(0);
    // Owner-only: the folder the command made, and both files (under the usual umask 022 a default mode would be 644).
    expect((await stat(out)).mode & 0o777).toBe(0o700);
    for (const name of ['analyses.csv', 'analyses.parquet']) expect((await stat(join(out, name))).mode & 0o777, name).toBe(0o600);

    const want = await expectedRows(await exportKey());
    const csvText = await readFile(join(out, 'analyses.csv'), 'utf8');
    const [header, ...rows] = parseCsv(csvText);
    expect(header).toEqual(EXPORT_COLUMNS.map((c) => c.name));
    expect(rows).toEqual(want.map((row) => row.map((v) => (v === null ? '' : String(v)))));
    expect(rows.map((row) => row.slice(2, 4))).toContainEqual(['3', '2026-11-11']);
    expectNoIdentifiers(rows);
    for (const id of identifiers) expect(csvText).not.toContain(id);
    expect(csvText).not.toContain('care-copy');
    expect(csvText).not.toContain('HYPERLINK');

    const parquet = await parquetReadObjects({ file: await asyncBufferFromFile(join(out, 'analyses.parquet')) });
    const parquetRows = parquet.map((row) => EXPORT_COLUMNS.map((c) => row[c.name] ?? null));
    expect(parquetRows).toEqual(want);
    expectNoIdentifiers(parquetRows);
    const parquetBytes = await readFile(join(out, 'analyses.parquet'));
    for (const id of identifiers) expect(parquetBytes.includes(Buffer.from(id)), id).toBe(false);
  }, 60_000);

  it('gives each user the same pseudonym on a rerun and replaces a leftover partial file', async () => {
    const out = join(dataDir, 'rerun');
    const config = testConfig(store, { DATA_DIR: dataDir });
    expect((await exportAnalyses(config, { outDir: out, formats: ['csv'] })).files).toEqual([join(out, 'analyses.csv')]);
    const first = await readFile(join(out, 'analyses.csv'), 'utf8');
    expect(first).toBe(await readFile(join(dataDir, 'out', 'analyses.csv'), 'utf8'));
    // What a killed run leaves: a partial file beside the whole one.
    await writeFile(join(out, '.analyses.csv.partial'), 'half a');
    expect((await exportAnalyses(config, { outDir: out, formats: ['csv'] })).interrupted).toBe(false);
    expect(await readFile(join(out, 'analyses.csv'), 'utf8')).toBe(first);
    expect(await readdir(out)).toEqual(['analyses.csv']);
  }, 60_000);

  it('gives other pseudonyms of users and sessions under another key', async () => {
    const otherDataDir = join(dataDir, 'other-operator');
    const out = join(otherDataDir, 'out');
    await exportAnalyses(testConfig(store, { DATA_DIR: otherDataDir }), { outDir: out, formats: ['csv'] });
    const otherKey = new Uint8Array(Buffer.from((await readFile(join(otherDataDir, 'secrets', 'export-key'), 'utf8')).trim(), 'base64url'));
    const [, ...other] = parseCsv(await readFile(join(out, 'analyses.csv'), 'utf8'));
    const [, ...first] = parseCsv(await readFile(join(dataDir, 'out', 'analyses.csv'), 'utf8'));
    expect(other).toEqual((await expectedRows(otherKey)).map((row) => row.map((v) => (v === null ? '' : String(v)))));
    const pseudonyms = (rows: string[][]) => new Set(rows.flatMap((row) => row.slice(0, 2)));
    expect(pseudonyms(other).size).toBe(7); // two users, five sessions
    expect([...pseudonyms(other)].filter((p) => pseudonyms(first).has(p))).toEqual([]);
    // Everything but the pseudonyms is the same.
    expect(other.map((row) => row.slice(2)).sort()).toEqual(first.map((row) => row.slice(2)).sort());
  }, 60_000);

  it('documents every column of the export in the README', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    for (const column of EXPORT_COLUMNS.slice(0, 4)) expect(readme, column.name).toContain(`| \`${column.name}\` | ${column.type} |`);
  });

  it('replaces a symlink planted at a partial path instead of writing through it', async () => {
    const out = join(dataDir, 'planted');
    await mkdir(out);
    const victim = join(dataDir, 'victim.txt');
    await writeFile(victim, 'keep me', { mode: 0o644 });
    for (const name of ['.analyses.csv.partial', '.analyses.parquet.partial']) await symlink(victim, join(out, name));
    const report = await exportAnalyses(testConfig(store, { DATA_DIR: dataDir }), { outDir: out, formats: ['csv', 'parquet'] });
    expect(report.files).toHaveLength(2);
    expect(await readFile(victim, 'utf8')).toBe('keep me');
    expect((await stat(victim)).mode & 0o777).toBe(0o644);
    for (const name of ['analyses.csv', 'analyses.parquet']) {
      const file = await lstat(join(out, name));
      expect(file.isFile(), name).toBe(true);
      expect(file.mode & 0o777, name).toBe(0o600);
    }
    expect(await readFile(join(out, 'analyses.csv'), 'utf8')).toBe(await readFile(join(dataDir, 'out', 'analyses.csv'), 'utf8'));
    expect((await readdir(out)).sort()).toEqual(['analyses.csv', 'analyses.parquet']);
  }, 60_000);

  it('keeps the previous files whole when interrupted', async () => {
    const out = join(dataDir, 'interrupted');
    const config = testConfig(store, { DATA_DIR: dataDir });
    await exportAnalyses(config, { outDir: out, formats: ['parquet'] });
    const before = await readFile(join(out, 'analyses.parquet'));
    await putDocs(store, userDatabases(PREFIX, users[2]!).progress, [{ _id: 'analysis:ses_7ZZZZZZZZZ0000000000000000', type: 'analysis', sessionId: 'ses_7ZZZZZZZZZ0000000000000000', status: 'invalid', reasons: [], analysisVersion: '9.9.9', session: null, metrics: null, quality: null, notes: [] }]);
    const controller = new AbortController();
    const report = await exportAnalyses(config, {
      outDir: out,
      formats: ['parquet', 'csv'],
      signal: controller.signal,
      onProgress: (p) => {
        if (p.usersDone === 1) controller.abort();
      },
    });
    expect(report).toMatchObject({ interrupted: true, files: [] });
    expect(await readFile(join(out, 'analyses.parquet'))).toEqual(before);
    expect(await readdir(out)).toEqual(['analyses.parquet']);
  }, 60_000);

  it('refuses a command line without --out or with an unknown format', () => {
    expect(() => parseArgs(['export'])).toThrow(/--out/);
    expect(() => parseArgs(['export', '--out', 'x', '--format', 'xlsx'])).toThrow(/--format/);
    expect(parseArgs(['export', '--out', 'x'])).toEqual({ name: 'export', outDir: 'x', formats: ['csv', 'parquet'] });
  });
});
