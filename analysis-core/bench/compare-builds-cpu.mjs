// @ts-check
// Two builds of analysis-core, each measured in processes of its own,
// alternating A, B, B, A, ...: analyzeSession of a five-minute session, the
// median over blocks of five calls of the process's CPU time per call (which
// leaves out the time other processes hold the cores) and of wall time, then
// the median over processes per build, and their ratio. On a loaded machine
// this is steadier than compare-builds.mjs: two identical copies of one build
// loaded into one process measured up to 10% apart there. Usage:
//   node bench/compare-builds-cpu.mjs <dist A> <dist B> [pairs of processes, default 6]
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [dirA, dirB, third] = process.argv.slice(2);
// A measuring process is told so by its environment, never by its arguments, so it cannot start others.
const child = process.env.COMPARE_BUILDS_CPU_CHILD === '1';
if (!dirA || (!dirB && !child)) throw new Error('usage: node bench/compare-builds-cpu.mjs <dist A> <dist B> [pairs]');

if (child) {
  const m = /** @type {typeof import('../dist/index.js')} */ (await import(pathToFileURL(path.resolve(dirA, 'index.js')).href));
  const session = m.synthesizeSession({ seed: 2, durationS: 300, impairment: 0.4, tremorAmplitudeDeg: 0.5 });
  for (let i = 0; i < 40; i++) m.analyzeSession(session);
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  /** @type {number[]} */ const cpu = [];
  /** @type {number[]} */ const wall = [];
  for (let b = 0; b < 31; b++) {
    const c = cpuMs();
    const w = performance.now();
    for (let i = 0; i < 5; i++) m.analyzeSession(session);
    cpu.push((cpuMs() - c) / 5);
    wall.push((performance.now() - w) / 5);
  }
  console.log(JSON.stringify({ cpu: median(cpu), wall: median(wall) }));
} else {
  const pairs = Number(third ?? 6);
  const self = fileURLToPath(import.meta.url);
  /** @type {Record<'A' | 'B', { cpu: number; wall: number }[]>} */
  const runs = { A: [], B: [] };
  const load0 = os.loadavg()[0] ?? NaN;
  for (let i = 0; i < pairs; i++) {
    const order = i % 2 === 0 ? /** @type {const} */ (['A', 'B']) : /** @type {const} */ (['B', 'A']);
    for (const k of order) {
      const dir = /** @type {string} */ (k === 'A' ? dirA : dirB);
      const env = { ...process.env, COMPARE_BUILDS_CPU_CHILD: '1' };
      runs[k].push(JSON.parse(execFileSync(process.execPath, [self, dir], { env }).toString()));
    }
  }
  console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${load0.toFixed(2)} at the start, ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at the end`);
  console.log(`A = ${dirA}, B = ${dirB}; ${pairs} processes each, alternating; analyzeSession, 5 min, medians over processes:`);
  for (const f of /** @type {const} */ (['cpu', 'wall'])) {
    const a = median(runs.A.map((r) => r[f]));
    const b = median(runs.B.map((r) => r[f]));
    console.log(`  ${(f === 'cpu' ? 'CPU time per call' : 'wall time per call').padEnd(20)} A ${a.toFixed(2)} ms   B ${b.toFixed(2)} ms   B/A ${(b / a).toFixed(2)}`);
  }
}

/** @param {number[]} xs */
function median(xs) {
  return [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)] ?? NaN;
}
