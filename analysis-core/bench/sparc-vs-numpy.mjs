// @ts-check
// The exported `sparc` on one 30,000-sample signal against numpy's rfft SPARC on
// the same samples, side by side: interleaved rounds, medians, their ratio.
// Run with `npm run bench:sparc` (needs python3 with numpy on the PATH).
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import os from 'node:os';
import path from 'node:path';
import { sparc } from '../dist/index.js';

const N = 30_000;
const FS = 100;
const ROUNDS = 9;
const REPEATS = 11;

// A slow bump with a small ripple: a long speed profile at 100 Hz.
const signal = Float64Array.from({ length: N }, (_, i) => Math.exp(-(((i - N / 2) / 3000) ** 2)) + 0.01 * Math.sin(i));
const dir = mkdtempSync(path.join(os.tmpdir(), 'sparc-bench-'));
const file = path.join(dir, 'signal.f64');
writeFileSync(file, new Uint8Array(signal.buffer));

const python = spawn('python3', [new URL('./sparc_numpy.py', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: /** @type {import('node:stream').Readable} */ (python.stdout) })[Symbol.asyncIterator]();
/** @param {string} command */
async function ask(command) {
  python.stdin?.write(`${command}\n`);
  const { value, done } = await lines.next();
  if (done) throw new Error('python ended');
  return String(value);
}

/** @param {number[]} xs */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function timeJs() {
  const times = [];
  let value = NaN;
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    value = sparc(signal, FS);
    times.push(performance.now() - start);
  }
  return { ms: median(times), value };
}

await ask(`load ${file}`);
// Warm-up of both sides.
timeJs();
await ask(`time 3 ${FS}`);
const js = [];
const np = [];
let jsValue = NaN;
let npValue = NaN;
for (let round = 0; round < ROUNDS; round++) {
  const a = timeJs();
  js.push(a.ms);
  jsValue = a.value;
  const [ms, value] = (await ask(`time ${REPEATS} ${FS}`)).split(' ').map(Number);
  np.push(/** @type {number} */ (ms));
  npValue = /** @type {number} */ (value);
}
python.stdin?.end();
rmSync(dir, { recursive: true, force: true });

console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`sparc, ${N} samples at ${FS} Hz (nfft ${2 ** 19}), ${ROUNDS} interleaved rounds of ${REPEATS} calls, medians of round medians:`);
console.log(`  analysis-core sparc   ${median(js).toFixed(2)} ms   value ${jsValue}`);
console.log(`  numpy rfft SPARC      ${median(np).toFixed(2)} ms   value ${npValue}`);
console.log(`  ratio (analysis-core / numpy) ${(median(js) / median(np)).toFixed(2)}; values differ by ${Math.abs(jsValue - npValue).toExponential(1)}`);
