// The runner's own modules, built: the fallback is a seam inside the SDK, not part of its public API.
import { synthesizeSession } from '@m2m/analysis-core';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { analysisApi, type AnalysisRunner } from '../dist/analysis/analysisApi.js';
import { nodeWorkerHandle } from '../dist/analysis/nodeWorker.js';
import { sharedWorkerRunner } from '../dist/analysis/sharedWorker.js';

const MISSING_SCRIPT = new URL('./support/no-such-worker-script.mjs', import.meta.url);
const SILENT_SCRIPT = new URL('./support/silentWorker.mjs', import.meta.url);
const WORKING_SCRIPT = new URL('../dist/analysis/nodeWorkerScript.js', import.meta.url);

describe('on-device analysis when the worker cannot load', () => {
  const runners: AnalysisRunner[] = [];
  afterEach(() => {
    for (const runner of runners.splice(0)) runner.release();
  });
  const runnerFor = (script: URL, loadTimeoutMs?: number): AnalysisRunner => {
    const runner = sharedWorkerRunner(() => nodeWorkerHandle(script), loadTimeoutMs === undefined ? {} : { loadTimeoutMs })();
    runners.push(runner);
    return runner;
  };
  const session = () => synthesizeSession({ seed: 7, durationS: 10 });

  it('analyses inline, with the same result, when the worker script is missing, and says why', async () => {
    const runner = runnerFor(MISSING_SCRIPT);
    const input = session();
    const analysis = await runner.analyze(input);
    expect(analysis).toEqual(analysisApi.analyze(input));
    const place = await firstValueFrom(runner.place$);
    expect(place.runsIn).toBe('inline');
    expect(place.reason).toMatch(/^the analysis worker could not load: /);
    // Known from the worker's own failure at once, not from the load timeout that stands for a stalled worker.
    expect(place.reason).not.toMatch(/did not answer within/);
    // The summary of the same analyses runs inline as well.
    expect(await runner.summarize([analysis])).toEqual(analysisApi.summarize([analysis]));
  });

  it('analyses inline when the worker loads but never answers', async () => {
    const runner = runnerFor(SILENT_SCRIPT, 500);
    const input = session();
    expect(await runner.analyze(input)).toEqual(analysisApi.analyze(input));
    expect(await firstValueFrom(runner.place$)).toEqual({ runsIn: 'inline', reason: 'the analysis worker could not load: it did not answer within 500 ms' });
  });

  it('stays in the worker when it loads', async () => {
    const runner = runnerFor(WORKING_SCRIPT);
    const input = session();
    expect(await runner.analyze(input)).toEqual(analysisApi.analyze(input));
    expect(await firstValueFrom(runner.place$)).toEqual({ runsIn: 'worker', reason: null });
  });
});
