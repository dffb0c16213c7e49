// @ts-check
// Two builds of analysis-core side by side in one process: interleaved rounds,
// medians, their ratio, for analyzeSession on a five-minute session and the
// exported sparc on a 30,000-sample signal. Usage:
//   node bench/compare-builds.mjs <dist folder A> <dist folder B> [rounds]
// (for instance a build of an earlier commit against this one's dist/).
// Rounds alternate which build goes first; default 15.
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dirA, dirB, roundsArg] = process.argv.slice(2);
if (!dirA || !dirB) throw new Error('usage: node bench/compare-builds.mjs <dist A> <dist B>');
/** @param {string} dir */
const load = async (dir) => /** @type {typeof import('../dist/index.js')} */ (await import(pathToFileURL(path.resolve(dir, 'index.js')).href));
const [a, b] = await Promise.all([load(dirA), load(dirB)]);

const ROUNDS = Number(roundsArg ?? 15);
const session = b.synthesizeSession({ seed: 2, durationS: 300, impairment: 0.4, tremorAmplitudeDeg: 0.5 });
const signal = Float64Array.from({ length: 30_000 }, (_, i) => Math.exp(-(((i - 15_000) / 3000) ** 2)) + 0.01 * Math.sin(i));
/** @param {number[]} xs */
const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)] ?? NaN;
/** @param {() => unknown} run @param {number} repeats */
function time(run, repeats) {
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
}

for (const m of [a, b]) {
  for (let i = 0; i < 20; i++) {
    m.analyzeSession(session);
    m.sparc(signal, 100);
  }
}
/** @type {Record<string, number[]>} */
const r = { analyseA: [], analyseB: [], sparcA: [], sparcB: [] };
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? /** @type {const} */ (['A', 'B']) : /** @type {const} */ (['B', 'A']);
  for (const k of order) r[`analyse${k}`]?.push(time(() => (k === 'A' ? a : b).analyzeSession(session), 10));
  for (const k of order) r[`sparc${k}`]?.push(time(() => (k === 'A' ? a : b).sparc(signal, 100), 3));
}
const row = (/** @type {string} */ name, /** @type {number[]} */ x, /** @type {number[]} */ y) =>
  console.log(`  ${name.padEnd(34)} A ${median(x).toFixed(2)} ms   B ${median(y).toFixed(2)} ms   B/A ${(median(y) / median(x)).toFixed(2)}`);
console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`A = ${dirA}, B = ${dirB}; ${ROUNDS} interleaved rounds, medians of round medians:`);
row('analyzeSession, 5 min', r.analyseA ?? [], r.analyseB ?? []);
row('sparc, 30,000 samples', r.sparcA ?? [], r.sparcB ?? []);
