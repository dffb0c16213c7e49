// @ts-check
// The operator export (m2m-sync export): time to export every user's
// analyses as CSV alone and as Parquet alone, interleaved rounds, medians,
// rows per second and the files' sizes.
//
// node bench/export.bench.mjs [--users 200] [--analyses 50] [--rounds 5]
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeSession, synthesizeSession } from '@m2m/analysis-core';
import { exportAnalyses, loadWorkerConfig } from '@m2m/sync';
import { medianOf, numberArg, startBenchStore, userId } from './benchSupport.mjs';

const USERS = numberArg('users', 200);
const ANALYSES = numberArg('analyses', 50);
const ROUNDS = numberArg('rounds', 5);

const bench = await startBenchStore('m2m-export-bench-');
// Ten different analyses, cycled, so the files hold varied numbers rather than one row repeated.
const bases = Array.from({ length: 10 }, (_, k) => analyzeSession({ ...synthesizeSession({ seed: 3 + k, durationS: 20, impairment: k / 10 }), _rev: '1-a' }));
const start = Date.parse('2026-01-01T00:00:00.000Z');
for (let u = 0; u < USERS; u++) {
  const db = `m2m-u-${userId(u)}-progress`;
  await bench.call('PUT', `/${db}`);
  const docs = Array.from({ length: ANALYSES }, (_, i) => {
    const base = /** @type {(typeof bases)[number]} */ (bases[(u + i) % bases.length]);
    const sessionId = `${base.sessionId.slice(0, -6)}${String(i).padStart(6, '0')}`;
    const { id: _id, ...rest } = base;
    void _id;
    return { ...rest, _id: `analysis:${sessionId}`, sessionId, session: { ...(/** @type {NonNullable<typeof base.session>} */ (base.session)), startedAt: new Date(start + i * 3_600_000).toISOString() } };
  });
  await bench.call('POST', `/${db}/_bulk_docs`, { docs });
}

const config = loadWorkerConfig({ COUCHDB_URL: bench.adminUrl, DATA_DIR: bench.dataDir, LOG_LEVEL: 'silent' });
const out = join(bench.dataDir, 'out');
/** @type {Record<'csv' | 'parquet', number[]>} */
const times = { csv: [], parquet: [] };
for (let round = 0; round < ROUNDS; round++) {
  /** @type {Array<'csv' | 'parquet'>} */
  const order = round % 2 ? ['parquet', 'csv'] : ['csv', 'parquet'];
  for (const format of order) {
    const t = performance.now();
    const report = await exportAnalyses(config, { outDir: out, formats: [format] });
    times[format].push(performance.now() - t);
    if (report.analyses !== USERS * ANALYSES) throw new Error(`exported ${report.analyses}, expected ${USERS * ANALYSES}`);
  }
}
const rows = USERS * ANALYSES;
for (const format of /** @type {const} */ (['csv', 'parquet'])) {
  const ms = medianOf(times[format]);
  const bytes = (await stat(join(out, `analyses.${format}`))).size;
  console.log(`${format}: ${USERS} users × ${ANALYSES} analyses = ${rows} rows, median ${Math.round(ms)} ms over ${ROUNDS} rounds (${Math.round(rows / (ms / 1000))} rows/s), file ${(bytes / 1024).toFixed(0)} KiB (${(bytes / rows).toFixed(0)} B/row)`);
}
console.log(`parquet/csv time ratio ${(medianOf(times.parquet) / medianOf(times.csv)).toFixed(2)}`);
await bench.store.close();
