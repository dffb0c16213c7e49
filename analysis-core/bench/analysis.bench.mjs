// @ts-check
// Benchmarks of the sensor codec, the session analysis and the progress summary.
// Run with `npm run bench` (from the root or this package); figures go to BENCHMARKS.md.
// It measures the built package (dist/), the code other packages load, under plain
// node: a TypeScript runner would wrap every function it loads and skew the figures.
import os from 'node:os';
import { Bench } from 'tinybench';
import {
  analyzeSession, decodeSensors, encodeSensors, STANDARD_CHANNELS, summarizeProgress, synthesizeRecording, synthesizeSession,
} from '../dist/index.js';

const minute = synthesizeRecording({ seed: 1, durationS: 60, impairment: 0.4, tremorAmplitudeDeg: 0.5 });
const fiveMinutes = synthesizeRecording({ seed: 2, durationS: 300, impairment: 0.4, tremorAmplitudeDeg: 0.5 });
/** @param {import('../dist/index.js').Recording} r */
const input = (r) => ({ sampleRateHz: r.sampleRateHz, channels: r.channels });
const minuteBlock = encodeSensors(input(minute));
const fiveMinuteBlock = encodeSensors(input(fiveMinutes));
const minuteSession = synthesizeSession({ seed: 1, durationS: 60, impairment: 0.4, tremorAmplitudeDeg: 0.5 });
const fiveMinuteSession = synthesizeSession({ seed: 2, durationS: 300, impairment: 0.4, tremorAmplitudeDeg: 0.5 });
const analyses = Array.from({ length: 1000 }, (_, i) => {
  const a = analyzeSession(minuteSession);
  // Spread the same analysis over 1,000 sessions and days.
  const sessionId = `ses_01JZ${String(i).padStart(22, '0')}`;
  const startedAt = new Date(Date.parse('2026-01-01T08:00:00.000Z') + i * 10 * 3_600_000).toISOString();
  return { ...a, id: `analysis:${sessionId}`, sessionId, session: { .../** @type {import('../dist/index.js').SessionSummary} */ (a.session), startedAt } };
});

const bench = new Bench({ time: 2000, warmup: true });
bench
  .add('encodeSensors, 1 min (6,000 × 11)', () => { encodeSensors(input(minute)); })
  .add('encodeSensors, 5 min (30,000 × 11)', () => { encodeSensors(input(fiveMinutes)); })
  .add('decodeSensors, 1 min', () => { decodeSensors(minuteBlock); })
  .add('decodeSensors, 5 min', () => { decodeSensors(fiveMinuteBlock); })
  .add('analyzeSession, 1 min', () => { analyzeSession(minuteSession); })
  .add('analyzeSession, 5 min', () => { analyzeSession(fiveMinuteSession); })
  .add('summarizeProgress, 1,000 analyses', () => { summarizeProgress(analyses); });

await bench.run();

const rows = bench.tasks.map((task) => {
  const r = task.result;
  if (r.state !== 'completed') throw new Error(`${task.name}: ${r.state}`);
  return { task: task.name, 'median ms': r.latency.p50.toFixed(3), 'p99 ms': r.latency.p99.toFixed(3), 'mean ms': r.latency.mean.toFixed(3), samples: r.latency.samplesCount };
});
console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`);
console.table(rows);

// Size of the encoded samples against JSON of the same numbers rounded to each channel's scale.
/** @param {number} scale */
const decimals = (scale) => Math.max(0, -Math.floor(Math.log10(scale)));
const json = JSON.stringify(fiveMinutes.channels.map((c) => Array.from(c.values, (v) => (Number.isNaN(v) ? null : Number((Math.round(v / c.scale) * c.scale).toFixed(decimals(c.scale)))))));
const encoded = fiveMinuteBlock.data.length;
console.log(`5-minute session, ${STANDARD_CHANNELS.length} channels: encoded ${encoded} bytes, JSON ${json.length} bytes, ratio ${(encoded / json.length * 100).toFixed(1)}%; whole session document ${JSON.stringify(fiveMinuteSession).length} bytes`);
