// @ts-check
// The cost of one progress recompute for a user with many sessions, as the
// worker did it (summarizeProgress over every analysis: each one checked
// against its schema) and as it does it now (summarizeProgressEntries over
// the entries its cache made once per analysis), interleaved, medians; and
// the document's size. Each session is of a different game (the worst case
// for the per-game section).
//
// node bench/progress.bench.mjs [--sessions 10000] [--rounds 7]
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { analyzeSession, progressEntry, summarizeProgress, summarizeProgressEntries, synthesizeSession } from '@m2m/analysis-core';

const args = process.argv.slice(2);
/** @param {string} name @param {number} fallback */
const numberArg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number`);
  return value;
};
const SESSIONS = numberArg('sessions', 10_000);
const ROUNDS = numberArg('rounds', 7);

const session = synthesizeSession({ seed: 1, durationS: 10 });
const base = analyzeSession({ ...session, _rev: '1-a' });
const start = Date.parse('2026-01-01T00:00:00.000Z');
const analyses = Array.from({ length: SESSIONS }, (_, i) => {
  const sessionId = `${base.sessionId.slice(0, -6)}${String(i).padStart(6, '0')}`;
  const startedAt = new Date(start + i * 3_600_000).toISOString();
  return { ...base, id: `analysis:${sessionId}`, sessionId, session: { ...(/** @type {NonNullable<typeof base.session>} */ (base.session)), gameId: `game-${i}`, startedAt } };
});
const entries = analyses.map(progressEntry);

/** @type {number[]} */ const full = [];
/** @type {number[]} */ const fromEntries = [];
for (let round = 0; round < ROUNDS; round++) {
  let t = performance.now();
  summarizeProgress(analyses);
  full.push(performance.now() - t);
  t = performance.now();
  summarizeProgressEntries(entries);
  fromEntries.push(performance.now() - t);
}
const median = (/** @type {number[]} */ values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const size = Buffer.byteLength(JSON.stringify(summarizeProgressEntries(entries)));
console.log(`progress of ${SESSIONS} sessions (each of a different game), median of ${ROUNDS} interleaved rounds, load ${os.loadavg()[0]?.toFixed(2)}:`);
console.log(`  summarizeProgress over the analyses: ${median(full).toFixed(1)} ms`);
console.log(`  summarizeProgressEntries over entries made once: ${median(fromEntries).toFixed(1)} ms (${(median(full) / median(fromEntries)).toFixed(1)}x less)`);
console.log(`  progress document: ${(size / 1024).toFixed(1)} KiB`);
