// @ts-check
// The analysis steps of one 5-minute, 100 Hz, 11-channel session in analysis-core
// against the same steps in numpy/scipy (bench/pipeline_numpy.py), side by side:
// interleaved rounds, medians, their ratio; and analyzeSession itself (which also
// validates and decodes the session) in the same rounds.
// Run with `npm run bench:pipeline` (needs python3 with numpy and scipy).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import os from 'node:os';
import path from 'node:path';
import { analyzeSession, decodeSensors, FINGERS, GYRO_CHANNEL_IDS, flexChannelId, ldlj, sparc, synthesizeSession, tremorShare } from '../dist/index.js';
import { cleanSeries } from '../dist/signal/cleanSeries.js';
import { lowPass, KINEMATIC_CUTOFF_HZ } from '../dist/signal/lowPass.js';
import { derivative } from '../dist/signal/derivative.js';
import { findRepetitions } from '../dist/metrics/repetitions.js';
import { speedProfile, splitRepetition } from '../dist/metrics/movements.js';
import { PROMPT_RANGE_WINDOW_MS, promptedRangeOfMotion } from '../dist/metrics/promptedRange.js';

const ROUNDS = 9;
const REPEATS = 15;
const session = synthesizeSession({ seed: 2, durationS: 300, impairment: 0.4, tremorAmplitudeDeg: 0.5 });
const sensors = decodeSensors(session.sensors);
const fs = sensors.sampleRateHz;
const byId = new Map(sensors.channels.map((c) => [c.id, c.values]));
const flex = FINGERS.map((f) => /** @type {Float64Array} */ (byId.get(flexChannelId(f))));
const gyro = GYRO_CHANNEL_IDS.map((id) => /** @type {Float64Array} */ (byId.get(id)));
const prompts = FINGERS.map((f) => session.events.filter((e) => e.kind === 'prompt' && e.finger === f).map((e) => e.t));

/** The steps on decoded channels; returns the movement bounds and prompt windows it used. */
function steps() {
  const movements = [];
  const windows = [];
  let checksum = 0;
  for (let f = 0; f < FINGERS.length; f++) {
    const clean = cleanSeries(/** @type {Float64Array} */ (flex[f]));
    const filtered = lowPass(clean.values, fs, KINEMATIC_CUTOFF_HZ);
    const velocity = derivative(filtered, fs);
    const spans = [];
    for (const rep of findRepetitions(filtered, 0, fs)) {
      const { flexion, extension } = splitRepetition(filtered, velocity, rep);
      for (const span of [flexion, extension]) {
        if (!span) continue;
        const profile = speedProfile(velocity, span);
        checksum += sparc(profile, fs) + ldlj(profile, fs, 'speed');
        spans.push([span.onset, span.offset]);
      }
    }
    const times = /** @type {number[]} */ (prompts[f]);
    checksum += promptedRangeOfMotion(filtered, clean.offset, fs, times);
    movements.push(spans);
    // The windows promptedExcursions uses, for the numpy side.
    const sorted = [...times].sort((a, b) => a - b);
    /** @type {[number, number][]} */
    const kept = [];
    sorted.forEach((t, i) => {
      const endMs = Math.min(t + PROMPT_RANGE_WINDOW_MS, sorted[i + 1] ?? Infinity);
      const a = Math.ceil((t * fs) / 1000) - clean.offset;
      const b = Math.min(filtered.length - 1, Math.floor((endMs * fs) / 1000) - clean.offset);
      if (a >= 0 && a <= filtered.length - 1 && b >= a) kept.push([a, b]);
    });
    windows.push(kept);
  }
  checksum += tremorShare(gyro, fs);
  return { checksum, movements, windows };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'pipeline-bench-'));
const { movements, windows } = steps();
FINGERS.forEach((f, i) => writeFileSync(path.join(dir, `${f}.f64`), new Uint8Array(/** @type {Float64Array} */ (flex[i]).slice().buffer)));
GYRO_CHANNEL_IDS.forEach((id, i) => writeFileSync(path.join(dir, `${id}.f64`), new Uint8Array(/** @type {Float64Array} */ (gyro[i]).slice().buffer)));
writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ flex: FINGERS, gyro: GYRO_CHANNEL_IDS, movements, windows }));

const python = spawn('python3', [new URL('./pipeline_numpy.py', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
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
/** @param {() => unknown} run */
function time(run) {
  const times = [];
  for (let r = 0; r < REPEATS; r++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
}

await ask(`load ${dir}`);
for (let i = 0; i < 20; i++) {
  steps();
  analyzeSession(session);
}
await ask('time 5');
const js = [];
const np = [];
const whole = [];
for (let round = 0; round < ROUNDS; round++) {
  js.push(time(steps));
  np.push(Number((await ask(`time ${REPEATS}`)).split(' ')[0]));
  whole.push(time(() => analyzeSession(session)));
}
python.stdin?.end();
rmSync(dir, { recursive: true, force: true });

const movementCount = movements.reduce((s, m) => s + m.length, 0);
console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`5-minute session at ${fs} Hz, ${movementCount} movements; ${ROUNDS} interleaved rounds of ${REPEATS} runs, medians of round medians:`);
console.log(`  analysis steps, analysis-core   ${median(js).toFixed(2)} ms`);
console.log(`  analysis steps, numpy/scipy     ${median(np).toFixed(2)} ms`);
console.log(`  numpy / analysis-core           ${(median(np) / median(js)).toFixed(2)}×`);
console.log(`  analyzeSession (validate, decode, all metrics, rounding)   ${median(whole).toFixed(2)} ms`);
