import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The built package, as other packages and the worker thread load it.
import { analyzeSession, summarizeProgress, synthesizeSession, type Session } from '../dist/index.js';

const SESSIONS = 300;

function sessions(): Session[] {
  return Array.from({ length: SESSIONS }, (_, i) => synthesizeSession({
    seed: 1000 + i,
    durationS: 10 + (i % 4) * 5,
    impairment: (i % 5) / 5,
    tremorAmplitudeDeg: i % 3 === 0 ? 1.5 : 0,
    dropoutRate: i % 7 === 0 ? 10 : 0,
    level: 1 + (i % 10),
    startedAt: new Date(Date.parse('2026-01-01T08:00:00.000Z') + i * 9 * 3_600_000).toISOString(),
  }));
}

describe('determinism across threads', () => {
  let worker: Worker;
  beforeAll(() => {
    worker = new Worker(new URL('./workers/analyze.worker.mjs', import.meta.url));
  });
  afterAll(async () => {
    await worker.terminate();
  });

  it(`gives byte-identical analyses and progress in the main thread and a worker thread for ${SESSIONS} sessions`, async () => {
    const input = sessions();
    const reply = new Promise<{ analyses: string[]; progress: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    worker.postMessage(input);
    const mainAnalyses = input.map((s) => analyzeSession(s));
    const fromWorker = await reply;

    expect(fromWorker.analyses).toHaveLength(SESSIONS);
    mainAnalyses.forEach((a, i) => expect(fromWorker.analyses[i], `session ${i}`).toBe(JSON.stringify(a)));
    expect(fromWorker.progress).toBe(JSON.stringify(summarizeProgress(mainAnalyses)));
    // The sessions are analysable: a determinism test over invalid results would prove little.
    expect(mainAnalyses.filter((a) => a.status === 'ok').length).toBe(SESSIONS);
  });
});
