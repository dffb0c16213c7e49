// @ts-check
// Two builds of analysis-core must give the same results: for 60 synthetic
// sessions (varied length, rate, level, impairment, tremor, noise, dropouts)
// compares the canonical JSON of analyzeSession and the bytes of every
// decoded channel. Exits 1 on the first difference. Usage:
//   node bench/compare-outputs.mjs <dist folder A> <dist folder B>
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [dirA, dirB] = process.argv.slice(2);
if (!dirA || !dirB) throw new Error('usage: node bench/compare-outputs.mjs <dist A> <dist B>');
/** @param {string} dir */
const load = async (dir) => /** @type {typeof import('../dist/index.js')} */ (await import(pathToFileURL(path.resolve(dir, 'index.js')).href));
const [a, b] = await Promise.all([load(dirA), load(dirB)]);

/** @param {Float64Array} x */
const bytesOf = (x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
let sessions = 0;
for (let seed = 1; seed <= 60; seed++) {
  const session = b.synthesizeSession({
    seed,
    durationS: 20 + ((seed * 37) % 140),
    sampleRateHz: [100, 100, 50, 200, 60][seed % 5],
    level: 1 + (seed % 10),
    impairment: (seed % 7) / 6,
    tremorAmplitudeDeg: (seed % 4) * 0.5,
    noiseDeg: [0, 0.2, 1, 3][seed % 4],
    dropoutRate: [0, 0, 2, 10, 40][seed % 5],
    dropoutMs: [20, 80, 300][seed % 3],
  });
  const docA = a.canonicalJson(a.analyzeSession(session));
  const docB = b.canonicalJson(b.analyzeSession(session));
  if (docA !== docB) {
    console.error(`seed ${seed}: analyses differ\nA ${docA}\nB ${docB}`);
    process.exit(1);
  }
  const decA = a.decodeSensors(session.sensors);
  const decB = b.decodeSensors(session.sensors);
  decA.channels.forEach((ch, i) => {
    const other = decB.channels[i];
    if (!other || !bytesOf(ch.values).equals(bytesOf(other.values))) {
      console.error(`seed ${seed}: channel ${ch.id} decodes differently`);
      process.exit(1);
    }
  });
  sessions++;
}
console.log(`${sessions} sessions: analyses and decoded channels identical between ${dirA} and ${dirB}`);
