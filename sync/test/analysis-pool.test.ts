import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeSession } from '@m2m/analysis-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnalysisPool } from '../src/pool/analysisPool.js';
import { analysisThreadUrl } from '../src/pool/threadEntry.js';
import { sessionDoc } from './support/storeWorld.js';

const misbehaving = new URL('./fixtures/misbehavingThread.mjs', import.meta.url);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'm2m-pool-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('analysis pool', () => {
  it('gives exactly analyzeSession’s result, whichever thread runs it', async () => {
    const pool = new AnalysisPool({ size: 2 });
    try {
      const docs = Array.from({ length: 8 }, (_, i) => ({ ...sessionDoc({ seed: 100 + i, durationS: 5 }), _rev: `1-${i}` }));
      const results = await Promise.all([...docs, ...docs].map((doc) => pool.analyze(doc)));
      results.forEach((result, i) => {
        const doc = docs[i % docs.length];
        expect(JSON.stringify(result.analysis)).toBe(JSON.stringify(analyzeSession(doc)));
        expect(result.durationMs).toBeGreaterThan(0);
      });
      // Two threads and the lane kept for normal sessions while heavy ones run.
      expect(pool.stats()).toMatchObject({ threads: 3, busy: 0, queued: 0, threadFailures: 0 });
    } finally {
      await pool.close();
    }
  });

  it('warms each thread up on synthetic sessions before it takes a session of a user', async () => {
    const pool = new AnalysisPool({ size: 2 });
    try {
      const doc = { ...sessionDoc({ seed: 140, durationS: 5 }), _rev: '1-a' };
      await pool.analyze(doc);
      // The thread that answered was ready, so it had warmed up first; the others too once ready
      // (two threads and the lane that takes normal sessions while heavy ones run).
      expect(pool.stats().warmUps).toBeGreaterThanOrEqual(3);
      const { threads } = pool.stats();
      expect(threads).toBe(3);
      await eventuallyReady(pool, threads);
      expect(pool.stats().warmUps).toBe(3 * threads);
    } finally {
      await pool.close();
    }
  });

  it('replaces a crashed thread and retries its job', async () => {
    const failures: string[] = [];
    const pool = new AnalysisPool({ size: 1, threadUrl: misbehaving, onThreadFailure: (f) => failures.push(`${f.reason}:${f.willRetry}`) });
    try {
      const doc = { ...sessionDoc({ seed: 7, durationS: 5 }), _id: 'crash-once-1', marker: join(dir, 'marker-1') };
      const result = await pool.analyze(doc);
      expect(result.analysis).toEqual(analyzeSession(doc));
      expect(failures).toEqual(['crash:true']);
      // The replacement thread goes on with the next job.
      const next = sessionDoc({ seed: 8, durationS: 5 });
      expect((await pool.analyze(next)).analysis).toEqual(analyzeSession(next));
    } finally {
      await pool.close();
    }
  });

  it('records a session that crashes its thread every time as invalid, and goes on', async () => {
    const pool = new AnalysisPool({ size: 2, threadUrl: misbehaving });
    try {
      const [crashing, thrown, good] = await Promise.all([
        pool.analyze({ _id: 'crash-always-1', _rev: '1-a' }),
        pool.analyze({ _id: 'throw-1', _rev: '3-c' }),
        pool.analyze(sessionDoc({ seed: 9, durationS: 5 })),
      ]);
      expect(crashing?.analysis).toMatchObject({ id: 'analysis:crash-always-1', sessionRev: '1-a', status: 'invalid' });
      expect(crashing?.analysis.reasons[0]?.code).toBe('analysis-crashed');
      expect(thrown?.analysis.reasons[0]).toMatchObject({ code: 'analysis-crashed' });
      expect(thrown?.analysis.reasons[0]?.message).toContain('thread blew up');
      expect(good?.analysis.status).toBe('ok');
      expect(pool.stats().threadFailures).toBe(4);
    } finally {
      await pool.close();
    }
  });

  it('replaces a thread that runs past the job timeout', async () => {
    const pool = new AnalysisPool({ size: 1, threadUrl: misbehaving, jobTimeoutMs: 300 });
    try {
      const result = await pool.analyze({ _id: 'hang-1' });
      expect(result.analysis.reasons[0]?.code).toBe('analysis-timeout');
      expect((await pool.analyze(sessionDoc({ seed: 9, durationS: 5 }))).analysis.status).toBe('ok');
    } finally {
      await pool.close();
    }
  });

  it('gives up, rather than marking sessions invalid, when threads cannot even start', async () => {
    const pool = new AnalysisPool({ size: 1, threadUrl: new URL('./fixtures/brokenThread.mjs', import.meta.url) });
    try {
      await expect(pool.analyze(sessionDoc({ seed: 1, durationS: 5 }))).rejects.toThrow(/fail to start/);
      expect(pool.broken?.message).toMatch(/cannot load the analysis code/);
    } finally {
      await pool.close();
    }
  });

  it('runs the built thread of the package (its exports name it), from the sources as from dist/', () => {
    expect(analysisThreadUrl().href).toBe(new URL('../dist/pool/analysisThread.js', import.meta.url).href);
  });

  it('says to build the package when the thread is not built', () => {
    const missing = new URL('./missing/analysisThread.js', `file://${dir}/`);
    expect(() => analysisThreadUrl(missing)).toThrow(/is not built; run `npm run build -w @m2m\/sync`/);
  });
});

async function eventuallyReady(pool: AnalysisPool, threads: number): Promise<void> {
  for (let i = 0; i < 200 && pool.stats().ready < threads; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(pool.stats().ready).toBe(threads);
}
