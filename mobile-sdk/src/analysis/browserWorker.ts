import * as Comlink from 'comlink';
import type { AnalysisApi } from './analysisApi.js';
import { sharedWorkerRunner } from './sharedWorker.js';

/** The analysis Web Worker (bundlers follow the `new URL(…, import.meta.url)` form). */
export const browserWorkerRunner = sharedWorkerRunner(() => {
  const worker = new Worker(new URL('./browserWorkerScript.js', import.meta.url), { type: 'module', name: 'm2m-analysis' });
  return {
    api: Comlink.wrap<AnalysisApi>(worker),
    onFailure: (callback) => worker.addEventListener('error', (event) => callback(event.message || 'its script did not load (offline, or the server is not reachable)')),
    terminate: () => worker.terminate(),
  };
});
