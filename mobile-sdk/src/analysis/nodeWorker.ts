import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { AnalysisApi } from './analysisApi.js';
import { sharedWorkerRunner } from './sharedWorker.js';

/** The analysis worker thread for Node (tests, simulators, servers-side tools). */
export const nodeWorkerRunner = sharedWorkerRunner(() => {
  const worker = new Worker(new URL('./nodeWorkerScript.js', import.meta.url));
  // An idle analysis thread must not keep a finished program alive.
  worker.unref();
  return { api: Comlink.wrap<AnalysisApi>(nodeEndpoint(worker)), terminate: () => void worker.terminate() };
});
